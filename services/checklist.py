"""The task list (一张清单): the status of the ten annual tasks T01–T10 of every unit.

``checklist_status(session, year, as_of)`` reads the records and the year's rule set (the latest
stored version, so an edit by the district admin takes effect on the next call) and nothing
else. All counting happens in a fixed handful of GROUP BY queries, whatever the number of units.

Status of one task for one unit, in this order:

* ``not_applicable`` — the unit's type is not in the task's ``applies_to``. Never a fail.
* ``done`` — a hand mark (TaskMark) settles the task; otherwise the year's target is met (see
  below for count and share tasks).
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

The rules of each task (search for the code):

* T01 congress sessions held: non-draft Meeting(kind=congress_session) held in the year ≤ as_of.
* T02 presidium meetings held (non-draft), against the (quarterly) schedule; the schedule is
  cumulative, so two meetings in one quarter make up for an empty next quarter, but every quarter
  that ended without a meeting is still listed.
* T03 meetings held (non-draft, both kinds) whose research, deliberation and follow-up are all
  recorded (not blank) / meetings held.
* T04 presidium meetings with ≥ 1 supervision topic / presidium meetings held, drafts included
  in the denominator: a draft is a meeting held whose topic is still missing.
* T05 supervision activities of the rule set's ``activity_kinds`` against the schedule.
* T06 supervision items due (opened_on + the stage days of investigation, deliberation,
  assignment and follow-up falls in the year and ≤ as_of) whose current stage is feedback or
  closed / items due; target ``supervision.closure_target``. The stage is the item's current
  one, so for an as-of date in the past an item closed since then already counts.
* T07 contact days: a month is due once its contact day (``contact_day.day_of_month``; with the
  ``nearest_working_day`` tolerance, when that day is a Saturday or Sunday the Friday before or
  the Monday after count too) has passed, or once it was held on one of those days. A due month
  counts when a ContactDay on an allowed day had participants / deputies that should attend ≥
  ``min_participation`` (township-level deputies for towns and townships, every active deputy of
  a sub-district). Months met / months due.
* T08 double linkage: presidium members (active township deputies) linked to ≥
  ``deputies_per_presidium_member`` active deputies, and deputies linked to ≥
  ``voters_per_deputy`` active voters of their own constituency (township deputies of towns and
  townships, all of them; for a sub-district, which has no presidium, only this half, over its
  deputies that have a constituency there). The share is the smaller of the two halves
  ("100 % of each").
* T09 half-years (Jan–Jun, Jul–Dec) with at least one Visit and both Notification kinds, against
  the schedule (1 by 30 Jun, 2 by 31 Dec by default).
* T10 integrated activities held in the year with deputies of ≥ 2 levels, against the schedule.

Missing items are plain dicts (``kind`` plus parameters) from which the UI writes sentences in
the user's language, e.g. ``{"kind": "meetings_needed", "n": 1, "deadline": date(2026, 9, 30),
"quarter": 3, "overdue": False}``.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import and_, case, extract, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from models import (
    ContactDay,
    ContactDayParticipant,
    Deputy,
    IntegratedActivity,
    Meeting,
    Notification,
    PresidiumLink,
    SupervisionActivity,
    SupervisionItem,
    SupervisionTopic,
    TaskMark,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.enums import (
    DeputyLevel,
    MeetingKind,
    NotificationKind,
    SupervisionStage,
    UnitType,
    levels_in,
    on_theme,
)
from models.rules import RuleSet as RuleSetRow
from services.permissions import Actor, readable_township_ids
from services.rules import TASK_CODES, ContactDayRule, RuleSet, TaskRule, get_rules

STATUSES = ("done", "on_track", "behind", "overdue", "not_applicable")
# Statuses that count as "in order" in the matrix totals.
MET = frozenset({"done", "on_track"})
COUNT_TASKS = frozenset({"T01", "T02", "T05", "T09", "T10"})
SHARE_TASKS = frozenset({"T03", "T04", "T06", "T07", "T08"})
# Units that hold a people's congress and so have a presidium; sub-districts have a working
# committee instead. A fact of the law, not a tunable number.
CONGRESS_TYPES = frozenset({UnitType.town, UnitType.township})
# Stages whose deadlines make an item due for feedback (T06).
DUE_STAGES = (
    SupervisionStage.investigation,
    SupervisionStage.deliberation,
    SupervisionStage.assignment,
    SupervisionStage.follow_up,
)
REACHED_FEEDBACK = (SupervisionStage.feedback, SupervisionStage.closed)
# Long lists of missing items are cut to this many, plus one "and n more" item.
MAX_LISTED = 10
_EPS = 1e-9


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


@dataclass(frozen=True)
class UnitChecklist:
    township_id: int
    code: str
    name_zh: str
    name_en: str
    unit_type: UnitType
    tasks: tuple[TaskStatus, ...]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def task(self, code: str) -> TaskStatus:
        return next(t for t in self.tasks if t.code == code)

    @property
    def applicable(self) -> int:
        return sum(t.status != "not_applicable" for t in self.tasks)

    @property
    def met(self) -> int:
        return sum(t.met for t in self.tasks)


@dataclass(frozen=True)
class ChecklistResult:
    year: int
    as_of: date
    rules_version: int
    units: tuple[UnitChecklist, ...] = field(default_factory=tuple)

    def unit(self, township_id: int) -> UnitChecklist:
        return next(u for u in self.units if u.township_id == township_id)

    def frame(self) -> pd.DataFrame:
        """One row per unit and task, in the district's order of units."""
        rows = [
            {
                "township_id": u.township_id,
                "unit_code": u.code,
                "name_zh": u.name_zh,
                "name_en": u.name_en,
                "unit_type": u.unit_type.value,
                "order": i,
                "task": t.code,
                "status": t.status,
                "value": t.value,
                "numerator": t.numerator,
                "denominator": t.denominator,
                "target": t.target,
                "expected": t.expected,
                "hand_mark": t.hand_mark,
            }
            for i, u in enumerate(self.units)
            for t in u.tasks
        ]
        columns = [
            "township_id",
            "unit_code",
            "name_zh",
            "name_en",
            "unit_type",
            "order",
            "task",
            "status",
            "value",
            "numerator",
            "denominator",
            "target",
            "expected",
            "hand_mark",
        ]
        return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# Schedules and the status rules (pure functions, tested on their own)


