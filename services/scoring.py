"""The appraisal (绩效考评): each unit's score out of 100, its grade, rank and the facts behind
every point, from the year's rule set (``appraisal`` weights and grades).

Dimensions and how their points are earned (each dimension's maximum is its rule-set weight):

- ``checklist`` — tasks T01–T10 that apply to the unit. A task earns its weight × credit, where
  credit is 1 for a task done or settled by a hand mark, else the share of the annual target
  reached (count tasks: count / target, e.g. 3 of 4 presidium meetings → 0.75; share tasks:
  share / target, capped at 1; a share with nothing due yet measures no recorded work and
  earns 0). When some tasks do not apply (sub-districts) the applicable weights are scaled up
  to the dimension's maximum.
- ``supervision`` — half for closing the loop in time (T06's credit), half for the people's
  satisfaction (satisfied or basically satisfied among rated feedback). Without rated feedback
  the closure half is scaled to the whole; a unit with no supervision item earns 0.
- ``platforms`` — the share of the year's check items (八有 and 2.0) ticked with evidence across
  the unit's platforms open on the as-of date, every such platform owing every item
  (services/platforms.py); no platform earns 0.
- ``organisation`` — the "three ones" of the year: one third each.
- ``funds`` — half for compliance (full with no standing error-level violation; each such
  violation takes a quarter of the half, down to 0; a unit with no budget and no expense earns
  0), half for the execution rate (spending charged to the year ÷ the budget due by the as-of
  date pro rata, capped at 1); no budget earns 0 for execution.
- ``integrated`` — half for integrated activities of several levels against T10's target, half
  for at least one approved commendation in the year.

Bonus and deduction lines of ``appraisal.adjustments`` are added last; the total is kept within
0–100. Ranking: by total, ties broken by checklist points, then supervision points, then the
district's order of units — so a rank is never shared.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from statistics import median

import pandas as pd
from sqlalchemy import distinct
from sqlmodel import Session, func, select

from models import (
    Budget,
    Commendation,
    Expense,
    IntegratedActivity,
    OrgGuarantee,
)
from models.enums import levels_in
from services import platforms, supervision_metrics, unit_figures
from services.checklist import UnitChecklist, checklist_status
from services.commendations import APPROVED
from services.money import to_yuan
from services.org import NamedUnit
from services.permissions import SYSTEM
from services.reads import Reads, fund_violations, shared
from services.rules import RuleSet, get_rules
from services.task_status import clamp_as_of
from services.unit_figures import Kept

DIMENSIONS = ("checklist", "supervision", "platforms", "organisation", "funds", "integrated")


@dataclass(frozen=True)
class Fact:
    """One line of the breakdown: a dimension's part, what the records show, points earned.

    ``key`` and ``params`` let the screen say it in the user's language, e.g.
    ``score.fact.T02`` with n=3, target=4 → "T02: 3 of 4 presidium meetings".
    """

    dimension: str
    key: str
    params: dict
    points: float
    max_points: float


@dataclass(frozen=True)
class UnitScore(NamedUnit):
    township_id: int
    code: str
    name_zh: str
    name_en: str
    unit_type: str
    dimensions: dict[str, float]
    max_points: dict[str, float]
    adjustments: float
    total: float
    grade: str
    rank: int = 0
    facts: tuple[Fact, ...] = field(default_factory=tuple)
    rewards: "RewardEligibility | None" = None


@dataclass(frozen=True)
class ScoreBoard:
    year: int
    as_of: date
    units: tuple[UnitScore, ...]

    @property
    def median_total(self) -> float | None:
        return median(u.total for u in self.units) if self.units else None

    def median_of(self, dimension: str) -> float | None:
        values = [u.dimensions[dimension] for u in self.units]
        return median(values) if values else None

    def unit(self, township_id: int) -> UnitScore | None:
        return next((u for u in self.units if u.township_id == township_id), None)

    def frame(self) -> pd.DataFrame:
        rows = [
            {
                "township_id": u.township_id,
                "rank": u.rank,
                "name_zh": u.name_zh,
                "name_en": u.name_en,
                "unit_type": u.unit_type,
                **{d: u.dimensions[d] for d in DIMENSIONS},
                "adjustments": u.adjustments,
                "total": u.total,
                "grade": u.grade,
            }
            for u in self.units
        ]
        columns = [
            "township_id",
            "rank",
            "name_zh",
            "name_en",
            "unit_type",
            *DIMENSIONS,
            "adjustments",
            "total",
            "grade",
        ]
        return pd.DataFrame(rows, columns=columns)


def _r(x: float) -> float:
    return round(x + 1e-9, 2)


def grade_of(total: float, rules: RuleSet) -> str:
    return next(g.code for g in rules.appraisal.grades if total >= g.min - 1e-9)


def _task_credit(task, *, nothing_due: float = 1.0) -> float:
    """A task's credit 0–1; ``nothing_due`` is the credit of a share with nothing due yet."""
    if task.hand_mark:
        return 1.0
    if task.value is None:
        return nothing_due if task.measure == "share" else 0.0
    if task.status == "done":
        return 1.0
    if task.target <= 0:
        return 1.0
    return max(0.0, min(1.0, task.value / task.target))


