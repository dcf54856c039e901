"""Closed years: once a year's appraisal is final the admin closes it, and its records stand.

- Nobody but the admin writes to a closed year, and the admin only after reopening it for a
  correction with a reason (audited); closing it again ends the correction.
- Every screen of a closed year says so, and how many changes were made after it was closed
  (``close_notice``), so a figure that moved after the meeting that used it is never a surprise.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from models import YearClose
from models.base import utcnow
from models.enums import AuditAction, Role
from services import audit
from services.errors import PermissionDenied, ValidationError
from services.permissions import Actor, require_admin
from services.validation import clean_text

MAX_REASON = 500


@dataclass(frozen=True)
class CloseNotice:
    year: int
    closed_at: datetime
    reopened: bool
    reopen_reason: str
    changes_after_close: int


def _row(session: Session, year: int) -> YearClose | None:
    return session.get(YearClose, int(year))


def _save(session: Session, actor: Actor, row: YearClose, after: dict) -> None:
    session.add(row)
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="year_close",
        entity_id=row.year,
        after=after,
    )
    session.commit()


def require_open(session: Session, actor: Actor, year: int | date) -> None:
    """Refuse a write to a closed year, unless the admin reopened it for a correction, which
    is then counted (in the caller's transaction: a write that fails counts nothing)."""
    year = year.year if isinstance(year, date) else int(year)
    row = _row(session, year)
    if row is None:
        return
    if actor.role == Role.district_admin and row.reopened_at is not None:
        row.corrections += 1
        session.add(row)
        return
    key = "error.year_closed_admin" if actor.role == Role.district_admin else "error.year_closed"
    raise PermissionDenied(key, year=year)


def close_year(session: Session, actor: Actor, year: int, *, reason: str = "") -> None:
    """Close a year (or end a correction of a closed one)."""
    require_admin(actor)
    reason = clean_text(reason, field="reason", limit=MAX_REASON)
    row = _row(session, year)
    if row is None:
        row = YearClose(year=int(year), closed_by_id=actor.id, reason=reason)
    elif row.reopened_at is None:
        raise ValidationError("years.error.already_closed", field="year", year=year)
    else:
        row.reopened_at = None
    _save(session, actor, row, {"closed": True, "reason": reason})


def reopen_year(session: Session, actor: Actor, year: int, *, reason: str) -> None:
    """Open a closed year for the admin's correction; the reason is required and audited."""
    require_admin(actor)
    reason = clean_text(reason, field="reason", limit=MAX_REASON, required=True)
    row = _row(session, year)
    if row is None:
        raise ValidationError("years.error.not_closed", field="year", year=year)
    row.reopened_at = utcnow()
    row.reopen_reason = reason
    _save(session, actor, row, {"reopened": True, "reason": reason})


def close_notice(session: Session, year: int) -> CloseNotice | None:
    """What every screen of a closed year says: since when, and how many changes came after."""
    row = _row(session, year)
    if row is None:
        return None
    return CloseNotice(
        year=row.year,
        closed_at=row.closed_at,
        reopened=row.reopened_at is not None,
        reopen_reason=row.reopen_reason,
        changes_after_close=row.corrections,
    )


def closed_years(session: Session) -> list[int]:
    return list(session.exec(select(YearClose.year).order_by(YearClose.year)).all())