def clamp_as_of(year: int, as_of: date) -> date:
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


def count_status(
    count: float, goal: float, points: list[tuple[date, float]], year: int, as_of: date
) -> str:
    if count >= goal - _EPS:
        return "done"
    if count < expected_by(points, as_of) - _EPS:
        return "overdue"
    if as_of >= date(year, 12, 31):
        return "overdue"
    if count < pace(points, year, as_of) - 0.5 - _EPS:
        return "behind"
    return "on_track"


def share_status(share: float | None, target: float, year: int, as_of: date) -> str:
    """``share`` is None when nothing is due yet."""
    over = as_of >= date(year, 12, 31)
    if share is None or share >= target - _EPS:
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
    unmet = [(d, e) for d, e in points if count < e - _EPS]
    missed = [p for p in unmet if p[0] <= as_of][-1:]
    coming = [p for p in unmet if p[0] > as_of][:1]
    return [
        {
            "kind": kind,
            "n": math.ceil(expected - count - _EPS),
            "deadline": deadline,
            "quarter": (deadline.month - 1) // 3 + 1 if quarterly else None,
            "overdue": deadline <= as_of,
        }
        for deadline, expected in (*missed, *coming)
    ]


def quarter_end(year: int, quarter: int) -> date:
    first_of_next = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first_of_next - timedelta(days=1)


def contact_days_allowed(rule: ContactDayRule, year: int, month: int) -> list[date]:
    """The days a month's contact day may be held on under the rule's tolerance."""
    day = date(year, month, rule.day_of_month)
    allowed = [day]
    if rule.tolerance == "nearest_working_day":
        if day.weekday() == 5:  # Saturday: Friday before, Monday after
            allowed += [day - timedelta(days=1), day + timedelta(days=2)]
        elif day.weekday() == 6:  # Sunday
            allowed += [day - timedelta(days=2), day + timedelta(days=1)]
    return sorted(allowed)


def contact_day_planned(rule: ContactDayRule, year: int, month: int) -> date:
    """The day a month's contact day is announced for: the rule's day, or under the tolerance
    its nearest working day when it falls on a weekend (Saturday → Friday, Sunday → Monday)."""
    day = date(year, month, rule.day_of_month)
    if rule.tolerance == "nearest_working_day" and day.weekday() >= 5:
        return day - timedelta(days=1) if day.weekday() == 5 else day + timedelta(days=1)
    return day


