"""Units of the district (add, rename, retire) and the organisation guarantee (三个一)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from models import OrgGuarantee, Township
from models.base import utcnow
from models.enums import AuditAction, UnitType
from services import audit
from services.errors import NotFound, ValidationError
from services.permissions import Actor, require_admin, require_write, scope_to_readable
from services.validation import clean_text

MAX_NAME = 40


class NamedUnit:
    """A unit's name in either language, for any record that carries both."""

    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class TownshipInfo(NamedUnit):
    id: int
    code: str
    name_zh: str
    name_en: str
    unit_type: UnitType
    population: int | None
    active: bool


def _info(row: Township) -> TownshipInfo:
    return TownshipInfo(
        id=row.id,
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        unit_type=row.unit_type,
        population=row.population,
        active=row.active,
    )


def list_townships(
    session: Session, actor: Actor | None = None, *, include_retired: bool = False
) -> list[TownshipInfo]:
    """Units in the district's order; a clerk sees only their own."""
    stmt = select(Township).order_by(Township.sort_order, Township.id)
    if not include_retired:
        stmt = stmt.where(Township.active)
    if actor is not None:
        stmt = scope_to_readable(stmt, Township.id, actor)
    return [_info(r) for r in session.exec(stmt).all()]


def get_township(session: Session, township_id: int) -> TownshipInfo:
    row = session.get(Township, township_id)
    if row is None:
        raise NotFound("error.not_found.township", id=township_id)
    return _info(row)


def active_township(session: Session, township_id: int) -> TownshipInfo:
    """The unit, or NotFound when there is none or it is retired: records are entered and
    listed for active units only."""
    row = session.get(Township, township_id)
    if row is None or not row.active:
        raise NotFound("error.not_found.township", id=township_id)
    return _info(row)


def _clean_name(value: str, field: str) -> str:
    return clean_text(value, field=field, limit=MAX_NAME, required=True)


def add_township(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    unit_type: UnitType,
    population: int | None = None,
) -> int:
    require_admin(actor)
    code = _clean_name(code, "code").lower()
    if session.exec(select(Township.id).where(Township.code == code)).first():
        raise ValidationError("error.duplicate.township", field="code", code=code)
    if population is not None and population < 0:
        raise ValidationError("error.negative", field="population")
    last = session.exec(select(Township.sort_order).order_by(Township.sort_order.desc())).first()
    row = Township(
        code=code,
        name_zh=_clean_name(name_zh, "name_zh"),
        name_en=_clean_name(name_en, "name_en"),
        unit_type=UnitType(unit_type),
        population=population,
        sort_order=(last or 0) + 1,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="township",
        entity_id=row.id,
        township_id=row.id,
        after=audit.snapshot(row),
    )
    session.commit()
    return audit.key_of(row)


def update_township(
    session: Session,
    actor: Actor,
    township_id: int,
    *,
    name_zh: str | None = None,
    name_en: str | None = None,
    active: bool | None = None,
) -> None:
    """Rename or retire (active=False) a unit; its records stay."""
    require_admin(actor)
    row = session.get(Township, township_id)
    if row is None:
        raise NotFound("error.not_found.township", id=township_id)
    before = audit.snapshot(row)
    if name_zh is not None:
        row.name_zh = _clean_name(name_zh, "name_zh")
    if name_en is not None:
        row.name_en = _clean_name(name_en, "name_en")
    if active is not None:
        row.active = active
    audit.save(session, actor, row, entity="township", township_id=township_id, before=before)


def set_three_ones(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    year: int,
    has_department: bool,
    has_fulltime_staff: bool,
    has_training_mechanism: bool,
    note: str = "",
) -> int:
    """Record a unit's "three ones" for a year (creates or updates the year's row)."""
    require_write(actor, township_id)
    get_township(session, township_id)
    note = clean_text(note, field="note", limit=500)
    row = session.exec(
        select(OrgGuarantee).where(
            OrgGuarantee.township_id == township_id, OrgGuarantee.year == year
        )
    ).first()
    before = audit.snapshot(row)
    if row is None:
        row = OrgGuarantee(township_id=township_id, year=year, entered_by_id=actor.id)
    row.has_department = has_department
    row.has_fulltime_staff = has_fulltime_staff
    row.has_training_mechanism = has_training_mechanism
    row.note = note
    if before is not None:
        row.updated_at = utcnow()
    return audit.save(
        session, actor, row, entity="org_guarantee", township_id=township_id, before=before
    )
