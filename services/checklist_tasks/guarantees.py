"""Aspect D, guarantees and integrated work: T10 integrated five-level activities.

* T10 integrated activities held in the year ≤ as_of that count (``integrated_counts``): with
  deputies of two or more levels, on the district's theme of the year; against the schedule.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from models import IntegratedActivity
from models.enums import levels_in, on_theme
from services.checklist_tasks.reader import TaskReader, Unit, record
from services.rules import RuleSet, TaskRule
from services.task_status import TaskStatus, count_task


def integrated_counts(rules: RuleSet, levels: str, theme: str) -> bool:
    """T10: an integrated activity counts when deputies of two or more levels took part and it
    was held on the district's theme of the year."""
    return len(levels_in(levels)) >= 2 and on_theme(theme, rules.themes)


@dataclass(frozen=True)
class _Activity:
    held_on: date
    title: str
    participants: int
    levels: str
    theme: str


def _integrated_activities(reader: TaskReader) -> dict[int, list[_Activity]]:
    """Per unit, oldest first: its integrated activities (a few dozen rows a year, read whole
    because what counts is decided on their text)."""
    stmt = (
        select(
            IntegratedActivity.township_id,
            IntegratedActivity.held_on,
            IntegratedActivity.title,
            IntegratedActivity.participants,
            IntegratedActivity.levels,
            IntegratedActivity.theme,
        )
        .where(
            IntegratedActivity.held_on.between(reader.start, reader.as_of),
            IntegratedActivity.township_id.in_(reader.ids),
        )
        .order_by(IntegratedActivity.held_on, IntegratedActivity.id)
    )
    out: dict[int, list[_Activity]] = {}
    for tid, *values in reader.session.exec(stmt).all():
        out.setdefault(tid, []).append(_Activity(*values))
    return out


def t10_integrated_activities(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    held = sum(
        integrated_counts(reader.rules, a.levels, a.theme)
        for a in reader.once(_integrated_activities).get(unit.id, [])
    )
    return count_task(
        task,
        unit.id,
        held,
        task.target,
        year=reader.year,
        as_of=reader.as_of,
        missing_kind="integrated_needed",
    )


def t10_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every integrated activity with the levels that took part; those that count, count."""
    return [
        record(
            a.held_on,
            "integrated",
            a.title,
            counts=integrated_counts(reader.rules, a.levels, a.theme),
            value=a.participants,
            detail=",".join(lv for lv in (a.levels or "").split(",") if lv),
            text=a.theme,
        )
        for a in reader.once(_integrated_activities).get(unit.id, [])
    ]
