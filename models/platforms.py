"""Deputy homes, stations and points (家站点) and their yearly eight-haves check."""

from datetime import date

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.base import Recorded
from models.enums import PlatformKind


class Platform(Recorded, table=True):
    """A platform of a unit. Retiring it sets ``active`` False and ``closed_on``; its checks
    and deputies stay for the years it was open."""

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    kind: PlatformKind
    name: str = Field(max_length=100)
    address: str = Field(default="", max_length=200)
    opened_on: date | None = None
    opening_hours: str = Field(default="", max_length=100)
    closed_on: date | None = None
    active: bool = True


class PlatformDeputy(SQLModel, table=True):
    """A deputy of the unit's roster stationed at a platform."""

    __table_args__ = (UniqueConstraint("platform_id", "deputy_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="platform.id", index=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)


class PlatformCheck(SQLModel, table=True):
    """Whether a platform meets one item (an eight-haves or 2.0 code of the rule set) in a year,
    with its evidence (a note and/or file references, services/evidence.py)."""

    __table_args__ = (UniqueConstraint("platform_id", "year", "item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="platform.id", index=True)
    year: int
    item_code: str = Field(max_length=40)
    ok: bool = False
    note: str = Field(default="", max_length=300)
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
