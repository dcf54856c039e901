"""Signing in: the throttle counts every try atomically, unknown names alike; sessions end
on logout, on disabling, on a retired unit and on expiry; the cookie ticket is good once."""

import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from models import AuditLog, LoginThrottle, Township, User, UserSession
from models.db import connection_scope, make_engine
from models.enums import Role, UnitType
from services import sessions, users
from services.permissions import SYSTEM

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PASSWORD = "Demo@2026"


@pytest.fixture
def clerk(session):
    unit = Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town)
    session.add(unit)
    session.commit()
    users.create_user(
        session,
        SYSTEM,
        username="clerk01",
        display_name="甲镇人大干事",
        password=PASSWORD,
        role=Role.township_staff,
        township_id=unit.id,
    )
    return users.get_actor(session, "clerk01")


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_right_password_signs_in_and_is_audited(session, clerk):
    outcome = sessions.attempt_login(session, " Clerk01 ", PASSWORD, now=T0)
    assert outcome.ok and outcome.actor.username == "clerk01"
    assert session.exec(select(AuditLog).where(AuditLog.action == "login")).one()


def test_five_failures_lock_for_fifteen_minutes_even_the_right_password(session, clerk):
    for n in range(1, 5):
        outcome = sessions.attempt_login(session, "clerk01", "wrong-1234", now=_at(n / 60))
        assert not outcome.ok and not outcome.locked
        assert sessions.login_state(session, "clerk01", now=_at(n / 60)).failed_logins == n
    fifth = sessions.attempt_login(session, "clerk01", "wrong-1234", now=_at(5 / 60))
    assert fifth.locked
    state = sessions.login_state(session, "clerk01", now=_at(1))
    assert state.locked and state.locked_until == _at(5 / 60 + 15)
    right = sessions.attempt_login(session, "clerk01", PASSWORD, now=_at(14))
    assert not right.ok and right.locked
    # After the lock runs out the right password works and the count is gone.
    assert sessions.attempt_login(session, "clerk01", PASSWORD, now=_at(16)).ok
    assert sessions.login_state(session, "clerk01", now=_at(16)).failed_logins == 0
    failures = session.exec(select(AuditLog).where(AuditLog.action == "login_failed")).all()
    assert len(failures) == 6


def test_a_lock_that_ran_out_starts_a_fresh_count(session, clerk):
    for n in range(5):
        sessions.attempt_login(session, "clerk01", "wrong-1234", now=_at(n / 60))
    outcome = sessions.attempt_login(session, "clerk01", "wrong-1234", now=_at(20))
    assert not outcome.locked
    assert sessions.login_state(session, "clerk01", now=_at(20)).failed_logins == 1


def test_a_success_before_the_fifth_try_forgets_the_count(session, clerk):
    for n in range(4):
        sessions.attempt_login(session, "clerk01", "wrong-1234", now=_at(n / 60))
    assert sessions.attempt_login(session, "clerk01", PASSWORD, now=_at(1)).ok
    assert sessions.login_state(session, "clerk01", now=_at(1)).failed_logins == 0


@pytest.mark.slow
def test_an_unknown_name_answers_like_a_real_one_and_is_not_stored(session, clerk):
    outcomes = [
        sessions.attempt_login(session, "nobody", "wrong-1234", now=_at(n / 60)) for n in range(5)
    ]
    assert [o.locked for o in outcomes] == [False] * 4 + [True]
    stored = session.exec(select(LoginThrottle)).one()
    assert "nobody" not in stored.name_hash and len(stored.name_hash) == 64
    assert not session.exec(select(AuditLog).where(AuditLog.action == "login_failed")).all()


def _attempt_in_thread(url: str) -> bool:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return sessions.attempt_login(s, "clerk01", "wrong-1234").locked
    finally:
        engine.dispose()


def test_parallel_guesses_are_all_counted_and_at_most_five_are_checked(db_url, session, clerk):
    checked = []
    original = sessions.check_password

    def counting_check(password, password_hash):
        checked.append(password)
        return original(password, password_hash)

    sessions.check_password = counting_check
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            locked = list(pool.map(_attempt_in_thread, [db_url] * 20))
    finally:
        sessions.check_password = original
    assert len(checked) == sessions.MAX_FAILED_LOGINS
    assert sum(locked) == 20 - (sessions.MAX_FAILED_LOGINS - 1)
    session.expire_all()
    assert session.exec(select(LoginThrottle)).one().failed == 20


def _attempt_in_process(url: str) -> bool:
    os.environ["BCRYPT_ROUNDS"] = "4"
    return _attempt_in_thread(url)


