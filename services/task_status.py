"""How a task's status follows from its figures: schedules, pace, the count and share rules and
the contact-day calendar. Pure functions of dates, numbers and the rule set; no database.

Status of one task for one unit:

* ``not_applicable`` — the unit's type is not in the task's ``applies_to``. Never a fail.
* ``done`` — a hand mark settles the task; otherwise the year's target is met.
* ``overdue`` — behind a deadline that has passed.
* ``behind`` — no deadline missed yet, but short against the pace.
* ``on_track`` — otherwise.

Count tasks (T01, T02, T05, T09, T10) compare the count so far with the task's schedule, a list
of (deadline, expected cumulative count). Without a schedule the year's end is the only deadline,
expecting the whole target.

* ``done`` when count ≥ goal (the task's target; for T09 the target is the share of the two
  half-years, so goal = target × 2).
* ``expected`` by ``as_of`` is the expected count of the latest deadline ≤ ``as_of`` (0 before
  the first deadline). ``overdue`` when count < expected, or when the year is over and count <
  goal.
* The linear pace between deadlines: with ``prev`` the latest deadline ≤ as_of (or 31 Dec of the
  year before, expecting 0) and ``next`` the first deadline after it,
  ``pace = E(prev) + (E(next) − E(prev)) × days(prev → as_of) / days(prev → next)``.
  ``behind`` when count < pace − 0.5, i.e. more than half a meeting (activity, …) short of the
  pace. With a quarterly schedule of one presidium meeting per quarter, a unit without its
  quarter's meeting is on track for the first half of the quarter and behind for the second
  half (e.g. in 2026 without any meeting: 14 Feb is day 45 of 90, pace 0.5, on track; 15 Feb is
  day 46, pace 0.511, behind).

Share tasks (T03, T04, T06, T07, T08) divide what was done by what was due by ``as_of``; their
deadline is the year's end. Before it a share ≥ target is ``on_track`` and a share below is
``behind``; from 31 Dec on, the same shares are ``done`` and ``overdue``. Nothing due yet (an
empty denominator) owes nothing: ``on_track``, and ``done`` at the year's end.

Missing items are plain dicts (``kind`` plus parameters) from which the UI writes sentences in
the user's language, e.g. ``{"kind": "meetings_needed", "n": 1, "deadline": date(2026, 9, 30),
"quarter": 3, "overdue": False}``.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from services.rules import ContactDayRule, TaskRule
from services.working_days import nearest_working_days

STATUSES = ("done", "on_track", "behind", "overdue", "not_applicable")
# Statuses that count as "in order" in the matrix totals.
MET = frozenset({"done", "on_track"})
# Long lists of missing items are cut to this many, plus one "and n more" item.
MAX_LISTED = 10
# Counts and shares are compared with this slack, so that 0.9 × 10 meets a target of 0.9.
EPS = 1e-9


@dataclass(frozen=True)
class TaskStatus:
    """One task of one unit. ``value`` is the count (count tasks) or the share (share tasks)."""

    township_id: int
    code: str
    aspect: str
    status: str
    measure: str  # "count" or "share"
    value: float | None
    target: float
    expected: float | None
    numerator: int | None = None
    denominator: int | None = None
    next_deadline: date | None = None
    missing: tuple[dict, ...] = ()
    hand_mark: bool = False
    mark_evidence: str = ""
    weight: float = 0.0

    @property
    def met(self) -> bool:
        return self.status in MET


# ---------------------------------------------------------------------------------------------
# Schedules and pace


def clamp_as_of(year: int, as_of: date) -> date:
    """``as_of`` held inside ``year``."""
    return min(max(as_of, date(year, 1, 1)), date(year, 12, 31))


def deadlines(task: TaskRule, year: int, goal: float) -> list[tuple[date, float]]:
    """(deadline, expected cumulative count) of a count task; the year's end when unscheduled."""
    if not task.schedule:
        return [(date(year, 12, 31), goal)]
    return [(d.on(year), d.expected) for d in task.schedule]


def expected_by(points: list[tuple[date, float]], as_of: date) -> float:
    """The expected count of the latest deadline ≤ as_of (0 before the first)."""
    passed = [e for d, e in points if d <= as_of]
    return passed[-1] if passed else 0.0


def pace(points: list[tuple[date, float]], year: int, as_of: date) -> float:
    """The linear pace between the deadlines around as_of (see the module docstring)."""
    prev_day, prev_exp = date(year - 1, 12, 31), 0.0
    for d, e in points:
        if d <= as_of:
            prev_day, prev_exp = d, e
            continue
        span = (d - prev_day).days
        return prev_exp + (e - prev_exp) * (as_of - prev_day).days / span
    return prev_exp


def quarter_end(year: int, quarter: int) -> date:
    first_of_next = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first_of_next - timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# The status rules


def count_status(
    count: float, goal: float, points: list[tuple[date, float]], year: int, as_of: date
) -> str:
    if count >= goal - EPS:
        return "done"
    if count < expected_by(points, as_of) - EPS:
        return "overdue"
    if as_of >= date(year, 12, 31):
        return "overdue"
    if count < pace(points, year, as_of) - 0.5 - EPS:
        return "behind"
    return "on_track"


