"""Supervision activities and closed-loop supervision items with their stage history."""

from datetime import date

from sqlalchemy import Index, Text
from sqlmodel import Column, Field

from models.base import Recorded
from models.enums import Rating, SupervisionKind, SupervisionStage


class SupervisionActivity(Recorded, table=True):
    __table_args__ = (Index("ix_supact_township_held", "township_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    kind: SupervisionKind
    held_on: date
    subject: str = Field(max_length=200)
    participants: int = 0
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class SupervisionItem(Recorded, table=True):
    """One matter followed through the five stages until the people's feedback closes it."""

    __table_args__ = (Index("ix_supitem_township_stage", "township_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    title: str = Field(max_length=200)
    opened_on: date
    stage: SupervisionStage = SupervisionStage.investigation
    stage_entered_on: date
    responsible_unit: str = Field(default="", max_length=100)
    topic_id: int | None = Field(default=None, foreign_key="supervisiontopic.id")
    activity_id: int | None = Field(default=None, foreign_key="supervisionactivity.id")
    contact_day_id: int | None = Field(default=None, foreign_key="contactday.id")
    # The voter's opinion the item follows; one opinion is followed by one item at most.
    opinion_id: int | None = Field(default=None, foreign_key="opinion.id", unique=True)
    closed_on: date | None = None
    rating: Rating | None = None


class SupervisionStageEvent(Recorded, table=True):
    """One move of an item between stages; the history replays to the item's stage."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="supervisionitem.id", index=True)
    from_stage: SupervisionStage | None = None
    to_stage: SupervisionStage
    happened_on: date
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    responsible_unit: str = Field(default="", max_length=100)
    is_return: bool = False
    rating: Rating | None = None
    raters: int | None = None
