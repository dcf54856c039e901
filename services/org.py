"""Units of the district (add, rename, retire) and the organisation guarantee (三个一)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from models import County, OrgGuarantee, Township
from models.base import utcnow
from models.enums import AuditAction, UnitType
from services import audit, corrections, years
from services.errors import NotFound, ValidationError
from services.evidence import (
    AcceptedFile,
    Evidence,
    Upload,
    check_uploads,
    compose_evidence,
    parse_evidence,
    store_file,
)
from services.permissions import (
    Actor,
    require_admin,
    require_read,
    require_write,
    scope_to_readable,
)
from services.validation import clean_text, past_date

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
    parent_id: int | None = None  # its county-level district (County), if any


def _info(row: Township) -> TownshipInfo:
    return TownshipInfo(
        id=row.id,
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        unit_type=row.unit_type,
        population=row.population,
        active=row.active,
        parent_id=row.parent_id,
    )


def list_townships(
    session: Session, actor: Actor | None = None, *, include_retired: bool = False
) -> list[TownshipInfo]:
    """Units in the district's order; a clerk sees only their own."""
    # Columns, not ORM objects: a province lists 1,400 units on many reads.
    stmt = select(
        Township.id,
        Township.code,
        Township.name_zh,
        Township.name_en,
        Township.unit_type,
        Township.population,
        Township.active,
        Township.parent_id,
    ).order_by(Township.sort_order, Township.id)
    if not include_retired:
        stmt = stmt.where(Township.active)
    if actor is not None:
        stmt = scope_to_readable(stmt, Township.id, actor)
    return [TownshipInfo(*row) for row in session.exec(stmt).all()]


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
    parent_id: int | None = None,
) -> int:
    require_admin(actor)
    _check_parent(session, parent_id)
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
        parent_id=parent_id,
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
    parent_id: int | None = None,
    no_parent: bool = False,
) -> None:
    """Rename or retire (active=False) a unit, or move it to another county-level district
    (``parent_id``; ``no_parent`` takes it out of any); its records stay."""
    require_admin(actor)
    row = session.get(Township, township_id)
    if row is None:
        raise NotFound("error.not_found.township", id=township_id)
    before = audit.snapshot(row)
    if no_parent:
        row.parent_id = None
    elif parent_id is not None:
        _check_parent(session, parent_id)
        row.parent_id = parent_id
    if name_zh is not None:
        row.name_zh = _clean_name(name_zh, "name_zh")
    if name_en is not None:
        row.name_en = _clean_name(name_en, "name_en")
    if active is not None:
        row.active = active
    audit.save(session, actor, row, entity="township", township_id=township_id, before=before)


# ---------------------------------------------------------------------------------------------
# County-level districts (区县), the parents units are grouped by at city or province scale


@dataclass(frozen=True)
class CountyInfo(NamedUnit):
    id: int
    code: str
    name_zh: str
    name_en: str


def list_counties(session: Session) -> list[CountyInfo]:
    """The county-level districts, in their order (none for a platform of one district)."""
    rows = session.exec(select(County).order_by(County.sort_order, County.id)).all()
    return [CountyInfo(r.id, r.code, r.name_zh, r.name_en) for r in rows]


def _check_parent(session: Session, parent_id: int | None) -> None:
    if parent_id is not None and session.get(County, parent_id) is None:
        raise ValidationError("units.error.no_parent", field="parent_id")


def add_county(session: Session, actor: Actor, *, code: str, name_zh: str, name_en: str) -> int:
    """A county-level district units can then belong to."""
    require_admin(actor)
    code = _clean_name(code, "code").lower()
    if session.exec(select(County.id).where(County.code == code)).first():
        raise ValidationError("error.duplicate.township", field="code", code=code)
    last = session.exec(select(County.sort_order).order_by(County.sort_order.desc())).first()
    row = County(
        code=code,
        name_zh=_clean_name(name_zh, "name_zh"),
        name_en=_clean_name(name_en, "name_en"),
        sort_order=(last or 0) + 1,
    )
    return audit.save(session, actor, row, entity="county", township_id=None)


# ---------------------------------------------------------------------------------------------
# The three ones (三个一)

