"""Integrated activities of deputies of the five levels (一体化活动) and commendations."""

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.base import Recorded


class IntegratedActivity(Recorded, table=True):
    __table_args__ = (Index("ix_intact_township_held", "township_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    held_on: date
    theme: str = Field(max_length=200)
    title: str = Field(max_length=200)
    # Comma-separated DeputyLevel codes of the deputies who took part, derived by the service
    # from the roster deputies and the counts of deputies from outside the roster.
    levels: str = Field(default="", max_length=100)
    participants: int = 0
    outside_city: int = 0
    outside_provincial: int = 0
    outside_national: int = 0
    voters_reached: int = 0
    results: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    photos: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ActivityDeputy(SQLModel, table=True):
    """A deputy of the unit's roster who took part in an integrated activity."""

    __table_args__ = (UniqueConstraint("activity_id", "deputy_id"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="integratedactivity.id", index=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)


class Commendation(Recorded, table=True):
    """A deputy proposed for commendation by a unit; the district approves or returns it.
    Only an approved commendation counts and is shown."""

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    deputy_id: int | None = Field(default=None, foreign_key="deputy.id")
    year: int = Field(index=True)
    title: str = Field(max_length=200)
    story: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    shown_online: bool = False
    shown_offline: bool = False
    awarded_on: date | None = None
    # proposed → approved, or returned (with a reason) and proposed again after a change.
    status: str = Field(default="proposed", max_length=20)
    return_reason: str = Field(default="", max_length=300)
    photo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reviewed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = None