def share_status(share: float | None, target: float, year: int, as_of: date) -> str:
    """``share`` is None when nothing is due yet."""
    over = as_of >= date(year, 12, 31)
    if share is None or share >= target - EPS:
        return "done" if over else "on_track"
    return "overdue" if over else "behind"


def _quarterly(points: list[tuple[date, float]]) -> bool:
    ends = {(3, 31), (6, 30), (9, 30), (12, 31)}
    return len(points) == 4 and all((d.month, d.day) in ends for d, _ in points)


def needed_items(
    kind: str, count: float, points: list[tuple[date, float]], as_of: date
) -> list[dict]:
    """What a count task still owes: the latest missed deadline and the next one to come."""
    quarterly = _quarterly(points)
    unmet = [(d, e) for d, e in points if count < e - EPS]
    missed = [p for p in unmet if p[0] <= as_of][-1:]
    coming = [p for p in unmet if p[0] > as_of][:1]
    return [
        {
            "kind": kind,
            "n": math.ceil(expected - count - EPS),
            "deadline": deadline,
            "quarter": (deadline.month - 1) // 3 + 1 if quarterly else None,
            "overdue": deadline <= as_of,
        }
        for deadline, expected in (*missed, *coming)
    ]


def listed(items: list[dict]) -> list[dict]:
    """A long list of missing items cut to MAX_LISTED, plus one "and n more" item."""
    if len(items) <= MAX_LISTED:
        return list(items)
    return [*items[:MAX_LISTED], {"kind": "more", "n": len(items) - MAX_LISTED}]


def count_task(
    task: TaskRule,
    township_id: int,
    count: float,
    goal: float,
    *,
    year: int,
    as_of: date,
    missing_kind: str,
) -> TaskStatus:
    """The status of a count task, with what it still owes (items of ``missing_kind``)."""
    points = deadlines(task, year, goal)
    status = count_status(count, goal, points, year, as_of)
    coming = [d for d, e in points if d > as_of and count < e - EPS]
    missing = [] if status == "done" else needed_items(missing_kind, count, points, as_of)
    return TaskStatus(
        township_id=township_id,
        code=task.code,
        aspect=task.aspect,
        status=status,
        measure="count",
        value=count,
        target=goal,
        expected=expected_by(points, as_of),
        next_deadline=coming[0] if coming else None,
        missing=tuple(missing),
        weight=task.weight,
    )


def share_task(
    task: TaskRule,
    township_id: int,
    numerator: int,
    denominator: int,
    *,
    target: float,
    missing: list[dict],
    year: int,
    as_of: date,
    value: float | None = None,
) -> TaskStatus:
    """The status of a share task; ``value`` defaults to numerator / denominator (None when
    nothing is due). The missing items are kept only while the task is not done."""
    if value is None and denominator:
        value = numerator / denominator
    status = share_status(value, target, year, as_of)
    return TaskStatus(
        township_id=township_id,
        code=task.code,
        aspect=task.aspect,
        status=status,
        measure="share",
        value=value,
        target=target,
        expected=target,
        numerator=numerator,
        denominator=denominator,
        next_deadline=date(year, 12, 31) if status != "done" else None,
        missing=tuple(missing) if status != "done" else (),
        weight=task.weight,
    )


def not_applicable(task: TaskRule, township_id: int, measure: str) -> TaskStatus:
    return TaskStatus(
        township_id=township_id,
        code=task.code,
        aspect=task.aspect,
        status="not_applicable",
        measure=measure,
        value=None,
        target=task.target,
        expected=None,
        weight=task.weight,
    )


# ---------------------------------------------------------------------------------------------
# The contact-day calendar (T07)


def contact_days_allowed(rule: ContactDayRule, year: int, month: int) -> list[date]:
    """The days a month's contact day may be held on under the rule's tolerance: the rule's
    day, and with ``nearest_working_day``, when that day is not a working day (a weekend or an
    official or local holiday, see ``services.working_days``), the last working day before it
    and the first after it too. A swapped working day (调休) is a working day like any other."""
    day = date(year, month, rule.day_of_month)
    if rule.tolerance != "nearest_working_day" or rule.working_day(day):
        return [day]
    before, after = nearest_working_days(
        day, holidays=rule.local_holidays, working_days=rule.local_working_days
    )
    return [before, day, after]


def contact_day_calendar(rule: ContactDayRule, year: int) -> dict[date, int]:
    """Every day a contact day of ``year`` may be held on, with the month it is the contact day
    of (31 Dec of the year before may be January's)."""
    return {day: m for m in range(1, 13) for day in contact_days_allowed(rule, year, m)}


def contact_day_planned(rule: ContactDayRule, year: int, month: int) -> date:
    """The day a month's contact day is announced for: the rule's day, or under the tolerance,
    when it is not a working day, its nearest working day (the earlier one when both are as
    near: a Saturday moves to Friday, a Sunday to Monday)."""
    allowed = contact_days_allowed(rule, year, month)
    if len(allowed) == 1:
        return allowed[0]
    before, day, after = allowed
    return before if (day - before) <= (after - day) else after
