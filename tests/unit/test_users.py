"""Accounts: creation rules, the login credentials, lockout after 5 failures and logout."""

from datetime import UTC, datetime, timedelta

import bcrypt
import pytest
from sqlmodel import select

from models import AuditLog, Township, User
from models.enums import Role, UnitType
from services import users
from services.errors import PermissionDenied, ValidationError
from services.permissions import SYSTEM, Actor

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


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
        password="Demo@2026",
        role=Role.township_staff,
        township_id=unit.id,
    )
    return users.get_actor(session, "clerk01")


def test_password_is_stored_as_bcrypt_and_checks(session, clerk):
    stored = session.exec(select(User)).one()
    assert stored.password_hash.startswith("$2b$")
    assert "Demo@2026" not in stored.password_hash
    assert users.check_password("Demo@2026", stored.password_hash)
    assert not users.check_password("demo@2026", stored.password_hash)
    audit_row = session.exec(select(AuditLog)).one()
    assert audit_row.action == "create" and "password_hash" not in audit_row.after


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"username": "Bad Name"}, "error.user.username_format"),
        ({"username": "clerk01"}, "error.user.duplicate"),
        ({"password": "short1"}, "error.user.password_short"),
        ({"password": "onlyletters"}, "error.user.password_weak"),
        ({"password": "a1" + "密" * 30}, "error.user.password_long"),
        ({"display_name": ""}, "error.user.display_name"),
        ({"role": Role.township_staff, "township_id": None}, "error.user.township_required"),
    ],
)
def test_bad_accounts_are_refused(session, clerk, kwargs, key):
    base = dict(
        username="newuser",
        display_name="新用户",
        password="Good@2026x",
        role=Role.district_leader,
        township_id=None,
    )
    with pytest.raises(ValidationError) as err:
        users.create_user(session, SYSTEM, **(base | kwargs))
    assert err.value.key == key


def test_only_the_admin_creates_accounts(session, clerk):
    with pytest.raises(PermissionDenied):
        users.create_user(
            session,
            clerk,
            username="sneaky",
            display_name="x",
            password="Good@2026x",
            role=Role.district_admin,
        )


def test_five_failures_lock_for_fifteen_minutes(session, clerk):
    for n in range(1, 5):
        state = users.record_failed_login(session, "clerk01", now=T0 + timedelta(seconds=n))
        assert (state.failed_logins, state.locked) == (n, False)
    state = users.record_failed_login(session, "clerk01", now=T0 + timedelta(seconds=5))
    assert state.locked and state.locked_until == T0 + timedelta(seconds=5, minutes=15)

    # While locked, the login form gets a hash that the right password does not match.
    creds = users.credentials(session, now=T0 + timedelta(minutes=14))
    locked_hash = creds["usernames"]["clerk01"]["password"]
    assert not bcrypt.checkpw(b"Demo@2026", locked_hash.encode())
    assert users.login_state(session, "clerk01", now=T0 + timedelta(minutes=14)).locked

    # After 15 minutes the real hash is back and a new failure starts a fresh count.
    later = T0 + timedelta(minutes=16)
    creds = users.credentials(session, now=later)
    assert bcrypt.checkpw(b"Demo@2026", creds["usernames"]["clerk01"]["password"].encode())
    state = users.record_failed_login(session, "clerk01", now=later)
    assert (state.failed_logins, state.locked) == (1, False)
    failures = session.exec(select(AuditLog).where(AuditLog.action == "login_failed")).all()
    assert len(failures) == 6


def test_a_successful_login_resets_the_count(session, clerk):
    users.record_failed_login(session, "clerk01", now=T0)
    users.record_login(session, clerk)
    assert users.login_state(session, "clerk01").failed_logins == 0


def test_unknown_username_counts_nothing(session, clerk):
    assert users.record_failed_login(session, "nobody").failed_logins == 0


def test_logout_revokes_cookies_issued_before_it(session, clerk):
    issued = T0
    assert users.cookie_is_current(session, "clerk01", issued)
    users.record_logout(session, clerk, now=T0 + timedelta(hours=1))
    assert not users.cookie_is_current(session, "clerk01", issued)
    assert users.cookie_is_current(session, "clerk01", T0 + timedelta(hours=2))


def test_a_disabled_account_has_no_credentials_and_no_cookie(session, clerk):
    user = session.exec(select(User)).one()
    user.active = False
    session.add(user)
    session.commit()
    assert "clerk01" not in users.credentials(session)["usernames"]
    assert users.get_actor(session, "clerk01") is None
    assert not users.cookie_is_current(session, "clerk01", T0)


def test_the_actor_carries_role_and_township(clerk):
    assert isinstance(clerk, Actor)
    assert clerk.role == Role.township_staff and clerk.township_id is not None