def _checklist_facts(unit: UnitChecklist, weight: float) -> tuple[float, list[Fact]]:
    applicable = [t for t in unit.tasks if t.status != "not_applicable"]
    total_w = sum(t.weight for t in applicable)
    if not applicable or total_w <= 0:
        return 0.0, [Fact("checklist", "score.fact.no_tasks", {}, 0.0, weight)]
    scale = weight / total_w
    facts, points = [], 0.0
    params: dict[str, object]
    for t in applicable:
        # A share with nothing due measures no recorded work, so it earns nothing here.
        p = _task_credit(t, nothing_due=0.0) * t.weight * scale
        points += p
        if t.hand_mark:
            key, params = "score.fact.hand_mark", {"task": t.code}
        elif t.measure == "count":
            key = "score.fact.count"
            params = {"task": t.code, "n": int(t.value or 0), "target": int(t.target)}
        elif t.value is None:
            key, params = "score.fact.nothing_due", {"task": t.code}
        else:
            key = "score.fact.share"
            params = {"task": t.code, "share": t.value, "target": t.target}
        facts.append(Fact("checklist", key, params, _r(p), _r(t.weight * scale)))
    return points, facts


@dataclass(frozen=True)
class UnitInputs(Kept):
    """What the appraisal reads of one unit besides its task list and its fund violations
    (kept between reads by ``services.unit_figures``)."""

    items: int  # supervision items alive in the year
    rated: int
    satisfaction: float | None
    platform_share: tuple[int, int] | None  # (items ticked, items due); None: no open platform
    three_ones: tuple[bool, bool, bool] | None
    spent: Decimal
    due: Decimal  # budget due by the as-of day, pro rata
    commended: int
    activity_levels: tuple[int, ...]  # levels of each integrated activity


def kept_inputs(session: Session, year: int, as_of: date, ids: list[int]) -> dict[int, UnitInputs]:
    """Each unit's appraisal inputs, kept between reads (``services.unit_figures``)."""
    return unit_figures.per_unit(
        session,
        "scoring",
        year=year,
        as_of=as_of,
        ids=ids,
        compute=lambda stale: _unit_inputs(session, year, as_of, stale),
    )


def _unit_inputs(session: Session, year: int, as_of: date, ids: list[int]) -> dict[int, UnitInputs]:
    sup = supervision_metrics.township_summary(
        session, SYSTEM, year=year, as_of=as_of, township_ids=ids
    )
    sup_rows = {int(r.township_id): r for r in sup.itertuples()}
    shares = platforms.platform_shares(session, year, as_of, ids)
    three_ones = _three_ones(session, year, ids)
    execution = _execution(session, year, as_of, ids)
    commendations = _commendations(session, year, as_of, ids)
    levels = _activity_levels(session, year, as_of, ids)
    out = {}
    for tid in ids:
        row = sup_rows.get(tid)
        spent, due = execution.get(tid, (Decimal(0), Decimal(0)))
        satisfaction = None if row is None or pd.isna(row.satisfaction) else row.satisfaction
        out[tid] = UnitInputs(
            items=int(row.items) if row is not None else 0,
            rated=int(row.rated) if row is not None else 0,
            satisfaction=None if satisfaction is None else float(satisfaction),
            platform_share=shares.get(tid),
            three_ones=three_ones.get(tid),
            spent=spent,
            due=due,
            commended=commendations.get(tid, 0),
            activity_levels=tuple(levels.get(tid, ())),
        )
    return out


