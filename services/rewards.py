"""Rewards (奖补): what each unit earns for a year. The appraisal (``services.scoring``) decides
who is eligible for which reward; the year's rule set says how much each reward pays.

It sits above the appraisal, which itself reads the fund violations: nothing below imports it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlmodel import Session

from services import clock, scoring
from services.org import list_townships
from services.permissions import Actor
from services.reads import Reads
from services.rules import RuleSet, get_rules


@dataclass(frozen=True)
class RewardRow:
    township_id: int
    name_zh: str
    name_en: str
    grade: str | None
    excellent: bool
    excellent_yuan: Decimal
    platform_ok: int
    platform_items: int
    platform_outstanding: bool
    platform_yuan: Decimal
    activities: int
    max_levels: int
    distinctive: bool
    activities_yuan: Decimal

    @property
    def platform_share(self) -> Fraction | None:
        return Fraction(self.platform_ok, self.platform_items) if self.platform_items else None

    @property
    def total_yuan(self) -> Decimal:
        return self.excellent_yuan + self.platform_yuan + self.activities_yuan


@dataclass(frozen=True)
class RewardReport:
    year: int
    as_of: date
    rows: tuple[RewardRow, ...]

    @property
    def total_yuan(self) -> Decimal:
        return sum((r.total_yuan for r in self.rows), Decimal("0.00"))


def rewards(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date | None = None,
    rules: RuleSet | None = None,
    reads: Reads | None = None,
) -> RewardReport:
    """The rewards each active unit the actor may read earns for ``year`` as of ``as_of`` (at
    most the year's end): an excellent grade → ``rewards.excellent_yuan``, outstanding
    platforms → ``outstanding_platform_yuan``, distinctive activities →
    ``distinctive_activities_yuan``."""
    rules = rules or get_rules(session, year)
    as_of = min(as_of or clock.today(), date(year, 12, 31))
    units = list_townships(session, actor)
    if not units:
        return RewardReport(year=year, as_of=as_of, rows=())
    r = rules.rewards
    zero = Decimal("0.00")
    grades = scoring.township_grades(session, year, as_of, reads=reads)
    eligible = scoring.reward_eligibility(
        session, year, as_of, {u.id: grades.get(u.id) for u in units}, rules
    )
    rows = []
    for u in units:
        e = eligible[u.id]
        rows.append(
            RewardRow(
                township_id=u.id,
                name_zh=u.name_zh,
                name_en=u.name_en,
                grade=e.grade,
                excellent=e.excellent,
                excellent_yuan=r.excellent_yuan if e.excellent else zero,
                platform_ok=e.platform_ok,
                platform_items=e.platform_items,
                platform_outstanding=e.platform_outstanding,
                platform_yuan=r.outstanding_platform_yuan if e.platform_outstanding else zero,
                activities=e.activities,
                max_levels=e.max_levels,
                distinctive=e.distinctive,
                activities_yuan=r.distinctive_activities_yuan if e.distinctive else zero,
            )
        )
    return RewardReport(year=year, as_of=as_of, rows=tuple(rows))
