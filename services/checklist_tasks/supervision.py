"""Aspect B, supervision: T05 supervision activities and T06 closing the loop.

* T05 supervision activities held in the year ≤ as_of whose kind is one of the rule set's
  ``activity_kinds`` (``activity_counts``), against the schedule.
* T06 supervision items due (``item_due``: opened_on + the stage days of investigation,
  deliberation, assignment and follow-up falls in the year and ≤ as_of) whose current stage is
  feedback or closed (``item_reached_feedback``) / items due; target
  ``supervision.closure_target``. The stage is the item's current one, so for an as-of date in
  the past an item closed since then already counts.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_
from sqlmodel import func, select

from models import SupervisionActivity, SupervisionItem
from models.enums import SupervisionKind, SupervisionStage
from services.checklist_tasks.reader import TaskReader, Unit, record, tally
from services.rules import RuleSet, TaskRule
from services.task_status import EPS, TaskStatus, count_task, listed, share_task

# Stages whose deadlines make an item due for feedback (T06).
DUE_STAGES = (
    SupervisionStage.investigation,
    SupervisionStage.deliberation,
    SupervisionStage.assignment,
    SupervisionStage.follow_up,
)
REACHED_FEEDBACK = (SupervisionStage.feedback, SupervisionStage.closed)


# ---------------------------------------------------------------------------------------------
# T05 supervision activities


def activity_counts(rules: RuleSet):
    """T05: a supervision activity counts when the rule set counts its kind."""
    return SupervisionActivity.kind.in_(list(rules.supervision.activity_kinds))


def _activities_in_reach(reader: TaskReader):
    return and_(
        SupervisionActivity.held_on.between(reader.start, reader.as_of),
        SupervisionActivity.township_id.in_(reader.ids),
    )


def _activity_counts(reader: TaskReader) -> dict[int, int]:
    stmt = (
        select(SupervisionActivity.township_id, func.count(SupervisionActivity.id))
        .where(_activities_in_reach(reader), activity_counts(reader.rules))
        .group_by(SupervisionActivity.township_id)
    )
    return {tid: int(n) for tid, n in reader.session.exec(stmt).all()}


def t05_supervision_activities(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    return count_task(
        task,
        unit.id,
        reader.once(_activity_counts).get(unit.id, 0),
        task.target,
        year=reader.year,
        as_of=reader.as_of,
        missing_kind="activities_needed",
    )


def t05_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every supervision activity of the unit; those of a kind the rule set counts count."""
    stmt = (
        select(
            SupervisionActivity.held_on,
            SupervisionActivity.kind,
            SupervisionActivity.subject,
            SupervisionActivity.participants,
            activity_counts(reader.rules),
        )
        .where(_activities_in_reach(reader), SupervisionActivity.township_id == unit.id)
        .order_by(SupervisionActivity.held_on, SupervisionActivity.id)
    )
    return [
        record(held_on, SupervisionKind(kind).value, subject, counts=counts, value=participants)
        for held_on, kind, subject, participants, counts in reader.session.exec(stmt).all()
    ]


# ---------------------------------------------------------------------------------------------
# T06 closing the loop


def due_lag(rules: RuleSet) -> timedelta:
    """How long after its opening an item is due for feedback."""
    days = rules.supervision.stage_deadline_days
    return timedelta(days=sum(days[s] for s in DUE_STAGES))


def item_due(reader: TaskReader):
    """T06: an item is due for feedback when its due date falls in the year and ≤ as_of."""
    lag = due_lag(reader.rules)
    return and_(
        SupervisionItem.opened_on.between(reader.start - lag, reader.as_of - lag),
        SupervisionItem.township_id.in_(reader.ids),
    )


def item_reached_feedback():
    """T06: an item due counts once its stage is feedback or closed."""
    return SupervisionItem.stage.in_(list(REACHED_FEEDBACK))


def _item_counts(reader: TaskReader) -> dict[int, tuple[int, int]]:
    """Per unit: (items due, of them reached feedback)."""
    stmt = (
        select(
            SupervisionItem.township_id,
            func.count(SupervisionItem.id),
            tally(item_reached_feedback()),
        )
        .where(item_due(reader))
        .group_by(SupervisionItem.township_id)
    )
    return {tid: (int(n), int(r or 0)) for tid, n, r in reader.session.exec(stmt).all()}


@dataclass(frozen=True)
class _Item:
    township_id: int
    title: str
    due_on: date
    stage: SupervisionStage
    reached: bool


def _items(reader: TaskReader, *where) -> list[_Item]:
    """The items due, oldest first."""
    lag = due_lag(reader.rules)
    stmt = (
        select(
            SupervisionItem.township_id,
            SupervisionItem.title,
            SupervisionItem.opened_on,
            SupervisionItem.stage,
            item_reached_feedback(),
        )
        .where(item_due(reader), *where)
        .order_by(SupervisionItem.opened_on, SupervisionItem.id)
    )
    return [
        _Item(tid, title, opened + lag, SupervisionStage(stage), bool(reached))
        for tid, title, opened, stage, reached in reader.session.exec(stmt).all()
    ]


def _open_items(reader: TaskReader) -> dict[int, list[_Item]]:
    out: dict[int, list[_Item]] = {}
    for item in _items(reader, ~item_reached_feedback()):
        out.setdefault(item.township_id, []).append(item)
    return out


def t06_closed_loop(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    due, reached = reader.once(_item_counts).get(unit.id, (0, 0))
    target = reader.rules.supervision.closure_target
    missing: list[dict] = []
    if due and reached / due < target - EPS:
        missing.append(
            {"kind": "items_needed", "n": math.ceil(target * due - reached - EPS), "due": due}
        )
        missing += listed(
            [
                {"kind": "item_not_closed", "title": i.title, "due_on": i.due_on, "stage": i.stage}
                for i in reader.once(_open_items).get(unit.id, [])
            ]
        )
    return share_task(
        task,
        unit.id,
        reached,
        due,
        target=target,
        missing=missing,
        year=reader.year,
        as_of=reader.as_of,
    )


def t06_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """The items due, dated by when they were due; those that reached feedback count."""
    return [
        record(i.due_on, "item", i.title, counts=i.reached, detail=i.stage.value)
        for i in _items(reader, SupervisionItem.township_id == unit.id)
    ]
