"""The task list (一张清单): the status of the ten annual tasks T01–T10 of every unit, and the
records behind each one.

``checklist_status(session, year, as_of)`` reads the records and the year's rule set (the latest
stored version, so an edit by the district admin takes effect on the next call) and nothing
else. All counting happens in a fixed handful of GROUP BY queries, whatever the number of units:
each task of ``services.checklist_tasks.TASKS`` asks a shared reader, which runs each query once
for all the units. A task that does not apply to a unit's type is ``not_applicable``; a hand mark
(TaskMark) settles an applicable task as ``done``. How a count or a share becomes a status is in
``services.task_status``.

``cell_records`` lists the records behind one unit's task, through the same task's own records
function: what a cell shows as counted is what its count counted.
"""

from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
from sqlmodel import Session, select

from models import TaskMark, Township
from models.enums import UnitType
from models.rules import RuleSet as RuleSetRow
from services import org, unit_figures
from services.checklist_tasks import RECORD_COLUMNS, TASKS, TaskReader, Unit
from services.errors import ValidationError
from services.permissions import Actor, readable_township_ids, require_read
from services.reads import Reads, shared
from services.rules import TASK_CODES, get_rules
from services.task_status import TaskStatus, clamp_as_of, not_applicable
from services.unit_figures import Kept


@dataclass(frozen=True)
class UnitChecklist(org.NamedUnit, Kept):
    township_id: int
    code: str
    name_zh: str
    name_en: str
    unit_type: UnitType
    tasks: tuple[TaskStatus, ...]

    def task(self, code: str) -> TaskStatus:
        return next(t for t in self.tasks if t.code == code)

    @property
    def applicable(self) -> int:
        return sum(t.status != "not_applicable" for t in self.tasks)

    @property
    def met(self) -> int:
        return sum(t.met for t in self.tasks)


FRAME_COLUMNS = [
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
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def rules_version(session: Session, year: int) -> int:
    """The version number of the rule set in force for the year (0 when there is none)."""
    row = session.exec(
        select(RuleSetRow.version)
        .where(RuleSetRow.year <= year)
        .order_by(RuleSetRow.year.desc(), RuleSetRow.version.desc())
    ).first()
    return int(row or 0)


def _hand_marks(reader: TaskReader) -> dict[tuple[int, str], str]:
    """(unit, task code) -> the evidence of the hand mark that settles it."""
    rows = reader.session.exec(
        select(TaskMark.township_id, TaskMark.task_code, TaskMark.evidence).where(
            TaskMark.year == reader.year, TaskMark.done, TaskMark.township_id.in_(reader.ids)
        )
    ).all()
    return {(tid, code): evidence for tid, code, evidence in rows}


def checklist_status(
    session: Session,
    year: int,
    as_of: date,
    township_ids: list[int] | None = None,
    *,
    reads: Reads | None = None,
) -> ChecklistResult:
    """Every task's status for the active units (all, or those of ``township_ids``); read once
    per data version when a shared ``reads`` bundle is given (``services.reads``)."""
    key = ("checklist", year, clamp_as_of(year, as_of), _scope_key(township_ids))
    return shared(reads, key, lambda: _checklist_status(session, year, as_of, township_ids))


def _scope_key(ids: list[int] | None) -> tuple[int, ...] | None:
    return None if ids is None else tuple(sorted(ids))


def _checklist_status(
    session: Session, year: int, as_of: date, township_ids: list[int] | None
) -> ChecklistResult:
    as_of = clamp_as_of(year, as_of)
    version = rules_version(session, year)
    stmt = select(Township).where(Township.active).order_by(Township.sort_order, Township.id)
    if township_ids is not None:
        stmt = stmt.where(Township.id.in_(township_ids))
    units = [
        Unit(t.id, t.code, t.name_zh, t.name_en, UnitType(t.unit_type))
        for t in session.exec(stmt).all()
    ]
    if not units:
        return ChecklistResult(year, as_of, version, ())
    by_id = {u.id: u for u in units}

    def compute(ids: list[int]) -> dict[int, UnitChecklist]:
        return {
            c.township_id: c
            for c in _unit_checklists(session, year, as_of, [by_id[i] for i in ids])
        }

    kept = unit_figures.per_unit(
        session, "checklist", year=year, as_of=as_of, ids=list(by_id), compute=compute
    )
    return ChecklistResult(year, as_of, version, tuple(kept[u.id] for u in units))


def _unit_checklists(
    session: Session, year: int, as_of: date, units: list[Unit]
) -> list[UnitChecklist]:
    """Each unit's ten tasks, read with one set of grouped queries for all of ``units``."""
    rules = get_rules(session, year)
    reader = TaskReader(session, rules, year, as_of, [u.id for u in units])
    marks = _hand_marks(reader)
    results = []
    for u in units:
        tasks = []
        for task in rules.checklist.tasks:
            counted = TASKS[task.code]
            if u.unit_type not in task.applies_to:
                tasks.append(not_applicable(task, u.id, counted.measure))
                continue
            status = counted.status(reader, task, u)
            mark = marks.get((u.id, task.code))
            if mark is not None:
                status = replace(
                    status, status="done", missing=(), hand_mark=True, mark_evidence=mark
                )
            tasks.append(status)
        results.append(UnitChecklist(u.id, u.code, u.name_zh, u.name_en, u.unit_type, tuple(tasks)))
    return results


def readable_checklist(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
    reads: Reads | None = None,
) -> ChecklistResult:
    """checklist_status over what the actor may read (a clerk: their own unit only)."""
    ids = readable_township_ids(actor, township_id)
    return checklist_status(session, year, as_of, ids, reads=reads)


def cell_records(
    session: Session, actor: Actor, *, year: int, as_of: date, township_id: int, task_code: str
) -> pd.DataFrame:
    """The records behind one cell of the task matrix, each flagged whether the task counted it.

    Columns: date, kind (a code: meeting kind, activity kind, stage …), title (as entered),
    value (attendance, topics, participants or links, by task), counts (bool), detail (codes,
    comma-separated: missing record parts, the item's stage, the deputy levels), text (topics).
    """
    require_read(actor, township_id)
    if task_code not in TASK_CODES:
        raise ValidationError("checklist.error.task_code", field="task_code")
    info = org.active_township(session, township_id)
    unit = Unit(info.id, info.code, info.name_zh, info.name_en, UnitType(info.unit_type))
    reader = TaskReader(
        session, get_rules(session, year), year, clamp_as_of(year, as_of), [unit.id]
    )
    return pd.DataFrame(TASKS[task_code].records(reader, unit), columns=RECORD_COLUMNS)


__all__ = [
    "ChecklistResult",
    "UnitChecklist",
    "cell_records",
    "checklist_status",
    "readable_checklist",
    "rules_version",
]
