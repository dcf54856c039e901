"""Accounts, their sign-in sessions, the login throttle and the audit log."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from models.base import utcnow
from models.enums import Role


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=60)
    password_hash: str = Field(max_length=100)
    role: Role
    township_id: int | None = Field(default=None, foreign_key="township.id")
    active: bool = True
    # Set when an admin creates or resets the account in production: the user picks a password
    # of their own before anything else.
    must_change_password: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """One signed-in browser. The browser holds the token in an HttpOnly cookie; the database
    keeps only its hash, so a session ends for good when this row is revoked."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)
    # A one-time ticket the browser exchanges for the cookie right after the login form; the
    # cookie carries a token of its own (never the tab's), for the same session.
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    cookie_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_expires_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per user name, known or not, keyed by a hash of the name.

    Counting unknown names too means a locked account and a name that does not exist answer
    alike, and the table never stores what someone typed into the user-name box.
    """

    __tablename__ = "login_throttle"

    name_hash: str = Field(max_length=64, primary_key=True)
    failed: int = 0
    locked_until: datetime | None = None
    last_failed_at: datetime | None = None


class AuditLog(SQLModel, table=True):
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    username: str = Field(max_length=40)
    action: str = Field(max_length=20)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    township_id: int | None = Field(default=None, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    # Why a saved record was corrected or withdrawn, as the user stated it.
    reason: str | None = Field(default=None, max_length=500)
