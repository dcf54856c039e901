"""Accounts and the audit log."""

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
    failed_logins: int = 0
    locked_until: datetime | None = None
    # Cookies issued before this instant are refused (set on logout and password change).
    sessions_valid_after: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


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
