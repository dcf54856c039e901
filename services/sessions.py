"""Signing in: the login throttle, sign-in sessions and the check every screen makes.

- **Throttle.** Every attempt is counted in the database *before* its password is checked, in one
  atomic statement, so parallel guesses cannot slip past the count: the ``MAX_FAILED_LOGINS``-th
  wrong password locks the name for ``LOCK_MINUTES``, and while it is locked no password is
  checked at all. Unknown names are counted the same way, so "locked" never tells a stranger
  that an account exists.
- **Sessions.** A successful sign-in opens a session: a random token whose hash is stored. The
  browser gets the token in an HttpOnly, SameSite cookie through a one-time ticket (see
  ``server.py``). Every script run checks the session again (``check_run``): a revoked or
  expired session, a disabled account or a retired unit ends it at the user's next action.
"""

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, case, delete, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from models import LoginThrottle, Township, User, UserSession
from models.base import utcnow
from models.enums import AuditAction
from services import audit, dashboard, settings
from services.passwords import check_password
from services.permissions import Actor

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
TICKET_SECONDS = 120
# The last-seen time is written at most this often, so a busy screen does not write on every run.
SEEN_EVERY = timedelta(minutes=5)
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO6yY9w2W5mV1oGuD0JEBwE9gQyUG8dRa"


@dataclass(frozen=True)
class LoginState:
    locked: bool
    locked_until: datetime | None
    failed_logins: int


@dataclass(frozen=True)
class LoginOutcome:
    """What a sign-in attempt came to: the actor on success, else whether the name is locked."""

    actor: Actor | None
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.actor is not None


@dataclass(frozen=True)
class RunCheck:
    """What a script run learns from its one statement: whose session this is (None: none that
    may run), whether its cookie ticket is still unused, and the data version."""

    actor: Actor | None
    ticket_pending: bool
    data_version: int


@dataclass(frozen=True)
class Grant:
    """A new session: the token for the cookie and the one-time ticket that delivers it."""

    token: str
    ticket: str


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username or "").strip().lower()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _name_hash(username: str) -> str:
    return _digest("login:" + normalise_username(username))


def _as_aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for UTC columns.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _upsert(session: Session):
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(LoginThrottle)


def _reserve_attempt(
    session: Session, name_hash: str, now: datetime
) -> tuple[int, datetime | None]:
    """Count one attempt atomically and return (attempts in this window, locked until)."""
    table = LoginThrottle.__table__
    expired = (table.c.locked_until.is_not(None)) & (table.c.locked_until <= now)
    stmt = (
        _upsert(session)
        .values(name_hash=name_hash, failed=1, last_failed_at=now)
        .on_conflict_do_update(
            index_elements=["name_hash"],
            set_={
                # A lock that ran out starts a fresh count.
                "failed": case((expired, 1), else_=table.c.failed + 1),
                "locked_until": case((expired, None), else_=table.c.locked_until),
                "last_failed_at": now,
            },
        )
        .returning(table.c.failed, table.c.locked_until)
    )
    failed, locked_until = session.execute(stmt).one()
    session.commit()
    return failed, _as_aware(locked_until)


def _user_row(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normalise_username(username))).first()


def _may_sign_in(session: Session, user: User | None) -> bool:
    if user is None or not user.active:
        return False
    if user.township_id is None:
        return True
    unit = session.get(Township, user.township_id)
    return unit is not None and unit.active


def actor_of(user: User) -> Actor:
    return Actor(
        id=user.id,
        username=user.username,
        role=user.role,
        township_id=user.township_id,
        display_name=user.display_name,
        must_change_password=user.must_change_password,
    )


def attempt_login(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> LoginOutcome:
    """Check a typed name and password, counting the attempt first; see the module docstring."""
    now = now or utcnow()
    name_hash = _name_hash(username)
    failed, locked_until = _reserve_attempt(session, name_hash, now)
    user = _user_row(session, username)
    if (locked_until and locked_until > now) or failed > MAX_FAILED_LOGINS:
        _audit_failure(session, user, failed, locked_until)
        return LoginOutcome(actor=None, locked=True)
    allowed = _may_sign_in(session, user)
    ok = check_password(password, user.password_hash if allowed else _DUMMY_HASH) and allowed
    if ok:
        session.execute(delete(LoginThrottle).where(LoginThrottle.name_hash == name_hash))
        actor = actor_of(user)
        audit.record(session, actor, action=AuditAction.login, entity="user", entity_id=user.id)
        session.commit()
        return LoginOutcome(actor=actor)
    if failed >= MAX_FAILED_LOGINS:
        locked_until = now + timedelta(minutes=LOCK_MINUTES)
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.name_hash == name_hash)
            .values(locked_until=locked_until)
        )
    _audit_failure(session, user, failed, locked_until)
    return LoginOutcome(actor=None, locked=failed >= MAX_FAILED_LOGINS)


def _audit_failure(
    session: Session, user: User | None, failed: int, locked_until: datetime | None
) -> None:
    """Audit a failure against a known account; a typed unknown name is never stored."""
    if user is not None:
        audit.record(
            session,
            actor_of(user),
            action=AuditAction.login_failed,
            entity="user",
            entity_id=user.id,
            after={"failed_logins": failed, "locked_until": locked_until},
        )
    session.commit()


def login_state(session: Session, username: str, *, now: datetime | None = None) -> LoginState:
    now = now or utcnow()
    row = session.get(LoginThrottle, _name_hash(username))
    if row is None:
        return LoginState(locked=False, locked_until=None, failed_logins=0)
    until = _as_aware(row.locked_until)
    if until and until <= now:
        return LoginState(locked=False, locked_until=None, failed_logins=0)
    return LoginState(locked=bool(until), locked_until=until, failed_logins=row.failed)


