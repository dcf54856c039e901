"""How a task's verdict follows from its figures: schedules of deadlines and pace points, the
count and share rules and the contact-day calendar. Pure functions of dates, numbers and the
rule set; no database.

The verdict of one task for one unit, as a district leader reads it:

* ``not_applicable`` — the unit's type is not in the task's ``applies_to``. Never a fail.
* ``done`` — a hand mark settles the task; otherwise the year's target is met.
* ``overdue`` — a deadline has passed short of its figure, or the year's target can no longer
  be reached (the task says why: a quarter without a presidium meeting, a miss against a 100 %
  share whose misses are final).
* ``behind`` — short of a pace point that has passed, or short of a deadline's figure within the
  task's ``warn_days`` before it.
* ``on_track`` — otherwise.

A verdict is taken at the end of the ``as_of`` day: a record of that day counts, and a deadline
or pace point on that day has passed. Every verdict carries ``decided_by``, the point (or the
reason) that decided it, from which the screens write their explanation.

Count tasks (T01, T02, T05, T09, T10) compare the count so far with the task's schedule, points
(day, expected cumulative count, kind ``deadline`` or ``pace``). The year's end is always a
deadline expecting the whole goal (the task's target; for T09 the target is the share of the
two half-years, so goal = target × 2), added when the schedule does not end on 31 Dec.

* ``done`` when count ≥ goal.
* ``overdue`` when a deadline ≤ as_of expects more than the count.
* ``behind`` when a pace point ≤ as_of expects more, or a deadline d > as_of with
  (d − as_of) ≤ warn_days days left expects more.

So a congress session held in March with the second planned for December (T01, deadlines 30 Jun
and 31 Dec, warn 30 days) is on track until 30 Nov and behind from 1 Dec (30 days left); one
supervision activity by 15 Oct (T05, pace points at the quarters' ends) is behind, not overdue.

Share tasks (T03, T04, T06, T07, T08) divide what was done by what was due by ``as_of``; their
deadline is the year's end. Before it a share ≥ target is ``on_track`` and a share below is
``behind``, or ``overdue`` when the task says the target can no longer be reached; from 31 Dec
on, the same shares are ``done`` and ``overdue``. Nothing due yet (an empty denominator) owes
nothing: ``on_track``, and ``done`` at the year's end — unless the task says something should
have been counted by now (``owed``: T04 with no presidium meeting held once the first quarter
ended): then ``behind``, and ``overdue`` at the year's end.

A count verdict behind or overdue always holds the unit to more than it has done: the figure
``expected`` (with ``expected_on``, its day) is that of the point that decided the verdict
when that point is still to come (``held_to``).

Adding a record never makes a verdict worse on the same day; moving ``as_of`` forward without
new records never makes it better (tests/unit/test_task_status.py checks both as properties).

Missing items are plain dicts (``kind`` plus parameters) from which the UI writes sentences in
the user's language, e.g. ``{"kind": "meetings_needed", "n": 1, "deadline": date(2026, 9, 30),
"quarter": 3, "overdue": False}``.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from services.rules import ContactDayRule, TaskRule
from services.unit_figures import Kept
from services.working_days import nearest_working_days

STATUSES = ("done", "on_track", "behind", "overdue", "not_applicable")
# Statuses that count as "in order" in the matrix totals.
MET = frozenset({"done", "on_track"})
# Long lists of missing items are cut to this many, plus one "and n more" item.
MAX_LISTED = 10
# Counts and shares are compared with this slack, so that 0.9 × 10 meets a target of 0.9.
EPS = 1e-9


@dataclass(frozen=True)
class TaskStatus(Kept):
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
    # What decided the verdict (see ``Decision``); None for not applicable and hand marks.
    decided_by: "Decision | None" = None
    # The day ``expected`` is due: None for "by the as-of day"; a later day when the verdict
    # holds the unit to a deadline still to come (within its warning window, or the year's end
    # once the target can no longer be reached).
    expected_on: date | None = None

    @property
    def met(self) -> bool:
        return self.status in MET


# ---------------------------------------------------------------------------------------------
# Schedules and verdicts

# The verdicts from best to worst.
RANK = {"done": 0, "on_track": 1, "behind": 2, "overdue": 3}


@dataclass(frozen=True)
class Point(Kept):
    """A point of a count task's schedule in a given year."""

    day: date
    expected: float
    kind: str  # "deadline" or "pace"


@dataclass(frozen=True)
class Decision(Kept):
    """What decided a verdict, for the explanation a leader reads.

    ``reason``: ``target_met``; ``deadline_missed`` (a deadline passed short); ``pace_short`` (a
    pace point passed short); ``deadline_near`` (short of a deadline within the warning window);
    ``unreachable`` (the year's target can no longer be met, ``detail`` says why);
    ``below_target`` (a share below its target before the year's end); ``next`` (on track: the
    next point still to reach, if any). ``point`` is the point concerned;
    ``days_left`` the days from as_of to it (negative once passed)."""

    reason: str
    point: Point | None = None
    days_left: int | None = None
    detail: dict | None = None


