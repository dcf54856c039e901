"""A versioned rule set per year; its content is validated by services.rules before storing."""

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class RuleSet(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    version: int = 1
    content: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class TaskMark(SQLModel, table=True):
    """A hand mark with evidence that settles a checklist task the records cannot show."""

    __table_args__ = (UniqueConstraint("township_id", "year", "task_code"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    year: int
    task_code: str = Field(max_length=10)
    done: bool = True
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    marked_at: datetime = Field(default_factory=utcnow)
    marked_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class YearClose(SQLModel, table=True):
    """A year closed by the admin once its appraisal is final.

    While ``reopened_at`` is set the admin is correcting it (with ``reopen_reason``); clerks
    never write to a closed year.
    """

    __tablename__ = "year_close"

    year: int = Field(primary_key=True)
    closed_at: datetime = Field(default_factory=utcnow)
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reason: str = Field(default="", max_length=500)
    reopened_at: datetime | None = None
    reopen_reason: str = Field(default="", max_length=500)
    # Writes the admin made while it was reopened: shown on every screen of the year.
    corrections: int = 0
