"""Reporting periods: a quarter, a half-year or a year, written ``2026Q3``, ``2026H2``, ``2026``."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from services.errors import ValidationError

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:(?P<kind>[QqHh])(?P<n>\d))?$")


@dataclass(frozen=True)
class Period:
    """A span of one calendar year. ``kind`` is "quarter", "half" or "year"; ``n`` its number."""

    year: int
    kind: str
    n: int = 1

    @property
    def start(self) -> date:
        months = {"quarter": 3, "half": 6, "year": 12}[self.kind]
        return date(self.year, (self.n - 1) * months + 1, 1)

    @property
    def end(self) -> date:
        months = {"quarter": 3, "half": 6, "year": 12}[self.kind]
        last = self.n * months
        if last == 12:
            return date(self.year, 12, 31)
        return date(self.year, last + 1, 1) - timedelta(days=1)

    @property
    def code(self) -> str:
        return {"quarter": f"{self.year}Q{self.n}", "half": f"{self.year}H{self.n}"}.get(
            self.kind, str(self.year)
        )

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def end_by(self, as_of: date) -> date:
        """The last day the period's figures may count: its end, or ``as_of`` when earlier."""
        return min(self.end, as_of)


def parse_period(text: str) -> Period:
    """``2026H2`` → the second half of 2026; ``2026Q1``, ``2026``. ValidationError otherwise."""
    match = _PATTERN.match((text or "").strip())
    if not match:
        raise ValidationError("documents.error.period", field="period", text=text)
    year = int(match["year"])
    if match["kind"] is None:
        return Period(year, "year")
    kind = "quarter" if match["kind"].upper() == "Q" else "half"
    n = int(match["n"])
    if not 1 <= n <= (4 if kind == "quarter" else 2):
        raise ValidationError("documents.error.period", field="period", text=text)
    return Period(year, kind, n)


def default_period(today: date) -> Period:
    """The half-year a clerk reports on by default: the current one."""
    return Period(today.year, "half", 1 if today.month <= 6 else 2)


def periods_of(year: int) -> list[Period]:
    """Every period a user may pick in ``year``: the halves first, then quarters, then the year."""
    return [
        *(Period(year, "half", n) for n in (1, 2)),
        *(Period(year, "quarter", n) for n in (1, 2, 3, 4)),
        Period(year, "year"),
    ]
