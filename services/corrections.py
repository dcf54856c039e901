"""Correcting and withdrawing a record after it was saved.

Every record a clerk enters can be corrected or withdrawn by that unit's clerk and by the
district admin. The rules are the same for every kind of record, so they live here:

- **who**: a writer of the record's unit (``require_write``);
- **when**: only while the record's year is open; a closed year takes the admin reopening it
  (``years.require_open``);
- **why**: a correction or withdrawal states a reason, kept in the audit log beside the
  record before and after;
- **what depends on it**: a record other records point at (a contact day an item grew from, a
  budget with expenses) is not withdrawn; the refusal (``InUse``) names what depends on it.

A service's ``correct_…``/``withdraw_…`` function loads the row, calls ``check_change``, applies
its own field checks, and ends with ``corrected`` or ``withdrawn`` (one commit).
"""

from datetime import date
from typing import Any

from sqlmodel import Session, SQLModel

from models.base import utcnow
from models.enums import AuditAction
from services import audit, years
from services.errors import InUse
from services.permissions import Actor, require_write
from services.validation import clean_text

MAX_REASON = 500


def reason_of(value: Any) -> str:
    """The stated reason of a correction or withdrawal: required, at most 500 characters."""
    return clean_text(
        value, field="reason", limit=MAX_REASON, required=True, required_key="error.reason_required"
    )


def check_change(
    session: Session, actor: Actor, township_id: int | None, year: int | date, reason: Any
) -> str:
    """May ``actor`` change a record of ``township_id`` dated in ``year``? Returns the cleaned
    reason, or raises (permission, closed year, missing reason)."""
    require_write(actor, township_id)
    years.require_open(session, actor, year)
    return reason_of(reason)


def refuse_if_depended(dependents: dict[str, int]) -> None:
    """Raise ``InUse`` naming the dependents that exist (kinds with a count above zero)."""
    standing = {kind: n for kind, n in dependents.items() if n}
    if standing:
        raise InUse(standing)


def corrected(
    session: Session,
    actor: Actor,
    row: SQLModel,
    *,
    entity: str,
    township_id: int | None,
    before: dict[str, Any] | None,
    reason: str,
    extra_after: dict[str, Any] | None = None,
) -> int:
    """End of a correction: write ``row``, audit before → after with the reason, commit."""
    session.add(row)
    session.flush()
    after = (audit.snapshot(row) or {}) | (extra_after or {})
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity=entity,
        entity_id=audit.key_of(row),
        township_id=township_id,
        before=before,
        after=after,
        reason=reason,
    )
    session.commit()
    return audit.key_of(row)


def apply(
    session: Session,
    actor: Actor,
    row: SQLModel,
    values: dict[str, Any],
    *,
    entity: str,
    reason: str,
) -> int:
    """A correction of ``row`` (a record of a unit, with ``township_id`` and ``updated_at``) to
    the checked ``values``: set them, audit before → after with the reason, commit."""
    before = audit.snapshot(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    return corrected(
        session,
        actor,
        row,
        entity=entity,
        township_id=row.township_id,
        before=before,
        reason=reason,
    )


def withdrawn(
    session: Session,
    actor: Actor,
    row: SQLModel,
    *,
    entity: str,
    township_id: int | None,
    before: dict[str, Any] | None,
    reason: str,
) -> None:
    """End of a withdrawal: delete ``row`` (its children are the caller's to delete first),
    audit what it was with the reason, commit."""
    key = audit.key_of(row)
    session.delete(row)
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity=entity,
        entity_id=key,
        township_id=township_id,
        before=before,
        reason=reason,
    )
    session.commit()