def township_scores(
    session: Session, year: int, as_of: date, *, reads: Reads | None = None
) -> ScoreBoard:
    """Every active unit's score, grade and rank for ``year`` as of ``as_of``. With a shared
    ``reads`` bundle (``services.reads``) the task list, and the fund violations are those the other
    screens of the same data version read."""
    as_of = clamp_as_of(year, as_of)
    return shared(reads, ("scores", year, as_of), lambda: _scores(session, year, as_of, reads))


def unit_score(session: Session, year: int, as_of: date, township_id: int) -> UnitScore | None:
    """One unit's points, total and grade as the board gives them, without the rank and the
    rewards (they compare units): what a scorecard shows of last year."""
    as_of = clamp_as_of(year, as_of)
    units = checklist_status(session, year, as_of, [township_id]).units
    if not units:
        return None
    rules = get_rules(session, year)
    violations = _standing_errors(session, year, township_id=township_id)
    scored, _ = _unit_scores(session, year, as_of, rules, units, violations)
    return scored[0]


def _scores(session: Session, year: int, as_of: date, reads: Reads | None) -> ScoreBoard:
    rules = get_rules(session, year)
    units = checklist_status(session, year, as_of, reads=reads).units
    if not units:
        return ScoreBoard(year, as_of, ())
    violations = _standing_errors(session, year, reads)
    scored, inputs = _unit_scores(session, year, as_of, rules, units, violations)
    order = {u.township_id: i for i, u in enumerate(units)}
    ranked = sorted(
        scored,
        key=lambda s: (
            -s.total,
            -s.dimensions["checklist"],
            -s.dimensions["supervision"],
            order[s.township_id],
        ),
    )
    eligible = _judge_rewards(
        {s.township_id: s.grade for s in scored},
        {tid: got.platform_share for tid, got in inputs.items() if got.platform_share},
        {tid: list(got.activity_levels) for tid, got in inputs.items()},
        rules,
    )
    final = tuple(
        UnitScore(**{**s.__dict__, "rank": i, "rewards": eligible[s.township_id]})
        for i, s in enumerate(ranked, start=1)
    )
    return ScoreBoard(year, as_of, final)


