"""Accounts: creation, password changes and resets, disabling, and the list the admin keeps.

In a production database an account that an admin creates or resets carries a temporary
password: its user must choose a password of their own at the first sign-in
(``must_change_password``). Changing a password, a reset and disabling an account end the
account's other open sessions.
"""

import re

import pandas as pd
from sqlmodel import Session, select

from models import Township, User
from models.enums import AuditAction, Role
from services import audit, deployment, sessions
from services.errors import NotFound, ValidationError
from services.passwords import check_password, hash_password, validate_password
from services.permissions import Actor, require_admin
from services.validation import clean_text

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")
MAX_DISPLAY_NAME = 60
USER_COLUMNS = [
    "id",
    "username",
    "display_name",
    "role",
    "township_id",
    "active",
    "must_change_password",
    "locked",
]


def _snapshot(user: User) -> dict:
    data = audit.snapshot(user) or {}
    data.pop("password_hash", None)
    return data


def _save_update(
    session: Session, actor: Actor, user: User, *, after: dict, before: dict | None = None
) -> None:
    """Store a change to an account with its audit row, in one commit."""
    session.add(user)
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
    )
    session.commit()


def _temporary(session: Session, actor: Actor) -> bool:
    """A password an admin sets through the app is temporary in a production database."""
    return actor.id is not None and not deployment.is_demo(session)


def _clean_display_name(value) -> str:
    return clean_text(
        value,
        field="display_name",
        limit=MAX_DISPLAY_NAME,
        required=True,
        required_key="error.user.display_name",
        too_long_key="error.user.display_name",
    )


def _check_unit(session: Session, role: Role, township_id: int | None) -> int | None:
    if role != Role.township_staff:
        return None
    unit = session.get(Township, township_id) if township_id is not None else None
    if unit is None or not unit.active:
        raise ValidationError("error.user.township_required", field="township_id")
    return unit.id


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    township_id: int | None = None,
) -> int:
    require_admin(actor)
    username = sessions.normalise_username(username)
    if not USERNAME_RE.match(username):
        raise ValidationError("error.user.username_format", field="username")
    display_name = _clean_display_name(display_name)
    validate_password(password, username=username)
    role = Role(role)
    township_id = _check_unit(session, role, township_id)
    if session.exec(select(User.id).where(User.username == username)).first():
        raise ValidationError("error.user.duplicate", field="username", username=username)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        township_id=township_id,
        must_change_password=_temporary(session, actor),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="user",
        entity_id=user.id,
        after=_snapshot(user),
    )
    session.commit()
    return audit.key_of(user)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.not_found.user")
    return user


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    display_name: str,
    role: Role,
    township_id: int | None,
) -> None:
    """Rename an account or change its role and unit (the admin's own role stays)."""
    require_admin(actor)
    user = _user(session, user_id)
    before = _snapshot(user)
    role = Role(role)
    if user.id == actor.id and role != user.role:
        raise ValidationError("error.user.own_role", field="role")
    user.display_name = _clean_display_name(display_name)
    township_id = _check_unit(session, role, township_id)
    moved = (role, township_id) != (user.role, user.township_id)
    user.role = role
    user.township_id = township_id
    if moved:  # what the account may see changed: its open screens sign in again
        sessions.end_user_sessions(session, user.id)
    _save_update(session, actor, user, before=before, after=_snapshot(user))


def reset_password(session: Session, actor: Actor, user_id: int, *, password: str) -> None:
    """The admin sets a new password (temporary in production); the account's sessions end and
    its failed attempts are forgotten."""
    require_admin(actor)
    user = _user(session, user_id)
    validate_password(password, username=user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = _temporary(session, actor)
    sessions.end_user_sessions(session, user.id)
    sessions.clear_lock(session, user.username)
    _save_update(
        session,
        actor,
        user,
        after={"password": "reset", "must_change_password": user.must_change_password},
    )


def change_password(
    session: Session,
    actor: Actor,
    *,
    current: str,
    new: str,
    keep_token: str | None = None,
) -> None:
    """A user changes their own password; every other session of theirs ends."""
    user = _user(session, actor.id)
    if not check_password(current, user.password_hash):
        raise ValidationError("error.user.current_password", field="current")
    validate_password(new, username=user.username)
    if check_password(new, user.password_hash):
        raise ValidationError("error.user.password_same", field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sessions.end_user_sessions(session, user.id, keep=keep_token)
    _save_update(session, actor, user, after={"password": "changed"})


def set_active(session: Session, actor: Actor, user_id: int, *, active: bool) -> None:
    """Disable or enable an account; a disabled account's open screens end at their next step."""
    require_admin(actor)
    user = _user(session, user_id)
    if user.id == actor.id and not active:
        raise ValidationError("error.user.disable_self", field="active")
    before = _snapshot(user)
    user.active = bool(active)
    if not user.active:
        sessions.end_user_sessions(session, user.id)
    _save_update(session, actor, user, before=before, after=_snapshot(user))


def unlock(session: Session, actor: Actor, user_id: int) -> None:
    """Forget the failed sign-ins that locked an account."""
    require_admin(actor)
    user = _user(session, user_id)
    sessions.clear_lock(session, user.username)
    _save_update(session, actor, user, after={"unlocked": True})


def get_actor(session: Session, username: str) -> Actor | None:
    """The active account of that name as a plain Actor, or None."""
    user = session.exec(
        select(User).where(User.username == sessions.normalise_username(username), User.active)
    ).first()
    return sessions.actor_of(user) if user is not None else None


def list_users(session: Session, actor: Actor) -> pd.DataFrame:
    """Every account, for the admin's account screen (no password hashes)."""
    require_admin(actor)
    rows = session.exec(select(User).order_by(User.role, User.username)).all()
    return pd.DataFrame(
        [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role.value,
                "township_id": u.township_id,
                "active": u.active,
                "must_change_password": u.must_change_password,
                "locked": sessions.login_state(session, u.username).locked,
            }
            for u in rows
        ],
        columns=USER_COLUMNS,
    )