def clear_lock(session: Session, username: str) -> None:
    """Forget the failed attempts of a name (the caller audits and commits)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.name_hash == _name_hash(username)))


# ---------------------------------------------------------------------------------------------
# Sessions


def open_session(session: Session, actor: Actor, *, now: datetime | None = None) -> Grant:
    """Open a session for a signed-in user; the ticket is good once, for a couple of minutes."""
    now = now or utcnow()
    token, ticket = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(
        UserSession(
            token_hash=_digest(token),
            user_id=actor.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=settings.cookie_expiry_days()),
            ticket_hash=_digest(ticket),
            ticket_expires_at=now + timedelta(seconds=TICKET_SECONDS),
        )
    )
    session.commit()
    return Grant(token=token, ticket=ticket)


def redeem_ticket(session: Session, ticket: str, *, now: datetime | None = None) -> str | None:
    """Exchange a one-time ticket for the session's cookie token, or None for a used or stale
    ticket. The cookie's token is not the one the signing-in tab holds (that one never leaves
    the server), but it opens the same session: it ends with it."""
    now = now or utcnow()
    row = session.exec(
        select(UserSession).where(UserSession.ticket_hash == _digest(ticket or ""))
    ).first()
    if row is None:
        return None
    fresh = (
        row.revoked_at is None
        and _as_aware(row.ticket_expires_at) > now
        and _as_aware(row.expires_at) > now
    )
    row.ticket_hash = None
    row.ticket_expires_at = None
    if not fresh:
        session.add(row)
        session.commit()
        return None
    cookie_token = secrets.token_urlsafe(32)
    row.cookie_hash = _digest(cookie_token)
    session.add(row)
    session.commit()
    return cookie_token


def _by_token(token: str):
    """The session a token opens: the tab's token or the browser's cookie token."""
    digest = _digest(token or "")
    return or_(UserSession.token_hash == digest, UserSession.cookie_hash == digest)


_sessions, _users, _units = UserSession.__table__, User.__table__, Township.__table__
# The session a token opens, its user and the user's unit, and the data version, in one
# statement of SQLAlchemy Core: the check runs on every step of every screen, where the ORM's
# session and two statements cost a fifth of what Streamlit takes to draw a small screen.
_RUN_CHECK = (
    core_select(
        _sessions.c.id,
        _sessions.c.token_hash,
        _sessions.c.ticket_hash,
        _sessions.c.expires_at,
        _sessions.c.last_seen_at,
        _sessions.c.revoked_at,
        _users.c.id.label("user_id"),
        _users.c.username,
        _users.c.role,
        _users.c.township_id,
        _users.c.display_name,
        _users.c.must_change_password,
        _users.c.active,
        _units.c.active.label("unit_active"),
        dashboard.DATA_VERSION.scalar_subquery().label("data_version"),
    )
    .select_from(_sessions)
    .join(_users, _users.c.id == _sessions.c.user_id)
    .outerjoin(_units, _units.c.id == _users.c.township_id)
    .where(
        or_(
            _sessions.c.token_hash == bindparam("digest"),
            _sessions.c.cookie_hash == bindparam("digest"),
        )
    )
)


def check_run(
    db: Connection | Session, token: str | None, *, now: datetime | None = None
) -> RunCheck:
    """The check at the start of every script run: the actor of a live session, or None for an
    unknown, revoked or expired session, a disabled account or a clerk whose unit was retired;
    and the data version the run's cached reads are keyed on. Writes only the last-seen time,
    at most every ``SEEN_EVERY``."""
    if not token:
        return RunCheck(None, False, dashboard.data_version(db))
    now = now or utcnow()
    digest = _digest(token)
    row = db.execute(_RUN_CHECK, {"digest": digest}).first()
    if row is None:
        return RunCheck(None, False, dashboard.data_version(db))
    live = (
        row.revoked_at is None
        and _as_aware(row.expires_at) > now
        and row.active
        and (row.township_id is None or bool(row.unit_active))
    )
    if not live:
        return RunCheck(None, False, row.data_version)
    if now - _as_aware(row.last_seen_at) > SEEN_EVERY:
        db.execute(update(_sessions).where(_sessions.c.id == row.id).values(last_seen_at=now))
        db.commit()
    actor = Actor(
        id=row.user_id,
        username=row.username,
        role=row.role,
        township_id=row.township_id,
        display_name=row.display_name,
        must_change_password=row.must_change_password,
    )
    pending = row.ticket_hash is not None and row.token_hash == digest
    return RunCheck(actor, pending, row.data_version)


def end_session(session: Session, token: str | None, *, now: datetime | None = None) -> None:
    """Revoke one session (the cookie of this browser)."""
    if not token:
        return
    session.execute(
        update(UserSession)
        .where(_by_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    session.commit()


def end_user_sessions(
    session: Session, user_id: int, *, keep: str | None = None, now: datetime | None = None
) -> int:
    """Revoke every open session of a user, but ``keep`` (a token); the caller commits."""
    stmt = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep:
        digest = _digest(keep)
        stmt = stmt.where(
            UserSession.token_hash != digest,
            or_(UserSession.cookie_hash.is_(None), UserSession.cookie_hash != digest),
        )
    return session.execute(stmt.values(revoked_at=now or utcnow())).rowcount


def sign_out(session: Session, actor: Actor, *, now: datetime | None = None) -> None:
    """Log out everywhere: every session of this user ends."""
    end_user_sessions(session, actor.id, now=now)
    audit.record(session, actor, action=AuditAction.logout, entity="user", entity_id=actor.id)
    session.commit()