def _unit_scores(
    session: Session,
    year: int,
    as_of: date,
    rules: RuleSet,
    units: Sequence[UnitChecklist],
    violations: dict[int, int],
) -> tuple[list[UnitScore], dict[int, UnitInputs]]:
    """Each unit's points, facts, total and grade (unranked), and the inputs they rest on."""
    w = rules.appraisal.weights
    ids = [u.township_id for u in units]
    inputs = kept_inputs(session, year, as_of, ids)
    adjustments = _adjustments(rules)
    t10_target = rules.task("T10").target

    scored = []
    for unit in units:
        facts: list[Fact] = []
        dims: dict[str, float] = {}

        dims["checklist"], f = _checklist_facts(unit, w.checklist)
        facts += f

        got = inputs[unit.township_id]
        t06 = unit.task("T06")
        closure = _task_credit(t06) if t06.status != "not_applicable" else None
        n_items = got.items
        satisfaction = got.satisfaction
        if n_items == 0:
            dims["supervision"] = 0.0
            facts.append(Fact("supervision", "score.fact.no_items", {}, 0.0, w.supervision))
        else:
            halves = [closure if closure is not None else 0.0]
            if satisfaction is not None and satisfaction == satisfaction:
                halves.append(float(satisfaction))
            dims["supervision"] = w.supervision * sum(halves) / len(halves)
            part = w.supervision / len(halves)
            facts.append(
                Fact(
                    "supervision",
                    "score.fact.closure",
                    {"share": t06.value, "target": t06.target},
                    _r(part * halves[0]),
                    _r(part),
                )
            )
            if len(halves) == 2:
                facts.append(
                    Fact(
                        "supervision",
                        "score.fact.satisfaction",
                        {"share": halves[1], "rated": got.rated},
                        _r(part * halves[1]),
                        _r(part),
                    )
                )
            else:
                facts.append(Fact("supervision", "score.fact.no_ratings", {}, 0.0, 0.0))

        ok, checks = got.platform_share or (0, 0)
        share = ok / checks if checks else 0.0
        dims["platforms"] = w.platforms * share
        facts.append(
            Fact(
                "platforms",
                "score.fact.platforms" if checks else "score.fact.no_platform_checks",
                {"ok": ok, "checks": checks},
                _r(dims["platforms"]),
                w.platforms,
            )
        )

        have = got.three_ones
        n_have = sum(have) if have else 0
        dims["organisation"] = w.organisation * n_have / 3
        facts.append(
            Fact(
                "organisation",
                "score.fact.three_ones" if have else "score.fact.no_three_ones",
                {"n": n_have},
                _r(dims["organisation"]),
                w.organisation,
            )
        )

        errors = violations.get(unit.township_id, 0)
        spent, due = got.spent, got.due
        # Compliance is earned by keeping the rules with money recorded, not by recording none.
        recorded = due > 0 or spent > 0
        compliance = max(0.0, 1 - 0.25 * errors) if recorded else 0.0
        rate = float(min(Decimal(1), spent / due)) if due > 0 else 0.0
        dims["funds"] = w.funds * (compliance + rate) / 2
        facts.append(
            Fact(
                "funds",
                "score.fact.compliance" if recorded else "score.fact.no_fund_records",
                {"n": errors},
                _r(w.funds / 2 * compliance),
                w.funds / 2,
            )
        )
        facts.append(
            Fact(
                "funds",
                "score.fact.execution" if due > 0 else "score.fact.no_budget",
                {"share": rate},
                _r(w.funds / 2 * rate),
                w.funds / 2,
            )
        )

        # The activities T10 counts: on the year's theme, with deputies of several levels.
        activities = int(unit.task("T10").value or 0)
        commended = got.commended
        act_credit = min(1.0, activities / t10_target) if t10_target else 1.0
        dims["integrated"] = w.integrated * (act_credit + (1.0 if commended else 0.0)) / 2
        facts.append(
            Fact(
                "integrated",
                "score.fact.activities",
                {"n": activities, "target": int(t10_target)},
                _r(w.integrated / 2 * act_credit),
                w.integrated / 2,
            )
        )
        facts.append(
            Fact(
                "integrated",
                "score.fact.commendations",
                {"n": commended},
                _r(w.integrated / 2 if commended else 0.0),
                w.integrated / 2,
            )
        )

        adj_points = 0.0
        for a in adjustments.get(unit.code, []):
            adj_points += a.points
            facts.append(
                Fact("adjustments", "score.fact.adjustment", {"reason": a.reason}, a.points, 0.0)
            )
        total = min(100.0, max(0.0, sum(dims.values()) + adj_points))
        dims = {k: _r(v) for k, v in dims.items()}
        scored.append(
            UnitScore(
                township_id=unit.township_id,
                code=unit.code,
                name_zh=unit.name_zh,
                name_en=unit.name_en,
                unit_type=unit.unit_type.value,
                dimensions=dims,
                max_points={d: float(getattr(w, d)) for d in DIMENSIONS},
                adjustments=_r(adj_points),
                total=_r(total),
                grade=grade_of(_r(total), rules),
                facts=tuple(facts),
            )
        )
    return scored, inputs


@dataclass(frozen=True)
class RewardEligibility:
    """What a unit's rewards (奖补) rest on, judged by the criteria of the year's rule set:

    - appraisal grade ``excellent``;
    - outstanding platforms: the share of the year's check items met across the unit's active
      platforms reaches ``rewards.outstanding_platform_min_share``;
    - distinctive deputy activities: at least ``rewards.distinctive_min_activities`` integrated
      activities up to the as-of date, one of them with ``distinctive_min_levels`` or more of
      the five levels.
    """

    grade: str | None
    platform_ok: int
    platform_items: int
    activities: int
    max_levels: int
    excellent: bool
    platform_outstanding: bool
    distinctive: bool


def reward_eligibility(
    session: Session,
    year: int,
    as_of: date,
    grades: dict[int, str | None],
    rules: RuleSet | None = None,
) -> dict[int, RewardEligibility]:
    """Reward eligibility of the units in ``grades`` (unit id → appraisal grade), judged under
    ``rules`` (the year's by default) from the units' kept appraisal inputs."""
    rules = rules or get_rules(session, year)
    inputs = kept_inputs(session, year, clamp_as_of(year, as_of), list(grades))
    return _judge_rewards(
        grades,
        {tid: got.platform_share for tid, got in inputs.items() if got.platform_share},
        {tid: list(got.activity_levels) for tid, got in inputs.items()},
        rules,
    )


