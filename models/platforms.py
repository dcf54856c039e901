"""Deputy homes, stations and points (家站点) and their yearly eight-haves check."""

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Recorded
from models.enums import PlatformKind


class Platform(Recorded, table=True):
    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    kind: PlatformKind
    name: str = Field(max_length=100)
    address: str = Field(default="", max_length=200)
    opened_on: date | None = None
    active: bool = True


class PlatformCheck(SQLModel, table=True):
    """Whether a platform meets one item (an eight-haves or 2.0 code of the rule set) in a year."""

    __table_args__ = (UniqueConstraint("platform_id", "year", "item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="platform.id", index=True)
    year: int
    item_code: str = Field(max_length=40)
    ok: bool = False
    note: str = Field(default="", max_length=300)
