"""Who may read and write what. Every service write calls ``require_write`` first."""

from dataclasses import dataclass

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


def readable_township_ids(actor: Actor) -> list[int] | None:
    """None means every township; a clerk reads only their own."""
    if actor.is_district:
        return None
    return [actor.township_id] if actor.township_id is not None else []


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