def clamp_as_of(year: int, as_of: date) -> date:
    """``as_of`` held inside ``year``."""
    return min(max(as_of, date(year, 1, 1)), date(year, 12, 31))


def schedule_points(task: TaskRule, year: int, goal: float) -> list[Point]:
    """The task's schedule in ``year``, ending with the year's end as a deadline for the goal."""
    year_end = date(year, 12, 31)
    points = [Point(p.on(year), p.expected, p.kind) for p in task.schedule]
    if points and points[-1].day == year_end:
        points[-1] = Point(year_end, max(points[-1].expected, goal), "deadline")
    else:
        points.append(Point(year_end, goal, "deadline"))
    return points


def expected_by(points: list[Point], as_of: date) -> float:
    """The count expected by the points passed by as_of (0 before the first)."""
    return max((p.expected for p in points if p.day <= as_of), default=0.0)


def quarter_end(year: int, quarter: int) -> date:
    first_of_next = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first_of_next - timedelta(days=1)


def count_verdict(
    count: float, goal: float, points: list[Point], as_of: date, warn_days: int = 0
) -> tuple[str, Decision]:
    """The verdict of a count task and what decided it (see the module docstring)."""
    if count >= goal - EPS:
        return "done", Decision("target_met")
    short = [p for p in points if count < p.expected - EPS]
    missed = [p for p in short if p.kind == "deadline" and p.day <= as_of]
    if missed:
        p = missed[-1]
        return "overdue", Decision("deadline_missed", p, (p.day - as_of).days)
    lagging = [p for p in short if p.kind == "pace" and p.day <= as_of]
    if lagging:
        p = lagging[-1]
        return "behind", Decision("pace_short", p, (p.day - as_of).days)
    near = [p for p in short if p.kind == "deadline" and 0 < (p.day - as_of).days <= warn_days]
    if near:
        p = near[0]
        return "behind", Decision("deadline_near", p, (p.day - as_of).days)
    ahead = [p for p in short if p.day > as_of]
    upcoming = ahead[0] if ahead else None
    days = (upcoming.day - as_of).days if upcoming else None
    return "on_track", Decision("next", upcoming, days)


def share_verdict(
    share: float | None,
    target: float,
    year: int,
    as_of: date,
    unreachable: dict | None = None,
    owed: dict | None = None,
) -> tuple[str, Decision]:
    """The verdict of a share task; ``share`` is None when nothing is due yet. ``unreachable``
    (why, as a missing-item dict) makes a share below target overdue before the year's end.
    ``owed`` (why, as a missing-item dict) says that nothing was counted although something
    should have been by now (T04: no presidium meeting held, so no topic could be put): then an
    empty share is ``behind`` before the year's end and ``overdue`` from it, never on track."""
    year_end = Point(date(year, 12, 31), target, "deadline")
    days_left = (year_end.day - as_of).days
    over = as_of >= year_end.day
    if share is None and owed is not None:
        if over:
            return "overdue", Decision("deadline_missed", year_end, days_left, owed)
        return "behind", Decision("nothing_held", year_end, days_left, owed)
    if share is None or share >= target - EPS:
        if over:
            return "done", Decision("target_met")
        return "on_track", Decision("next", year_end, days_left)
    if over:
        return "overdue", Decision("deadline_missed", year_end, days_left)
    if unreachable is not None:
        return "overdue", Decision("unreachable", year_end, days_left, unreachable)
    return "behind", Decision("below_target", year_end, days_left)


def held_to(
    count: float, points: list[Point], as_of: date, decision: Decision
) -> tuple[float, date | None]:
    """The figure a count verdict holds the unit to, and the day it is due (None: by as_of).

    The figure expected by the points passed, unless the verdict looked further: short of a
    deadline within its warning window, or of a year's target no longer in reach, the unit is
    held to that point's figure on its day. So a verdict behind or overdue never reads "3 done,
    3 due": what is due is always more than what is done."""
    passed = expected_by(points, as_of)
    point = decision.point
    looks_ahead = decision.reason in ("deadline_near", "unreachable") and point is not None
    if looks_ahead and point.day > as_of and point.expected > passed:
        return point.expected, point.day
    return passed, None


def _item_day(item: dict) -> date | None:
    for key in ("deadline", "day", "due_on", "held_on"):
        value = item.get(key)
        if isinstance(value, date):
            return value
    return None


