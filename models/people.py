"""Deputies, voters, constituencies and the two kinds of links (双联)."""

from datetime import date

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Recorded
from models.enums import DeputyLevel


class Constituency(SQLModel, table=True):
    """An electoral district (选区) of a township; a deputy's original constituency."""

    __table_args__ = (UniqueConstraint("township_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    name: str = Field(max_length=60)


class Deputy(Recorded, table=True):
    __table_args__ = (Index("ix_deputy_township_level", "township_id", "level"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    name: str = Field(max_length=40)
    # The level at which the unit counts the deputy (T07, T08, coverage): the lowest they hold.
    level: DeputyLevel
    # Further levels of the same person ("乡级、区级"), comma-separated codes read by
    # ``levels_in``; one person is one record whatever the number of congresses they sit in.
    other_levels: str = Field(default="", max_length=60)
    constituency_id: int | None = Field(default=None, foreign_key="constituency.id", index=True)
    is_presidium_member: bool = False
    gender: str = Field(default="", max_length=1)
    phone: str = Field(default="", max_length=20)
    has_fixed_income: bool = True
    term_start: date | None = None
    active: bool = True


class Voter(Recorded, table=True):
    __table_args__ = (Index("ix_voter_township_constituency", "township_id", "constituency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    constituency_id: int = Field(foreign_key="constituency.id")
    name: str = Field(max_length=40)
    village: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=20)
    active: bool = True


class PresidiumLink(Recorded, table=True):
    """A presidium member keeps regular contact with a township deputy."""

    __table_args__ = (UniqueConstraint("member_id", "deputy_id"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    member_id: int = Field(foreign_key="deputy.id", index=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)
    since: date | None = None


class VoterLink(Recorded, table=True):
    """A township deputy keeps fixed contact with a voter of the original constituency."""

    __table_args__ = (UniqueConstraint("deputy_id", "voter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)
    voter_id: int = Field(foreign_key="voter.id", index=True)
    since: date | None = None
