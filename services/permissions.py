"""Who may read and write what. Every service write calls ``require_write`` first."""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from models.enums import Role
from services.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the services see it (a plain value, safe to cache and pass around)."""

    id: int | None
    username: str
    role: Role
    township_id: int | None = None
    display_name: str = ""
    must_change_password: bool = False

    @property
    def is_district(self) -> bool:
        return self.role in (Role.district_admin, Role.district_leader)


SYSTEM = Actor(id=None, username="system", role=Role.district_admin)


def can_read_township(actor: Actor, township_id: int) -> bool:
    return actor.is_district or actor.township_id == township_id


def readable_township_ids(actor: Actor, township_id: int | None = None) -> list[int] | None:
    """The units the actor may read: None means every unit; a clerk reads only their own.

    With ``township_id``, only that unit, and no unit at all when the actor may not read it.
    """
    if actor.is_district:
        ids = None
    else:
        ids = [actor.township_id] if actor.township_id is not None else []
    if township_id is None:
        return ids
    return [township_id] if ids is None or township_id in ids else []


Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def scope_to_readable(
    stmt: Query,
    column: InstrumentedAttribute[Any] | Any,
    actor: Actor,
    township_id: int | None = None,
) -> Query:
    """``stmt`` limited to rows whose unit ``column`` the actor may read, and to
    ``township_id`` when given (no rows at all when that unit is not readable)."""
    return scope_to_units(stmt, column, readable_township_ids(actor, township_id))


def scope_to_units(
    stmt: Query, column: InstrumentedAttribute[Any] | Any, ids: list[int] | None
) -> Query:
    """``stmt`` limited to rows whose unit ``column`` is one of ``ids`` (None: every unit), as
    given by ``readable_township_ids``."""
    return stmt if ids is None else stmt.where(column.in_(ids))


def require_read(actor: Actor, township_id: int) -> None:
    if not can_read_township(actor, township_id):
        raise PermissionDenied("error.permission.other_township")


def require_write(actor: Actor, township_id: int | None) -> None:
    """District admin writes anywhere; a clerk writes only their own township; leaders read."""
    if actor.role == Role.district_admin:
        return
    if actor.role == Role.district_leader:
        raise PermissionDenied("error.permission.read_only")
    if township_id is None or actor.township_id != township_id:
        raise PermissionDenied("error.permission.other_township")


def require_admin(actor: Actor) -> None:
    if actor.role != Role.district_admin:
        raise PermissionDenied("error.permission.admin_only")
