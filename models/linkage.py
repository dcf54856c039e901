"""Contact days (代表联系选民日), visits and the two notifications (一访双通报)."""

from datetime import date

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.base import Recorded
from models.enums import NotificationKind, VisitKind


class ContactDay(Recorded, table=True):
    """The monthly deputy–voter contact day of one unit (normally the 20th)."""

    # One contact day per unit and date.
    __table_args__ = (Index("ix_contactday_township_held", "township_id", "held_on", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    held_on: date
    voters_met: int = 0
    opinions_count: int = 0
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ContactDayParticipant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("contact_day_id", "deputy_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_day_id: int = Field(foreign_key="contactday.id", index=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)


class Opinion(Recorded, table=True):
    """A voter opinion collected on a contact day; it may become a supervision item."""

    id: int | None = Field(default=None, primary_key=True)
    contact_day_id: int = Field(foreign_key="contactday.id", index=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    text: str = Field(max_length=500)
    answer: str = Field(default="", max_length=500)


class Visit(Recorded, table=True):
    __table_args__ = (Index("ix_visit_township_held", "township_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    kind: VisitKind
    held_on: date
    people_visited: int = 0
    note: str = Field(default="", max_length=500)


class Notification(Recorded, table=True):
    __table_args__ = (Index("ix_notification_township_issued", "township_id", "issued_on"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    kind: NotificationKind
    issued_on: date
    title: str = Field(max_length=200)
