"""Accounts: creation rules, temporary passwords in production, changes, resets, disabling."""

import pytest
from sqlmodel import select

from models import AuditLog, Township, User
from models.enums import Role, UnitType
from services import deployment, sessions, users
from services.deployment import DatabaseKind
from services.errors import PermissionDenied, ValidationError
from services.passwords import check_password
from services.permissions import SYSTEM, Actor

PASSWORD = "Demo@2026"


def _unit(session, code="a", active=True) -> int:
    unit = Township(code=code, name_zh="甲镇", name_en="A", unit_type=UnitType.town, active=active)
    session.add(unit)
    session.commit()
    return unit.id


def _create(session, actor=SYSTEM, **kwargs) -> int:
    base = dict(
        username="clerk01",
        display_name="甲镇人大干事",
        password=PASSWORD,
        role=Role.township_staff,
        township_id=kwargs.pop("township_id", None) or _unit(session),
    )
    return users.create_user(session, actor, **(base | kwargs))


@pytest.fixture
def clerk(session):
    _create(session)
    return users.get_actor(session, "clerk01")


@pytest.fixture
def admin(session):
    users.create_user(
        session,
        SYSTEM,
        username="chen",
        display_name="陈主任",
        password="Lead@2026x",
        role=Role.district_admin,
    )
    return users.get_actor(session, "chen")


def test_password_is_stored_as_bcrypt_and_checks(session, clerk):
    stored = session.exec(select(User)).one()
    assert stored.password_hash.startswith("$2b$")
    assert PASSWORD not in stored.password_hash
    assert check_password(PASSWORD, stored.password_hash)
    assert not check_password("demo@2026", stored.password_hash)
    audit_row = session.exec(select(AuditLog)).one()
    assert audit_row.action == "create" and "password_hash" not in audit_row.after


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"username": "Bad Name"}, "error.user.username_format"),
        ({"username": "clerk01"}, "error.user.duplicate"),
        ({"username": "CLERK01 "}, "error.user.duplicate"),
        ({"password": "short1"}, "error.user.password_short"),
        ({"password": "onlyletters"}, "error.user.password_weak"),
        ({"password": "12345678"}, "error.user.password_weak"),
        ({"password": "a1" + "密" * 30}, "error.user.password_long"),
        ({"password": " Good@2026x"}, "error.user.password_spaces"),
        ({"password": "Password1"}, "error.user.password_common"),
        ({"password": "newuser2026"}, "error.user.password_common"),
        ({"display_name": ""}, "error.user.display_name"),
        ({"display_name": "\u200b\u200b"}, "error.user.display_name"),
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


def test_a_clerk_of_a_retired_unit_cannot_be_created(session):
    retired = _unit(session, code="old", active=False)
    with pytest.raises(ValidationError) as err:
        _create(session, township_id=retired)
    assert err.value.key == "error.user.township_required"


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


def test_in_production_an_admin_sets_only_temporary_passwords(session, admin):
    deployment.mark(session, DatabaseKind.production)
    user_id = _create(session, admin, username="wang")
    assert session.get(User, user_id).must_change_password
    assert users.get_actor(session, "wang").must_change_password
    # The operator's own account made on the command line is not temporary.
    assert not session.get(User, admin.id).must_change_password


def test_in_a_demo_database_admin_passwords_are_kept(session, admin):
    deployment.mark(session, DatabaseKind.demo)
    user_id = _create(session, admin, username="wang")
    assert not session.get(User, user_id).must_change_password


def test_changing_the_password_ends_the_other_sessions_and_the_temporary_flag(session, admin):
    deployment.mark(session, DatabaseKind.production)
    _create(session, admin, username="wang")
    wang = users.get_actor(session, "wang")
    here = sessions.open_session(session, wang).token
    elsewhere = sessions.open_session(session, wang).token
    with pytest.raises(ValidationError) as err:
        users.change_password(session, wang, current="wrong", new="Pine@2027x", keep_token=here)
    assert err.value.key == "error.user.current_password"
    with pytest.raises(ValidationError) as err:
        users.change_password(session, wang, current=PASSWORD, new=PASSWORD, keep_token=here)
    assert err.value.key == "error.user.password_same"
    cookie = sessions.redeem_ticket(session, sessions.open_session(session, wang).ticket)
    here_grant = sessions.open_session(session, wang)
    here, here_cookie = here_grant.token, sessions.redeem_ticket(session, here_grant.ticket)
    users.change_password(session, wang, current=PASSWORD, new="Pine@2027x", keep_token=here)
    changed = sessions.check_run(session, here).actor
    assert changed is not None and not changed.must_change_password
    # This browser's cookie opens the same session and stays; another browser's ends.
    assert sessions.check_run(session, here_cookie).actor == changed
    assert sessions.check_run(session, cookie).actor is None
    assert sessions.check_run(session, elsewhere).actor is None
    assert sessions.attempt_login(session, "wang", "Pine@2027x").ok
    assert not sessions.attempt_login(session, "wang", PASSWORD).ok


def test_a_reset_ends_sessions_unlocks_and_is_temporary(session, admin):
    deployment.mark(session, DatabaseKind.production)
    user_id = _create(session, admin, username="wang")
    wang = users.get_actor(session, "wang")
    token = sessions.open_session(session, wang).token
    for _ in range(sessions.MAX_FAILED_LOGINS):
        sessions.attempt_login(session, "wang", "wrong-1234")
    assert sessions.login_state(session, "wang").locked
    users.reset_password(session, admin, user_id, password="Temp@2026x")
    assert sessions.check_run(session, token).actor is None
    assert not sessions.login_state(session, "wang").locked
    outcome = sessions.attempt_login(session, "wang", "Temp@2026x")
    assert outcome.ok and outcome.actor.must_change_password


def test_disabling_ends_sessions_and_sign_in(session, admin, clerk):
    token = sessions.open_session(session, clerk).token
    users.set_active(session, admin, clerk.id, active=False)
    assert sessions.check_run(session, token).actor is None
    assert users.get_actor(session, "clerk01") is None
    assert not sessions.attempt_login(session, "clerk01", PASSWORD).ok
    with pytest.raises(ValidationError):
        users.set_active(session, admin, admin.id, active=False)
    users.set_active(session, admin, clerk.id, active=True)
    assert sessions.attempt_login(session, "clerk01", PASSWORD).ok


def test_moving_a_clerk_to_another_unit_ends_their_sessions(session, admin, clerk):
    other = _unit(session, code="b")
    token = sessions.open_session(session, clerk).token
    users.update_user(
        session,
        admin,
        clerk.id,
        display_name="乙镇干事",
        role=Role.township_staff,
        township_id=other,
    )
    assert sessions.check_run(session, token).actor is None
    assert users.get_actor(session, "clerk01").township_id == other
    with pytest.raises(ValidationError):
        users.update_user(
            session, admin, admin.id, display_name="x", role=Role.district_leader, township_id=None
        )


def test_only_the_admin_manages_accounts(session, clerk):
    for call in (
        lambda: users.reset_password(session, clerk, clerk.id, password="Good@2026x"),
        lambda: users.set_active(session, clerk, clerk.id, active=False),
        lambda: users.unlock(session, clerk, clerk.id),
        lambda: users.list_users(session, clerk),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_the_account_list_holds_no_password(session, admin, clerk):
    frame = users.list_users(session, admin)
    assert set(frame["username"]) == {"chen", "clerk01"}
    assert "password_hash" not in frame.columns


def test_the_actor_carries_role_and_township(clerk):
    assert isinstance(clerk, Actor)
    assert clerk.role == Role.township_staff and clerk.township_id is not None