@pytest.mark.slow
def test_parallel_guesses_from_separate_processes_lock_the_name(db_url, session, clerk):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_attempt_in_process, [db_url] * 8)
    session.expire_all()
    assert session.exec(select(LoginThrottle)).one().failed == 8
    assert sessions.login_state(session, "clerk01").locked


def test_a_session_lives_until_revoked_or_expired(session, clerk):
    grant = sessions.open_session(session, clerk, now=T0)
    assert sessions.check_run(session, grant.token, now=_at(1)).actor == clerk
    assert sessions.check_run(session, "forged-token", now=_at(1)).actor is None
    assert sessions.check_run(session, grant.token, now=T0 + timedelta(days=8)).actor is None
    sessions.end_session(session, grant.token, now=_at(2))
    assert sessions.check_run(session, grant.token, now=_at(3)).actor is None


def test_the_run_check_reads_actor_and_data_version_in_one_statement(engine, session, clerk):
    grant = sessions.open_session(session, clerk, now=T0)
    audited = max(row.id for row in session.exec(select(AuditLog)).all())
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with engine.connect() as connection:
        check = sessions.check_run(connection, grant.token, now=_at(1))
    assert check.actor == clerk
    assert check.data_version == audited
    assert len(statements) == 1
    # Signed out or unknown: no actor, and the version all the same.
    with engine.connect() as connection:
        assert sessions.check_run(connection, None) == sessions.RunCheck(None, False, audited)
        assert sessions.check_run(connection, "forged", now=_at(1)).data_version == audited


def test_the_run_check_refuses_a_disabled_account(session, clerk):
    grant = sessions.open_session(session, clerk, now=T0)
    user = session.get(User, clerk.id)
    user.active = False
    session.add(user)
    session.commit()
    assert sessions.check_run(session, grant.token, now=_at(1)).actor is None


def test_the_last_seen_time_is_written_at_most_every_few_minutes(db_url, engine, session, clerk):
    # On the autocommit connection every run of the app uses.
    grant = sessions.open_session(session, clerk, now=T0)

    def last_seen() -> datetime:
        with Session(engine) as fresh:
            seen = fresh.exec(select(UserSession.last_seen_at)).one()
        return seen.replace(tzinfo=UTC) if seen.tzinfo is None else seen

    with connection_scope(db_url) as connection:
        sessions.check_run(connection, grant.token, now=_at(1))
    assert last_seen() == T0
    later = T0 + sessions.SEEN_EVERY + timedelta(minutes=1)
    with connection_scope(db_url) as connection:
        sessions.check_run(connection, grant.token, now=later)
    assert last_seen() == later


def test_logout_ends_every_session_of_the_user(session, clerk):
    first = sessions.open_session(session, clerk).token
    second = sessions.open_session(session, clerk).token
    sessions.sign_out(session, clerk)
    assert sessions.check_run(session, first).actor is None
    assert sessions.check_run(session, second).actor is None
    assert session.exec(select(AuditLog).where(AuditLog.action == "logout")).one()


def test_retiring_the_unit_ends_its_clerks_sessions_and_sign_in(session, clerk):
    token = sessions.open_session(session, clerk).token
    unit = session.get(Township, clerk.township_id)
    unit.active = False
    session.add(unit)
    session.commit()
    assert sessions.check_run(session, token).actor is None
    assert not sessions.attempt_login(session, "clerk01", PASSWORD).ok


def test_the_ticket_gives_a_new_cookie_token_once(session, clerk):
    grant = sessions.open_session(session, clerk, now=T0)
    assert sessions.check_run(session, grant.token, now=_at(1)).ticket_pending
    cookie = sessions.redeem_ticket(session, grant.ticket, now=_at(1))
    assert cookie and cookie != grant.token
    assert sessions.check_run(session, cookie, now=_at(1)).actor == clerk
    assert not sessions.check_run(session, grant.token, now=_at(1)).ticket_pending
    # The cookie's own token never waits for a ticket.
    assert not sessions.check_run(session, cookie, now=_at(1)).ticket_pending
    assert sessions.redeem_ticket(session, grant.ticket, now=_at(1)) is None
    # Only hashes are stored.
    stored = {row.token_hash for row in session.exec(select(UserSession)).all()}
    assert grant.token not in stored and cookie not in stored


def test_a_stale_ticket_gives_nothing(session, clerk):
    grant = sessions.open_session(session, clerk, now=T0)
    assert sessions.redeem_ticket(session, grant.ticket, now=_at(3)) is None
    assert sessions.redeem_ticket(session, "", now=T0) is None
