"""Accounts: creation, the credentials handed to the login form, lockout and cookie revocation."""

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlmodel import Session, select

from models import Township, User
from models.base import utcnow
from models.enums import AuditAction, Role
from services import audit
from services.errors import ValidationError
from services.permissions import Actor, require_admin
from services.validation import clean_text

# Lockout policy: an account is locked for LOCK_MINUTES after MAX_FAILED_LOGINS wrong passwords.
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")
MIN_PASSWORD_LENGTH = 8
# A hash no password matches: handed to the login form for a locked account.
_UNMATCHABLE_HASH = "$2b$12$" + "." * 53


@dataclass(frozen=True)
class LoginState:
    locked: bool
    locked_until: datetime | None
    failed_logins: int


def _rounds() -> int:
    # Tests lower the cost factor; production keeps bcrypt's default of 12.
    return int(os.environ.get("BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("error.user.password_short", field="password", n=MIN_PASSWORD_LENGTH)
    if len(password.encode("utf-8")) > 72:  # bcrypt reads at most 72 bytes
        raise ValidationError("error.user.password_long", field="password")
    classes = [any(c.isdigit() for c in password), any(c.isalpha() for c in password)]
    if not all(classes):
        raise ValidationError("error.user.password_weak", field="password")


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
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError("error.user.username_format", field="username")
    display_name = clean_text(
        display_name,
        field="display_name",
        limit=60,
        required=True,
        required_key="error.user.display_name",
        too_long_key="error.user.display_name",
    )
    validate_password(password)
    role = Role(role)
    if role == Role.township_staff:
        if township_id is None or session.get(Township, township_id) is None:
            raise ValidationError("error.user.township_required", field="township_id")
    else:
        township_id = None
    if session.exec(select(User.id).where(User.username == username)).first():
        raise ValidationError("error.user.duplicate", field="username", username=username)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        township_id=township_id,
    )
    session.add(user)
    session.flush()
    after = audit.snapshot(user)
    after.pop("password_hash")
    audit.record(
        session, actor, action=AuditAction.create, entity="user", entity_id=user.id, after=after
    )
    session.commit()
    return user.id


def get_actor(session: Session, username: str) -> Actor | None:
    """The active account of that name as a plain Actor, or None."""
    user = session.exec(select(User).where(User.username == username, User.active)).first()
    if user is None:
        return None
    return Actor(
        id=user.id,
        username=user.username,
        role=user.role,
        township_id=user.township_id,
        display_name=user.display_name,
    )


def credentials(session: Session, *, now: datetime | None = None) -> dict:
    """The credentials dict streamlit-authenticator expects, built from the active accounts.

    A locked account keeps its entry (so a wrong or right password both count as a failed try)
    but with a hash no password matches.
    """
    now = now or utcnow()
    users = session.exec(select(User).where(User.active)).all()
    return {
        "usernames": {
            u.username: {
                "name": u.display_name,
                "password": _UNMATCHABLE_HASH
                if u.locked_until and u.locked_until > now
                else u.password_hash,
                "roles": [u.role.value],
                "email": f"{u.username}@localhost",
            }
            for u in users
        }
    }


def login_state(session: Session, username: str, *, now: datetime | None = None) -> LoginState:
    now = now or utcnow()
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        return LoginState(locked=False, locked_until=None, failed_logins=0)
    locked = bool(user.locked_until and user.locked_until > now)
    return LoginState(
        locked=locked, locked_until=user.locked_until, failed_logins=user.failed_logins
    )


def record_failed_login(
    session: Session, username: str, *, now: datetime | None = None
) -> LoginState:
    """Count a wrong password; the MAX_FAILED_LOGINS-th locks the account for LOCK_MINUTES."""
    now = now or utcnow()
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        return LoginState(locked=False, locked_until=None, failed_logins=0)
    if user.locked_until and user.locked_until > now:
        session.rollback()
        return login_state(session, username, now=now)
    if user.locked_until and user.locked_until <= now:
        user.failed_logins = 0  # a lock that ran out starts a fresh count
        user.locked_until = None
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
    session.add(user)
    actor = Actor(id=user.id, username=user.username, role=user.role, township_id=user.township_id)
    audit.record(
        session,
        actor,
        action=AuditAction.login_failed,
        entity="user",
        entity_id=user.id,
        after={"failed_logins": user.failed_logins, "locked_until": user.locked_until},
    )
    session.commit()
    return login_state(session, username, now=now)


def record_login(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.id)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    audit.record(session, actor, action=AuditAction.login, entity="user", entity_id=actor.id)
    session.commit()


def record_logout(session: Session, actor: Actor, *, now: datetime | None = None) -> None:
    """Log out everywhere: cookies issued before now are refused from here on."""
    user = session.get(User, actor.id)
    user.sessions_valid_after = now or utcnow()
    session.add(user)
    audit.record(session, actor, action=AuditAction.logout, entity="user", entity_id=actor.id)
    session.commit()


def cookie_is_current(session: Session, username: str, issued_at: datetime) -> bool:
    """False when the account logged out (or was disabled) after this cookie was issued."""
    user = session.exec(select(User).where(User.username == username, User.active)).first()
    if user is None:
        return False
    return user.sessions_valid_after is None or issued_at > user.sessions_valid_after
