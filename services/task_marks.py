"""Hand marks: the district admin settles a task of a unit as done, with evidence, where the
records cannot show it (DOMAIN: "a task can also be marked by hand"). The task list shows a
marked task as done and as marked; every mark and its removal is audited.
"""

import pandas as pd
from sqlmodel import Session, select

from models import TaskMark, Township
from models.base import utcnow
from models.enums import AuditAction
from services import audit, years
from services.errors import NotFound, ValidationError
from services.org import active_township
from services.permissions import Actor, require_admin, scope_to_readable
from services.rules import TASK_CODES
from services.validation import clean_text

# Input limit: a sanity bound of the form, not a rule of the district.
MAX_EVIDENCE = 2000


def _mark(session: Session, township_id: int, year: int, task_code: str) -> TaskMark | None:
    return session.exec(
        select(TaskMark).where(
            TaskMark.township_id == township_id,
            TaskMark.year == year,
            TaskMark.task_code == task_code,
        )
    ).first()


def set_task_mark(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    year: int,
    task_code: str,
    evidence: str,
) -> int:
    """Settle a task as done by hand, with the evidence (district admin only). Returns its id."""
    require_admin(actor)
    if task_code not in TASK_CODES:
        raise ValidationError("checklist.error.task_code", field="task_code")
    active_township(session, township_id)
    evidence = clean_text(
        evidence,
        field="evidence",
        limit=MAX_EVIDENCE,
        required=True,
        required_key="checklist.error.evidence_required",
        too_long_key="checklist.error.too_long.evidence",
    )
    years.require_open(session, actor, year)
    row = _mark(session, township_id, year, task_code)
    before = audit.snapshot(row)
    if row is None:
        row = TaskMark(township_id=township_id, year=year, task_code=task_code, evidence="")
    row.done = True
    row.evidence = evidence
    row.marked_at = utcnow()
    row.marked_by_id = actor.id
    return audit.save(
        session, actor, row, entity="task_mark", township_id=township_id, before=before
    )


def clear_task_mark(
    session: Session, actor: Actor, *, township_id: int, year: int, task_code: str
) -> None:
    """Remove a hand mark; the task goes back to what the records show."""
    require_admin(actor)
    years.require_open(session, actor, year)
    row = _mark(session, township_id, year, task_code)
    if row is None:
        raise NotFound("checklist.error.mark_not_found")
    before = audit.snapshot(row)
    session.delete(row)
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity="task_mark",
        entity_id=audit.key_of(row),
        township_id=township_id,
        before=before,
    )
    session.commit()


def list_task_marks(session: Session, actor: Actor, *, year: int) -> pd.DataFrame:
    """The hand marks of the year on the units the actor may read, in the district's order."""
    stmt = (
        select(
            TaskMark.township_id,
            Township.name_zh,
            Township.name_en,
            TaskMark.task_code,
            TaskMark.evidence,
            TaskMark.marked_at,
        )
        .join(Township, Township.id == TaskMark.township_id)
        .where(TaskMark.year == year, TaskMark.done)
        .order_by(Township.sort_order, TaskMark.task_code)
    )
    stmt = scope_to_readable(stmt, TaskMark.township_id, actor)
    columns = ["township_id", "name_zh", "name_en", "task", "evidence", "marked_at"]
    return pd.DataFrame(session.exec(stmt).all(), columns=columns)


__all__ = ["MAX_EVIDENCE", "clear_task_mark", "list_task_marks", "set_task_mark"]
