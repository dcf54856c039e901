"""The audit log: who did what, when, with the record before and after."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pandas as pd
from sqlmodel import Session, SQLModel, select

from models import AuditLog
from services.permissions import Actor


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's columns."""
    if obj is None:
        return None
    return {k: _json_safe(v) for k, v in obj.model_dump().items()}


def key_of(row: SQLModel) -> int:
    """The primary key of a row that has been flushed (the database has given it its id)."""
    key = getattr(row, "id", None)
    if not isinstance(key, int):
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return key


def _json_safe(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def record(
    session: Session,
    actor: Actor,
    *,
    action: str,
    entity: str,
    entity_id: int | None = None,
    township_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction (the caller commits once)."""
    row = AuditLog(
        user_id=actor.id,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        township_id=township_id,
        before=_json_safe(before) if before else None,
        after=_json_safe(after) if after else None,
        reason=reason or None,
    )
    session.add(row)
    return row


def save(
    session: Session,
    actor: Actor,
    row: SQLModel,
    *,
    entity: str,
    township_id: int | None,
    before: dict[str, Any] | None = None,
) -> int:
    """The last step of a service's create or update: write ``row``, audit it (a creation when
    there is no ``before``, else an update from ``before``), commit, and return its id."""
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        action="update" if before is not None else "create",
        entity=entity,
        entity_id=key_of(row),
        township_id=township_id,
        before=before,
        after=snapshot(row),
    )
    session.commit()
    return key_of(row)


def insert(
    session: Session, actor: Actor, row: SQLModel, *, entity: str, township_id: int | None
) -> int:
    """``save`` of a new row: add it, audit its creation, commit, return its id."""
    return save(session, actor, row, entity=entity, township_id=township_id)


def recent(session: Session, *, limit: int = 200, entity: str | None = None) -> pd.DataFrame:
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    rows = session.exec(stmt).all()
    return pd.DataFrame(
        [
            {
                "at": r.at,
                "username": r.username,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "before": r.before,
                "after": r.after,
                "reason": r.reason,
            }
            for r in rows
        ],
        columns=["at", "username", "action", "entity", "entity_id", "before", "after", "reason"],
    )
