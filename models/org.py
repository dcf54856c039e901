"""The district's township-level units and their organisation guarantee (三个一)."""

from datetime import date

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.base import Recorded
from models.enums import UnitType


class County(SQLModel, table=True):
    """A county-level district (区、县) whose units the platform serves, when it serves several
    (a city or a province): the parent that screens group units by."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)
    sort_order: int = 0


class Township(SQLModel, table=True):
    """A town (镇), township (乡) or sub-district (街道) guided by the district."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)
    unit_type: UnitType
    population: int | None = None
    sort_order: int = 0
    active: bool = True
    # The county-level district the unit belongs to, when the platform serves several (a city
    # or a province); screens group units by it. None: the platform's one district.
    parent_id: int | None = Field(default=None, foreign_key="county.id", index=True)


class OrgGuarantee(Recorded, table=True):
    """The "three ones" (三个一) of a unit in a year. Each ``has_*`` flag is derived by the
    service from its details and evidence (services/org.py), never ticked by hand."""

    __table_args__ = (UniqueConstraint("township_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    year: int
    has_department: bool = False
    has_fulltime_staff: bool = False
    has_training_mechanism: bool = False
    note: str = Field(default="", max_length=500)
    department_name: str = Field(default="", max_length=100)
    department_evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    staff_name: str = Field(default="", max_length=40)
    staff_since: date | None = None
    staff_evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    training_title: str = Field(default="", max_length=200)
    training_date: date | None = None
    training_evidence: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