# ---------------------------------------------------------------------------------------------
# The engine


@dataclass
class _Unit:
    id: int
    code: str
    name_zh: str
    name_en: str
    unit_type: UnitType


def _listed(items: list[dict]) -> list[dict]:
    if len(items) <= MAX_LISTED:
        return list(items)
    return [*items[:MAX_LISTED], {"kind": "more", "n": len(items) - MAX_LISTED}]


def rules_version(session: Session, year: int) -> int:
    """The version number of the rule set in force for the year (0 when there is none)."""
    row = session.exec(
        select(RuleSetRow.version)
        .where(RuleSetRow.year <= year)
        .order_by(RuleSetRow.year.desc(), RuleSetRow.version.desc())
    ).first()
    return int(row or 0)


def checklist_status(
    session: Session, year: int, as_of: date, township_ids: list[int] | None = None
) -> ChecklistResult:
    """Every task's status for the active units (all, or those of ``township_ids``)."""
    rules = get_rules(session, year)
    as_of = clamp_as_of(year, as_of)
    stmt = select(Township).where(Township.active).order_by(Township.sort_order, Township.id)
    if township_ids is not None:
        stmt = stmt.where(Township.id.in_(township_ids))
    units = [
        _Unit(t.id, t.code, t.name_zh, t.name_en, UnitType(t.unit_type))
        for t in session.exec(stmt).all()
    ]
    ids = [u.id for u in units]
    if not units:
        return ChecklistResult(year, as_of, rules_version(session, year), ())
    engine = _Engine(session, rules, year, as_of, ids)
    marks = engine.marks()
    results = []
    for u in units:
        tasks = []
        for task in rules.checklist.tasks:
            if u.unit_type not in task.applies_to:
                status = TaskStatus(
                    township_id=u.id,
                    code=task.code,
                    aspect=task.aspect,
                    status="not_applicable",
                    measure="count" if task.code in COUNT_TASKS else "share",
                    value=None,
                    target=task.target,
                    expected=None,
                    weight=task.weight,
                )
            else:
                status = engine.task(task, u)
                mark = marks.get((u.id, task.code))
                if mark is not None:
                    status = replace(
                        status, status="done", missing=(), hand_mark=True, mark_evidence=mark
                    )
            tasks.append(status)
        results.append(UnitChecklist(u.id, u.code, u.name_zh, u.name_en, u.unit_type, tuple(tasks)))
    return ChecklistResult(year, as_of, rules_version(session, year), tuple(results))


def readable_checklist(
    session: Session, actor: Actor, *, year: int, as_of: date, township_id: int | None = None
) -> ChecklistResult:
    """checklist_status over what the actor may read (a clerk: their own unit only)."""
    ids = readable_township_ids(actor)
    if township_id is not None:
        ids = [township_id] if ids is None or township_id in ids else []
    return checklist_status(session, year, as_of, ids)


