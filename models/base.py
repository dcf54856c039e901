"""Columns that every recorded fact carries: when it was entered and by whom.

The date of the fact itself (``held_on``, ``occurred_on`` …) is a separate column on each table,
so a late entry still counts for the period it belongs to and can be flagged as late.
"""

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Recorded(SQLModel):
    entered_at: datetime = Field(default_factory=utcnow, nullable=False)
    entered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime | None = Field(default=None)