def _activity_levels(
    session: Session, year: int, as_of: date, ids: list[int]
) -> dict[int, list[int]]:
    """Per unit, how many deputy levels each integrated activity of the year up to as_of had."""
    out: dict[int, list[int]] = {}
    for tid, levels in session.exec(
        select(IntegratedActivity.township_id, IntegratedActivity.levels).where(
            IntegratedActivity.held_on.between(date(year, 1, 1), clamp_as_of(year, as_of)),
            IntegratedActivity.township_id.in_(ids),
        )
    ).all():
        out.setdefault(tid, []).append(len(levels_in(levels)))
    return out


def _judge_rewards(
    grades: dict[int, str | None],
    shares: dict[int, tuple[int, int]],
    activities: dict[int, list[int]],
    rules: RuleSet,
) -> dict[int, RewardEligibility]:
    r = rules.rewards
    min_share = Fraction(str(r.outstanding_platform_min_share))
    out = {}
    for tid, grade in grades.items():
        ok, items = shares.get(tid, (0, 0))
        levels = activities.get(tid, [])
        n, top = len(levels), max(levels, default=0)
        out[tid] = RewardEligibility(
            grade=grade,
            platform_ok=ok,
            platform_items=items,
            activities=n,
            max_levels=top,
            excellent=grade == "excellent",
            # ok / items >= min_share, in integers
            platform_outstanding=items > 0
            and ok * min_share.denominator >= min_share.numerator * items,
            distinctive=n >= r.distinctive_min_activities and top >= r.distinctive_min_levels,
        )
    return out


def township_grades(
    session: Session, year: int, as_of: date, *, reads: Reads | None = None
) -> dict[int, str | None]:
    """Each active unit's appraisal grade code for ``year`` as of ``as_of`` (read by
    services.rewards)."""
    board = township_scores(session, year, as_of, reads=reads)
    return {u.township_id: u.grade for u in board.units}


def _three_ones(session: Session, year: int, ids: list[int]) -> dict[int, tuple[bool, bool, bool]]:
    rows = session.exec(
        select(OrgGuarantee).where(OrgGuarantee.year == year, OrgGuarantee.township_id.in_(ids))
    ).all()
    return {
        r.township_id: (r.has_department, r.has_fulltime_staff, r.has_training_mechanism)
        for r in rows
    }


def _standing_errors(
    session: Session, year: int, reads: Reads | None = None, *, township_id: int | None = None
) -> dict[int, int]:
    """Fund violations still standing (``Violation.standing``), per unit (of one unit only
    with ``township_id``)."""
    counts: dict[int, int] = {}
    for v in fund_violations(session, SYSTEM, year=year, township_id=township_id, reads=reads):
        if v.standing:
            counts[v.township_id] = counts.get(v.township_id, 0) + 1
    return counts


def _execution(
    session: Session, year: int, as_of: date, ids: list[int]
) -> dict[int, tuple[Decimal, Decimal]]:
    """(spent by as_of, budget due by as_of pro rata) in yuan, per unit."""
    budget = dict(
        session.exec(
            select(Budget.township_id, func.sum(Budget.amount_fen))
            .where(Budget.year == year, Budget.township_id.in_(ids))
            .group_by(Budget.township_id)
        ).all()
    )
    spent = dict(
        session.exec(
            select(Expense.township_id, func.sum(Expense.amount_fen))
            .where(
                Expense.budget_year == year,
                Expense.occurred_on <= as_of,
                Expense.township_id.in_(ids),
            )
            .group_by(Expense.township_id)
        ).all()
    )
    elapsed = Decimal((as_of - date(year, 1, 1)).days + 1) / Decimal(
        (date(year, 12, 31) - date(year, 1, 1)).days + 1
    )
    return {
        tid: (
            to_yuan(int(spent.get(tid) or 0)),
            to_yuan(int(budget.get(tid) or 0)) * elapsed,
        )
        for tid in ids
    }


def _commendations(session: Session, year: int, as_of: date, ids: list[int]) -> dict[int, int]:
    """Approved commendations of the year awarded by as_of, per unit."""
    rows = session.exec(
        select(Commendation.township_id, func.count(distinct(Commendation.id)))
        .where(
            Commendation.year == year,
            Commendation.status == APPROVED,
            Commendation.township_id.in_(ids),
            Commendation.awarded_on.is_(None) | (Commendation.awarded_on <= as_of),
        )
        .group_by(Commendation.township_id)
    ).all()
    return {tid: int(n) for tid, n in rows}


def _adjustments(rules: RuleSet) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in rules.appraisal.adjustments:
        out.setdefault(a.township, []).append(a)
    return out