class _Engine:
    """Runs each aggregate query once for all units, then answers per unit and task."""

    def __init__(self, session: Session, rules: RuleSet, year: int, as_of: date, ids: list[int]):
        self.s = session
        self.rules = rules
        self.year = year
        self.as_of = as_of
        self.start = date(year, 1, 1)
        self.ids = ids
        self._cache: dict[str, object] = {}

    def _once(self, name: str, compute):
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    def marks(self) -> dict[tuple[int, str], str]:
        rows = self.s.exec(
            select(TaskMark.township_id, TaskMark.task_code, TaskMark.evidence).where(
                TaskMark.year == self.year, TaskMark.done, TaskMark.township_id.in_(self.ids)
            )
        ).all()
        return {(tid, code): evidence for tid, code, evidence in rows}

    def task(self, task: TaskRule, u: _Unit) -> TaskStatus:
        return getattr(self, f"_{task.code.lower()}")(task, u)

    # -- helpers -------------------------------------------------------------------------------

    def _count_task(self, task: TaskRule, u: _Unit, count: float, goal: float, missing_kind):
        points = deadlines(task, self.year, goal)
        status = count_status(count, goal, points, self.year, self.as_of)
        coming = [d for d, e in points if d > self.as_of and count < e - _EPS]
        missing = [] if status == "done" else needed_items(missing_kind, count, points, self.as_of)
        return TaskStatus(
            township_id=u.id,
            code=task.code,
            aspect=task.aspect,
            status=status,
            measure="count",
            value=count,
            target=goal,
            expected=expected_by(points, self.as_of),
            next_deadline=coming[0] if coming else None,
            missing=tuple(missing),
            weight=task.weight,
        )

    def _share_task(
        self,
        task: TaskRule,
        u: _Unit,
        numerator: int,
        denominator: int,
        target: float,
        missing: list[dict],
        *,
        value: float | None = None,
    ) -> TaskStatus:
        if value is None and denominator:
            value = numerator / denominator
        status = share_status(value, target, self.year, self.as_of)
        return TaskStatus(
            township_id=u.id,
            code=task.code,
            aspect=task.aspect,
            status=status,
            measure="share",
            value=value,
            target=target,
            expected=target,
            numerator=numerator,
            denominator=denominator,
            next_deadline=date(self.year, 12, 31) if status != "done" else None,
            missing=tuple(missing) if status != "done" else (),
            weight=task.weight,
        )

    # -- meetings (T01–T04) --------------------------------------------------------------------

    def _meeting_counts(self) -> dict:
        """(township, kind, is_draft, month) -> (meetings, complete, with topic)."""
        topics = (
            select(SupervisionTopic.meeting_id, func.count(SupervisionTopic.id).label("n"))
            .group_by(SupervisionTopic.meeting_id)
            .subquery()
        )
        month = extract("month", Meeting.held_on)
        stmt = (
            select(
                Meeting.township_id,
                Meeting.kind,
                Meeting.is_draft,
                month,
                func.count(Meeting.id),
                func.sum(case((_complete(), 1), else_=0)),
                func.sum(case((func.coalesce(topics.c.n, 0) > 0, 1), else_=0)),
            )
            .join(topics, topics.c.meeting_id == Meeting.id, isouter=True)
            .where(
                Meeting.held_on.between(self.start, self.as_of), Meeting.township_id.in_(self.ids)
            )
            .group_by(Meeting.township_id, Meeting.kind, Meeting.is_draft, month)
        )
        out = {}
        for tid, kind, draft, m, n, complete, topical in self.s.exec(stmt).all():
            out[(tid, MeetingKind(kind), bool(draft), int(m))] = (
                int(n),
                int(complete or 0),
                int(topical or 0),
            )
        return out

    def _meeting_gaps(self) -> dict[int, list[dict]]:
        """Meetings lacking a record part (T03) or a topic (T04), per unit, oldest first."""
        topics = (
            select(SupervisionTopic.meeting_id, func.count(SupervisionTopic.id).label("n"))
            .group_by(SupervisionTopic.meeting_id)
            .subquery()
        )
        n_topics = func.coalesce(topics.c.n, 0)
        no_topic = and_(Meeting.kind == MeetingKind.presidium, or_(Meeting.is_draft, n_topics == 0))
        stmt = (
            select(
                Meeting.township_id,
                Meeting.kind,
                Meeting.held_on,
                Meeting.title,
                Meeting.is_draft,
                func.length(func.trim(Meeting.research)),
                func.length(func.trim(Meeting.deliberation)),
                func.length(func.trim(Meeting.follow_up)),
                n_topics,
            )
            .join(topics, topics.c.meeting_id == Meeting.id, isouter=True)
            .where(
                Meeting.held_on.between(self.start, self.as_of),
                Meeting.township_id.in_(self.ids),
                or_(and_(~Meeting.is_draft, ~_complete()), no_topic),
            )
            .order_by(Meeting.held_on, Meeting.id)
        )
        out: dict[int, list[dict]] = defaultdict(list)
        for tid, kind, held, title, draft, r, d, f, nt in self.s.exec(stmt).all():
            out[tid].append(
                {
                    "kind": MeetingKind(kind),
                    "held_on": held,
                    "title": title,
                    "draft": bool(draft),
                    "parts": [
                        p
                        for p, n in (("research", r), ("deliberation", d), ("follow_up", f))
                        if not n
                    ],
                    "topics": int(nt),
                }
            )
        return out

    def _meetings(self, u: _Unit, kind: MeetingKind, *, drafts: bool = False) -> dict[int, tuple]:
        """month -> (meetings, complete, with topic) of one unit and kind."""
        counts = self._once("meetings", self._meeting_counts)
        out: dict[int, list[int]] = {}
        for (tid, k, draft, m), values in counts.items():
            if tid != u.id or k != kind or (draft and not drafts):
                continue
            acc = out.setdefault(m, [0, 0, 0])
            for i, v in enumerate(values):
                acc[i] += v if not draft or i == 0 else 0
        return {m: tuple(v) for m, v in out.items()}

    def _t01(self, task: TaskRule, u: _Unit) -> TaskStatus:
        held = sum(v[0] for v in self._meetings(u, MeetingKind.congress_session).values())
        return self._count_task(task, u, held, task.target, "sessions_needed")

    def _t02(self, task: TaskRule, u: _Unit) -> TaskStatus:
        """Presidium meetings against the target, at least one in each quarter: a quarter that
        ended without one is a shortfall later meetings cannot make up, so at most
        target − (empty quarters) meetings count; and the task is not done before as many
        quarters as the target (four at most) have each held one."""
        by_month = self._meetings(u, MeetingKind.presidium)
        held = sum(v[0] for v in by_month.values())
        covered = {
            q
            for q in range(1, 5)
            if any(by_month.get(m, (0,))[0] for m in range(3 * q - 2, 3 * q + 1))
        }
        empty = [
            {"kind": "quarter_without_meeting", "quarter": q}
            for q in range(1, 5)
            if quarter_end(self.year, q) <= self.as_of and q not in covered
        ]
        credited = min(held, max(0, int(task.target) - len(empty))) if empty else held
        status = self._count_task(task, u, credited, task.target, "meetings_needed")
        if status.status == "done" and len(covered) < min(4, int(task.target)):
            status = replace(status, status="on_track")
        if not empty:
            return status
        return replace(status, missing=(*empty, *status.missing))

    def _t03(self, task: TaskRule, u: _Unit) -> TaskStatus:
        held = complete = 0
        for kind in MeetingKind:
            for n, c, _ in self._meetings(u, kind).values():
                held += n
                complete += c
        gaps = self._once("gaps", self._meeting_gaps).get(u.id, [])
        missing = [
            {
                "kind": "meeting_incomplete",
                "title": g["title"],
                "held_on": g["held_on"],
                "parts": g["parts"],
            }
            for g in gaps
            if g["parts"] and not g["draft"]
        ]
        return self._share_task(task, u, complete, held, task.target, _listed(missing))

    def _t04(self, task: TaskRule, u: _Unit) -> TaskStatus:
        by_month = self._meetings(u, MeetingKind.presidium, drafts=True)
        held = sum(v[0] for v in by_month.values())
        topical = sum(v[2] for v in by_month.values())
        gaps = self._once("gaps", self._meeting_gaps).get(u.id, [])
        missing = [
            {
                "kind": "meeting_without_topic",
                "title": g["title"],
                "held_on": g["held_on"],
                "draft": g["draft"],
            }
            for g in gaps
            if g["kind"] == MeetingKind.presidium and (g["draft"] or not g["topics"])
        ]
        return self._share_task(task, u, topical, held, task.target, _listed(missing))

    # -- supervision (T05, T06) ----------------------------------------------------------------

    def _activity_counts(self) -> dict[int, int]:
        kinds = list(self.rules.supervision.activity_kinds)
        stmt = (
            select(SupervisionActivity.township_id, func.count(SupervisionActivity.id))
            .where(
                SupervisionActivity.held_on.between(self.start, self.as_of),
                SupervisionActivity.kind.in_(kinds),
                SupervisionActivity.township_id.in_(self.ids),
            )
            .group_by(SupervisionActivity.township_id)
        )
        return {tid: int(n) for tid, n in self.s.exec(stmt).all()}

    def _t05(self, task: TaskRule, u: _Unit) -> TaskStatus:
        held = self._once("activities", self._activity_counts).get(u.id, 0)
        return self._count_task(task, u, held, task.target, "activities_needed")

    def _due_days(self) -> int:
        days = self.rules.supervision.stage_deadline_days
        return sum(days[s] for s in DUE_STAGES)

    def _item_window(self):
        lag = timedelta(days=self._due_days())
        return SupervisionItem.opened_on.between(self.start - lag, self.as_of - lag)

    def _item_counts(self) -> dict[int, tuple[int, int]]:
        reached = SupervisionItem.stage.in_(list(REACHED_FEEDBACK))
        stmt = (
            select(
                SupervisionItem.township_id,
                func.count(SupervisionItem.id),
                func.sum(case((reached, 1), else_=0)),
            )
            .where(self._item_window(), SupervisionItem.township_id.in_(self.ids))
            .group_by(SupervisionItem.township_id)
        )
        return {tid: (int(n), int(r or 0)) for tid, n, r in self.s.exec(stmt).all()}

    def _open_items(self) -> dict[int, list[dict]]:
        lag = timedelta(days=self._due_days())
        stmt = (
            select(
                SupervisionItem.township_id,
                SupervisionItem.title,
                SupervisionItem.opened_on,
                SupervisionItem.stage,
            )
            .where(
                self._item_window(),
                SupervisionItem.township_id.in_(self.ids),
                SupervisionItem.stage.not_in(list(REACHED_FEEDBACK)),
            )
            .order_by(SupervisionItem.opened_on, SupervisionItem.id)
        )
        out: dict[int, list[dict]] = defaultdict(list)
        for tid, title, opened, stage in self.s.exec(stmt).all():
            out[tid].append(
                {
                    "kind": "item_not_closed",
                    "title": title,
                    "due_on": opened + lag,
                    "stage": SupervisionStage(stage),
                }
            )
        return out

    def _t06(self, task: TaskRule, u: _Unit) -> TaskStatus:
        due, reached = self._once("items", self._item_counts).get(u.id, (0, 0))
        target = self.rules.supervision.closure_target
        missing: list[dict] = []
        if due and reached / due < target - _EPS:
            missing.append(
                {"kind": "items_needed", "n": math.ceil(target * due - reached - _EPS), "due": due}
            )
            missing += _listed(self._once("open_items", self._open_items).get(u.id, []))
        return self._share_task(task, u, reached, due, target, missing)

    # -- deputies (T07–T09) --------------------------------------------------------------------

    def _deputy_levels(self) -> dict[int, dict[DeputyLevel, int]]:
        stmt = (
            select(Deputy.township_id, Deputy.level, func.count(Deputy.id))
            .where(Deputy.active, Deputy.township_id.in_(self.ids))
            .group_by(Deputy.township_id, Deputy.level)
        )
        out: dict[int, dict[DeputyLevel, int]] = defaultdict(dict)
        for tid, level, n in self.s.exec(stmt).all():
            out[tid][DeputyLevel(level)] = int(n)
        return out

    def _contact_rows(self) -> dict[int, list[tuple[date, dict[DeputyLevel, int]]]]:
        """Per unit: each contact day with its active participants counted per deputy level."""
        stmt = (
            select(
                ContactDay.id,
                ContactDay.township_id,
                ContactDay.held_on,
                Deputy.level,
                func.count(Deputy.id),
            )
            .join(
                ContactDayParticipant,
                ContactDayParticipant.contact_day_id == ContactDay.id,
                isouter=True,
            )
            .join(
                Deputy,
                and_(Deputy.id == ContactDayParticipant.deputy_id, Deputy.active),
                isouter=True,
            )
            .where(
                ContactDay.held_on.between(self.start - timedelta(days=3), self.as_of),
                ContactDay.township_id.in_(self.ids),
            )
            .group_by(ContactDay.id, ContactDay.township_id, ContactDay.held_on, Deputy.level)
        )
        days: dict[int, tuple[int, date, dict]] = {}
        for cid, tid, held, level, n in self.s.exec(stmt).all():
            entry = days.setdefault(cid, (tid, held, {}))
            if level is not None:
                entry[2][DeputyLevel(level)] = int(n)
        out: dict[int, list] = defaultdict(list)
        for tid, held, levels in days.values():
            out[tid].append((held, levels))
        return out

    @staticmethod
    def _attending(u: _Unit, by_level: dict[DeputyLevel, int]) -> int:
        if u.unit_type in CONGRESS_TYPES:
            return by_level.get(DeputyLevel.township, 0)
        return sum(by_level.values())

    def _t07(self, task: TaskRule, u: _Unit) -> TaskStatus:
        rule = self.rules.contact_day
        should = self._attending(u, self._once("levels", self._deputy_levels).get(u.id, {}))
        held = self._once("contact", self._contact_rows).get(u.id, [])
        due = ok = 0
        missing: list[dict] = []
        upcoming = None
        for month in range(1, 13):
            allowed = contact_days_allowed(rule, self.year, month)
            on_time = [(d, lv) for d, lv in held if d in allowed and d <= self.as_of]
            if not on_time and allowed[-1] > self.as_of:
                upcoming = upcoming or date(self.year, month, rule.day_of_month)
                continue
            due += 1
            shares = [self._attending(u, lv) / should if should else 1.0 for _, lv in on_time]
            best = max(shares, default=None)
            if best is not None and best >= rule.min_participation - _EPS:
                ok += 1
            elif best is not None:
                missing.append(
                    {
                        "kind": "contact_day_low",
                        "month": month,
                        "share": best,
                        "min": rule.min_participation,
                    }
                )
            else:
                off = [d for d, _ in held if d.month == month and d.year == self.year]
                missing.append(
                    {
                        "kind": "contact_day_missed",
                        "month": month,
                        "day": date(self.year, month, rule.day_of_month),
                        "held_on": min(off) if off else None,
                    }
                )
        missing = _listed(missing)
        if upcoming is not None:
            missing.append({"kind": "contact_day_next", "day": upcoming})
        return self._share_task(task, u, ok, due, task.target, missing)

    def _member_counts(self) -> dict[int, tuple[int, int]]:
        need = self.rules.linkage.deputies_per_presidium_member
        linked = aliased(Deputy)
        links = (
            select(PresidiumLink.member_id, func.count(func.distinct(linked.id)).label("n"))
            .join(linked, and_(linked.id == PresidiumLink.deputy_id, linked.active))
            .group_by(PresidiumLink.member_id)
            .subquery()
        )
        n = func.coalesce(links.c.n, 0)
        stmt = (
            select(
                Deputy.township_id,
                func.count(Deputy.id),
                func.sum(case((n >= need, 1), else_=0)),
            )
            .join(links, links.c.member_id == Deputy.id, isouter=True)
            .where(_members(), Deputy.township_id.in_(self.ids))
            .group_by(Deputy.township_id)
        )
        short = (
            select(Deputy.township_id, Deputy.name, n)
            .join(links, links.c.member_id == Deputy.id, isouter=True)
            .where(_members(), Deputy.township_id.in_(self.ids), n < need)
            .order_by(Deputy.township_id, n, Deputy.id)
        )
        self._cache["members_short"] = _short_lists(
            self.s.exec(short).all(), "member_links_short", need
        )
        return {tid: (int(total), int(ok or 0)) for tid, total, ok in self.s.exec(stmt).all()}

    def _voter_counts(self) -> dict[int, tuple[int, int]]:
        need = self.rules.linkage.voters_per_deputy
        links = (
            select(VoterLink.deputy_id, func.count(func.distinct(Voter.id)).label("n"))
            .join(Voter, and_(Voter.id == VoterLink.voter_id, Voter.active))
            .join(Deputy, Deputy.id == VoterLink.deputy_id)
            .where(Voter.constituency_id == Deputy.constituency_id)
            .group_by(VoterLink.deputy_id)
            .subquery()
        )
        n = func.coalesce(links.c.n, 0)
        congress = Township.unit_type.in_(list(CONGRESS_TYPES))
        # A township deputy without a constituency is a gap to show, not one to leave out.
        eligible = and_(
            Deputy.active,
            Deputy.township_id.in_(self.ids),
            or_(
                and_(congress, Deputy.level == DeputyLevel.township),
                and_(~congress, Deputy.constituency_id.is_not(None)),
            ),
        )

        def over(*columns):
            return (
                select(Deputy.township_id, *columns)
                .join(Township, Township.id == Deputy.township_id)
                .join(links, links.c.deputy_id == Deputy.id, isouter=True)
                .where(eligible)
            )

        stmt = over(func.count(Deputy.id), func.sum(case((n >= need, 1), else_=0))).group_by(
            Deputy.township_id
        )
        short = over(Deputy.name, n).where(n < need).order_by(Deputy.township_id, n, Deputy.id)
        self._cache["voters_short"] = _short_lists(
            self.s.exec(short).all(), "deputy_voters_short", need
        )
        return {tid: (int(total), int(ok or 0)) for tid, total, ok in self.s.exec(stmt).all()}

    def _t08(self, task: TaskRule, u: _Unit) -> TaskStatus:
        halves = []
        missing: list[dict] = []
        if u.unit_type in CONGRESS_TYPES:
            halves.append(self._once("members", self._member_counts).get(u.id, (0, 0)))
            missing += _listed(self._cache.get("members_short", {}).get(u.id, []))
        halves.append(self._once("voters", self._voter_counts).get(u.id, (0, 0)))
        missing += _listed(self._cache.get("voters_short", {}).get(u.id, []))
        total = sum(h[0] for h in halves)
        ok = sum(h[1] for h in halves)
        shares = [h[1] / h[0] for h in halves if h[0]]
        value = min(shares) if shares else None
        return self._share_task(task, u, ok, total, task.target, missing, value=value)

    def _half_counts(self) -> tuple[dict, dict]:
        half = case((extract("month", Visit.held_on) <= 6, 1), else_=2)
        visits = self.s.exec(
            select(Visit.township_id, half, func.count(Visit.id))
            .where(Visit.held_on.between(self.start, self.as_of), Visit.township_id.in_(self.ids))
            .group_by(Visit.township_id, half)
        ).all()
        nhalf = case((extract("month", Notification.issued_on) <= 6, 1), else_=2)
        notices = self.s.exec(
            select(Notification.township_id, Notification.kind, nhalf, func.count(Notification.id))
            .where(
                Notification.issued_on.between(self.start, self.as_of),
                Notification.township_id.in_(self.ids),
            )
            .group_by(Notification.township_id, Notification.kind, nhalf)
        ).all()
        v = {(tid, int(h)): int(n) for tid, h, n in visits}
        k = {(tid, NotificationKind(kind), int(h)): int(n) for tid, kind, h, n in notices}
        return v, k

    def _t09(self, task: TaskRule, u: _Unit) -> TaskStatus:
        visits, notices = self._once("halves", self._half_counts)
        complete = 0
        gaps: list[dict] = []
        for half, (opens, closes) in enumerate(
            (
                (date(self.year, 1, 1), date(self.year, 6, 30)),
                (date(self.year, 7, 1), date(self.year, 12, 31)),
            ),
            start=1,
        ):
            if opens > self.as_of:
                break
            lacking = []
            if not visits.get((u.id, half)):
                lacking.append({"kind": "visit_needed"})
            for kind in NotificationKind:
                if not notices.get((u.id, kind, half)):
                    lacking.append({"kind": "notification_needed", "notification": kind})
            if not lacking:
                complete += 1
                continue
            over = closes <= self.as_of
            gaps += [{**g, "half": half, "deadline": closes, "overdue": over} for g in lacking]
        goal = task.target * 2
        status = self._count_task(task, u, complete, goal, "halves_needed")
        missing = () if status.status == "done" else tuple(gaps)
        return replace(status, missing=missing)

    # -- guarantees (T10) ----------------------------------------------------------------------

    def _integrated_counts(self) -> dict[int, int]:
        """Integrated activities on one of the year's themes with two or more deputy levels, per
        unit (a few dozen rows a year, read as every other service reads them)."""
        stmt = select(
            IntegratedActivity.township_id, IntegratedActivity.levels, IntegratedActivity.theme
        ).where(
            IntegratedActivity.held_on.between(self.start, self.as_of),
            IntegratedActivity.township_id.in_(self.ids),
        )
        out: dict[int, int] = defaultdict(int)
        for tid, levels, theme in self.s.exec(stmt).all():
            if len(levels_in(levels)) >= 2 and on_theme(theme, self.rules.themes):
                out[tid] += 1
        return dict(out)

    def _t10(self, task: TaskRule, u: _Unit) -> TaskStatus:
        held = self._once("integrated", self._integrated_counts).get(u.id, 0)
        return self._count_task(task, u, held, task.target, "integrated_needed")


def _complete():
    return and_(
        func.length(func.trim(Meeting.research)) > 0,
        func.length(func.trim(Meeting.deliberation)) > 0,
        func.length(func.trim(Meeting.follow_up)) > 0,
    )


def _members():
    return and_(Deputy.active, Deputy.is_presidium_member, Deputy.level == DeputyLevel.township)


def _short_lists(rows, kind: str, need: int) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for tid, name, have in rows:
        out[tid].append({"kind": kind, "name": name, "have": int(have), "need": need})
    return out


__all__ = [
    "MET",
    "STATUSES",
    "TASK_CODES",
    "ChecklistResult",
    "TaskStatus",
    "UnitChecklist",
    "checklist_status",
    "readable_checklist",
]