def since(task: TaskStatus, rule: TaskRule, year: int) -> date | None:
    """The day a task behind or overdue became so, for the leader's "since when"; None for a
    task in order. Records only add up, so a count short of a point now was short on its day:

    * a deadline passed short: the first deadline the count is short of (the end of its day);
    * a pace point passed short: the first pace point the count is short of;
    * short of a deadline within its warning window: the day the window opened;
    * a target out of reach: the end of the first quarter without a presidium meeting (T02),
      or the day of the first miss that cannot be undone (T04, T07: the meeting, the month);
    * a share below target: its first miss; no presidium meeting at all (T04): 31 Mar."""
    why = task.decided_by
    if task.status not in ("behind", "overdue") or why is None:
        return None
    count = task.value or 0.0
    if task.measure == "count" and why.reason in ("deadline_missed", "pace_short"):
        kind = "deadline" if why.reason == "deadline_missed" else "pace"
        points = schedule_points(rule, year, task.target)
        short = [
            p
            for p in points
            if p.kind == kind and why.point and p.day <= why.point.day and count < p.expected - EPS
        ]
        return short[0].day if short else why.point.day if why.point else None
    if why.reason == "deadline_near" and why.point is not None:
        return why.point.day - timedelta(days=rule.warn_days)
    detail = why.detail or {}
    if detail.get("kind") == "quarters_without_meeting" and detail.get("quarters"):
        return quarter_end(year, min(detail["quarters"]))
    if detail.get("kind") == "no_presidium_meeting":
        return quarter_end(year, 1)
    days = [d for d in map(_item_day, task.missing) if d is not None]
    if days:
        return min(days)
    return why.point.day if why.reason == "deadline_missed" and why.point else None


def _quarterly(points: list[Point]) -> bool:
    ends = {(3, 31), (6, 30), (9, 30), (12, 31)}
    return len(points) == 4 and all((p.day.month, p.day.day) in ends for p in points)


def needed_items(kind: str, count: float, points: list[Point], as_of: date) -> list[dict]:
    """What a count task still owes: the latest point passed short and the next one to come."""
    quarterly = _quarterly(points)
    unmet = [p for p in points if count < p.expected - EPS]
    missed = [p for p in unmet if p.day <= as_of][-1:]
    coming = [p for p in unmet if p.day > as_of][:1]
    return [
        {
            "kind": kind,
            "n": math.ceil(p.expected - count - EPS),
            "deadline": p.day,
            "quarter": (p.day.month - 1) // 3 + 1 if quarterly else None,
            "overdue": p.day <= as_of and p.kind == "deadline",
        }
        for p in (*missed, *coming)
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
    unreachable: dict | None = None,
) -> TaskStatus:
    """The verdict of a count task, with what it still owes (items of ``missing_kind``).
    ``unreachable`` (why, as a missing-item dict) makes a task not done overdue: the year's
    target can no longer be met (a deadline missed, when there is one, decides first)."""
    points = schedule_points(task, year, goal)
    status, decision = count_verdict(count, goal, points, as_of, task.warn_days)
    if unreachable is not None and status not in ("done", "overdue"):
        status = "overdue"
        decision = Decision("unreachable", points[-1], (points[-1].day - as_of).days, unreachable)
    coming = [p.day for p in points if p.day > as_of and count < p.expected - EPS]
    missing = [] if status == "done" else needed_items(missing_kind, count, points, as_of)
    expected, expected_on = held_to(count, points, as_of, decision)
    return TaskStatus(
        township_id=township_id,
        code=task.code,
        aspect=task.aspect,
        status=status,
        measure="count",
        value=count,
        target=goal,
        expected=expected,
        expected_on=expected_on,
        next_deadline=coming[0] if coming else None,
        missing=tuple(missing),
        weight=task.weight,
        decided_by=decision,
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
    unreachable: dict | None = None,
    owed: dict | None = None,
) -> TaskStatus:
    """The verdict of a share task; ``value`` defaults to numerator / denominator (None when
    nothing is due). The missing items are kept only while the task is not done; ``owed`` (see
    ``share_verdict``) is listed among them."""
    if value is None and denominator:
        value = numerator / denominator
    status, decision = share_verdict(value, target, year, as_of, unreachable, owed)
    if owed is not None and value is None and status != "done":
        missing = [owed, *missing]
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
        decided_by=decision,
    )


def final_miss(target: float, misses: int) -> dict | None:
    """For a share task whose misses cannot be undone (a meeting held without a topic, a month
    whose contact day passed): with a 100 % target one miss makes the target unreachable."""
    if misses and target >= 1 - EPS:
        return {"kind": "target_unreachable", "misses": misses}
    return None


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


def next_contact_day_planned(rule_of_year, as_of: date) -> date:
    """The next contact day on or after ``as_of`` as announced (``contact_day_planned``), the
    one date every screen shows; ``rule_of_year(year)`` gives the contact-day rule of a year."""
    this_month = contact_day_planned(rule_of_year(as_of.year), as_of.year, as_of.month)
    if this_month >= as_of:
        return this_month
    first_next = (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)
    return contact_day_planned(rule_of_year(first_next.year), first_next.year, first_next.month)


def contact_day_planned(rule: ContactDayRule, year: int, month: int) -> date:
    """The day a month's contact day is announced for: the rule's day, or under the tolerance,
    when it is not a working day, its nearest working day (the earlier one when both are as
    near: a Saturday moves to Friday, a Sunday to Monday)."""
    allowed = contact_days_allowed(rule, year, month)
    if len(allowed) == 1:
        return allowed[0]
    before, day, after = allowed
    return before if (day - before) <= (after - day) else after
