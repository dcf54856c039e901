"""The district's township-level units and their organisation guarantee (三个一)."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Recorded
from models.enums import UnitType


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


class OrgGuarantee(Recorded, table=True):
    """The "three ones" (三个一) of a unit in a year."""

    __table_args__ = (UniqueConstraint("township_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    year: int
    has_department: bool = False
    has_fulltime_staff: bool = False
    has_training_mechanism: bool = False
    note: str = Field(default="", max_length=500)