MAX_DEPARTMENT = 100
MAX_STAFF_NAME = 40
MAX_TRAINING_TITLE = 200
MAX_EVIDENCE_NOTE = 500
THREE_ONES = ("department", "staff", "training")
NO_EVIDENCE = Evidence("", ())


@dataclass(frozen=True)
class ThreeOnes:
    """A unit's three ones of a year: each one's details, its evidence, and whether it is had.

    A one is had when its details are complete and it has evidence (a note or a file): the
    department by its name; the full-time staff member by name and the date since when; the
    training mechanism by its document's title and date. Nothing recorded, nothing had.
    """

    township_id: int
    year: int
    department_name: str = ""
    department_evidence: Evidence = NO_EVIDENCE
    staff_name: str = ""
    staff_since: date | None = None
    staff_evidence: Evidence = NO_EVIDENCE
    training_title: str = ""
    training_date: date | None = None
    training_evidence: Evidence = NO_EVIDENCE
    has_department: bool = False
    has_fulltime_staff: bool = False
    has_training_mechanism: bool = False

    @property
    def had(self) -> int:
        return sum((self.has_department, self.has_fulltime_staff, self.has_training_mechanism))


def _has_evidence(evidence: str) -> bool:
    parsed = parse_evidence(evidence)
    return bool(parsed.text or parsed.files)


def _three_ones_of(row: OrgGuarantee) -> ThreeOnes:
    return ThreeOnes(
        township_id=row.township_id,
        year=row.year,
        department_name=row.department_name,
        department_evidence=parse_evidence(row.department_evidence),
        staff_name=row.staff_name,
        staff_since=row.staff_since,
        staff_evidence=parse_evidence(row.staff_evidence),
        training_title=row.training_title,
        training_date=row.training_date,
        training_evidence=parse_evidence(row.training_evidence),
        has_department=row.has_department,
        has_fulltime_staff=row.has_fulltime_staff,
        has_training_mechanism=row.has_training_mechanism,
    )


def _org_row(session: Session, township_id: int, year: int) -> OrgGuarantee | None:
    return session.exec(
        select(OrgGuarantee).where(
            OrgGuarantee.township_id == township_id, OrgGuarantee.year == year
        )
    ).first()


def three_ones(session: Session, actor: Actor, township_id: int, year: int) -> ThreeOnes:
    """The unit's three ones of the year (all empty when nothing is recorded)."""
    require_read(actor, township_id)
    row = _org_row(session, township_id, year)
    return _three_ones_of(row) if row else ThreeOnes(township_id=township_id, year=year)


def three_ones_table(session: Session, actor: Actor, year: int) -> list[ThreeOnes]:
    """The three ones of the year of every unit the actor reads, in the district's order."""
    units = list_townships(session, actor)
    rows = {
        r.township_id: r
        for r in session.exec(
            select(OrgGuarantee).where(
                OrgGuarantee.year == year, OrgGuarantee.township_id.in_([u.id for u in units])
            )
        ).all()
    }
    return [
        _three_ones_of(rows[u.id]) if u.id in rows else ThreeOnes(township_id=u.id, year=year)
        for u in units
    ]


def _one_evidence(old: str, note: str, files: Sequence[AcceptedFile]) -> str:
    """One's evidence: the note as now written, the files kept so far and the new ones."""
    kept = parse_evidence(old).files
    return compose_evidence(note, [*kept, *(store_file(f) for f in files)])


def _check_date(value: date | None, year: int, field: str, today: date | None) -> None:
    """A date of the three ones (an appointment, a document issued) has happened, and not after
    the record's year."""
    if value is None:
        return
    past_date(value, field=field, today=today)
    if value > date(year, 12, 31):
        raise ValidationError("guarantees.error.date_after_year", field=field, year=year)


# The saved values of a three-ones record; changing one that was filled in is a correction.
_ONES_FIELDS = (
    "department_name",
    "staff_name",
    "staff_since",
    "training_title",
    "training_date",
)
_ONES_NOTES = ("department", "staff", "training")


