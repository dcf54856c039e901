"""What every task reads with: the units judged, the year, the as-of date and the rule set, and
each query's answer kept once for all the units."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import case
from sqlmodel import Session, func

from models.enums import UnitType
from services.rules import RuleSet

T = TypeVar("T")
# The columns of one record behind a cell of the task matrix.
RECORD_COLUMNS = ["date", "kind", "title", "value", "counts", "detail", "text"]


@dataclass(frozen=True)
class Unit:
    """A unit as the tasks see it."""

    id: int
    code: str
    name_zh: str
    name_en: str
    unit_type: UnitType


class TaskReader:
    """The records of the units ``ids`` from 1 Jan of ``year`` to ``as_of``.

    A task asks ``once(query)`` for a query's answer over all the units and picks its unit's
    part, so the number of queries does not grow with the number of units.
    """

    def __init__(self, session: Session, rules: RuleSet, year: int, as_of: date, ids: list[int]):
        self.session = session
        self.rules = rules
        self.year = year
        self.as_of = as_of
        self.start = date(year, 1, 1)
        self.ids = ids
        self._answers: dict[Callable, object] = {}

    def once(self, query: Callable[["TaskReader"], T]) -> T:
        """``query(self)``, run the first time it is asked for."""
        if query not in self._answers:
            self._answers[query] = query(self)
        return self._answers[query]  # type: ignore[return-value]


def tally(condition):
    """SQL: how many rows of a group meet ``condition``."""
    return func.sum(case((condition, 1), else_=0))


def record(
    on: date | None,
    kind: str,
    title: str,
    *,
    counts: bool,
    value: int | None = None,
    detail: str = "",
    text: str = "",
) -> dict:
    """One record behind a cell: ``counts`` says whether the task counted it."""
    return {
        "date": on,
        "kind": kind,
        "title": title,
        "value": value,
        "counts": bool(counts),
        "detail": detail,
        "text": text,
    }
