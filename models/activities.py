"""Integrated activities of deputies of the five levels (一体化活动) and commendations."""

from datetime import date

from sqlalchemy import Index, Text
from sqlmodel import Column, Field

from models.base import Recorded


class IntegratedActivity(Recorded, table=True):
    __table_args__ = (Index("ix_intact_township_held", "township_id", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    held_on: date
    theme: str = Field(max_length=200)
    title: str = Field(max_length=200)
    # Comma-separated DeputyLevel codes of the deputies who took part.
    levels: str = Field(default="", max_length=100)
    participants: int = 0


class Commendation(Recorded, table=True):
    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    deputy_id: int | None = Field(default=None, foreign_key="deputy.id")
    year: int = Field(index=True)
    title: str = Field(max_length=200)
    story: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    shown_online: bool = False
    shown_offline: bool = False
    awarded_on: date | None = None
