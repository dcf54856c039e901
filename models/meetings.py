"""Congress sessions and presidium meetings, with their research, deliberation and follow-up."""

from datetime import date

from sqlalchemy import Index, Text
from sqlmodel import Column, Field

from models.base import Recorded
from models.enums import MeetingKind


class Meeting(Recorded, table=True):
    __table_args__ = (Index("ix_meeting_township_kind_held", "township_id", "kind", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    kind: MeetingKind
    held_on: date = Field(index=True)
    title: str = Field(max_length=200)
    attendance: int = 0
    research: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    deliberation: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    follow_up: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class SupervisionTopic(Recorded, table=True):
    """A supervision topic (监督议题) put on a presidium meeting's agenda."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    title: str = Field(max_length=200)