def _corrects(row: OrgGuarantee, new: dict[str, object], notes: dict[str, str]) -> bool:
    """Whether saving ``new`` and ``notes`` over ``row`` changes or clears a value already saved
    (filling in a blank or adding files is not a correction)."""
    for name in _ONES_FIELDS:
        old = getattr(row, name)
        if old not in (None, "") and old != new[name]:
            return True
    for one in _ONES_NOTES:
        old_note = parse_evidence(getattr(row, f"{one}_evidence")).text
        if old_note and old_note != notes[one]:
            return True
    return False


def set_three_ones(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    year: int,
    department_name: str = "",
    department_note: str = "",
    department_files: Sequence[Upload] = (),
    staff_name: str = "",
    staff_since: date | None = None,
    staff_note: str = "",
    staff_files: Sequence[Upload] = (),
    training_title: str = "",
    training_date: date | None = None,
    training_note: str = "",
    training_files: Sequence[Upload] = (),
    reason: str = "",
    today: date | None = None,
) -> int:
    """Record a unit's three ones for a year (creates or completes the year's row). Files are
    added to those already kept; each ``has_*`` follows from the details and evidence. Changing
    or clearing a value already saved is a correction: it states a ``reason`` (audited)."""
    require_write(actor, township_id)
    get_township(session, township_id)
    department_name = clean_text(department_name, field="department_name", limit=MAX_DEPARTMENT)
    staff_name = clean_text(staff_name, field="staff_name", limit=MAX_STAFF_NAME)
    training_title = clean_text(training_title, field="training_title", limit=MAX_TRAINING_TITLE)
    _check_date(staff_since, year, "staff_since", today)
    _check_date(training_date, year, "training_date", today)
    notes = {
        one: clean_text(note, field=f"{one}_note", limit=MAX_EVIDENCE_NOTE)
        for one, note in (
            ("department", department_note),
            ("staff", staff_note),
            ("training", training_note),
        )
    }
    accepted = {
        "department": check_uploads(department_files),
        "staff": check_uploads(staff_files),
        "training": check_uploads(training_files),
    }
    row = _org_row(session, township_id, year)
    new: dict[str, object] = {
        "department_name": department_name,
        "staff_name": staff_name,
        "staff_since": staff_since,
        "training_title": training_title,
        "training_date": training_date,
    }
    correction = row is not None and _corrects(row, new, notes)
    if correction:
        reason = corrections.check_change(session, actor, township_id, year, reason)
    else:
        years.require_open(session, actor, year)
    before = audit.snapshot(row)
    if row is None:
        row = OrgGuarantee(township_id=township_id, year=year, entered_by_id=actor.id)
    row.department_name = department_name
    row.department_evidence = _one_evidence(
        row.department_evidence, notes["department"], accepted["department"]
    )
    row.staff_name = staff_name
    row.staff_since = staff_since
    row.staff_evidence = _one_evidence(row.staff_evidence, notes["staff"], accepted["staff"])
    row.training_title = training_title
    row.training_date = training_date
    row.training_evidence = _one_evidence(
        row.training_evidence, notes["training"], accepted["training"]
    )
    row.has_department = bool(row.department_name) and _has_evidence(row.department_evidence)
    row.has_fulltime_staff = bool(row.staff_name and row.staff_since) and _has_evidence(
        row.staff_evidence
    )
    row.has_training_mechanism = bool(row.training_title and row.training_date) and _has_evidence(
        row.training_evidence
    )
    if before is not None:
        row.updated_at = utcnow()
    if correction:
        return corrections.corrected(
            session,
            actor,
            row,
            entity="org_guarantee",
            township_id=township_id,
            before=before,
            reason=reason,
        )
    return audit.save(
        session, actor, row, entity="org_guarantee", township_id=township_id, before=before
    )


def withdraw_three_ones(
    session: Session, actor: Actor, *, township_id: int, year: int, reason: str
) -> None:
    """Withdraw a unit's three ones of a year (entered for the wrong unit or year); its evidence
    files stay in the store until an admin purges unreferenced files."""
    row = _org_row(session, township_id, year)
    if row is None:
        raise NotFound("error.not_found.org_guarantee", id=township_id)
    reason = corrections.check_change(session, actor, township_id, year, reason)
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="org_guarantee",
        township_id=township_id,
        before=audit.snapshot(row),
        reason=reason,
    )
