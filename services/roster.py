"""The roster of the double linkage: constituencies, deputies, voters and the two kinds of links.

Here are the writes and the rules a form is checked against: field limits (the screens read
them for their inputs), phones, constituencies of the unit, who may sit on a presidium. Every
write checks the actor may write for the unit, validates everything before touching the
database, writes, adds an audit row and commits once. What the screens read is in
``roster_reads``; spreadsheet templates, exports and imports in ``roster_io``.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from models import Constituency, Deputy, PresidiumLink, Township, Voter, VoterLink
from models.base import utcnow
from models.enums import AuditAction, DeputyLevel, UnitType
from services import audit, clock, import_cells
from services.errors import ValidationError
from services.import_cells import CellError
from services.imports import match_key
from services.linkage import keeps_voter_links, needs_constituency
from services.permissions import Actor, require_write
from services.roster_reads import deputy_row, township_row
from services.validation import clean_text, past_date

MAX_NAME = 40
MAX_VILLAGE = 60
MAX_CONSTITUENCY = 60
# A phone as typed, which the phone inputs stop at too: "+86 138 1234 5678" fits, and what is
# stored after normalising is shorter still.
MAX_PHONE = 20


# ---------------------------------------------------------------------------------------------
# Validation


def _phone(value: str | None, field: str = "phone") -> str:
    """A mobile or landline number as stored, "" for a blank, or a ValidationError."""
    typed = "" if value is None else str(value).strip()
    if not typed:
        return ""
    try:
        phone = import_cells.phone_value(value) if len(typed) <= MAX_PHONE else None
    except CellError:
        phone = None
    if phone is None:
        raise ValidationError("linkage.error.phone", field=field, value=str(value)[:30])
    return phone


def _constituency_of(session: Session, township_id: int, constituency_id: int | None) -> None:
    if constituency_id is None:
        return
    row = session.get(Constituency, constituency_id)
    if row is None or row.township_id != township_id:
        raise ValidationError("linkage.error.constituency_not_here", field="constituency_id")


def may_sit_on_presidium(unit_type: UnitType, level: DeputyLevel) -> bool:
    """Only township deputies of a town or township: a sub-district has no presidium."""
    return UnitType(unit_type).has_congress and level == DeputyLevel.township


def _check_presidium(unit: Township, level: DeputyLevel, is_member: bool) -> None:
    if is_member and not may_sit_on_presidium(unit.unit_type, level):
        raise ValidationError("linkage.error.presidium_not_applicable", field="is_presidium_member")


def _check_gender(gender: str | None) -> str:
    gender = (gender or "").strip()
    if gender not in ("", "M", "F"):
        raise ValidationError("linkage.error.gender", field="gender")
    return gender


# ---------------------------------------------------------------------------------------------
# Constituencies, deputies and voters


def add_constituency(session: Session, actor: Actor, *, township_id: int, name: str) -> int:
    require_write(actor, township_id)
    township_row(session, township_id)
    name = clean_text(name, field="name", limit=MAX_CONSTITUENCY, required=True)
    existing = session.exec(
        select(Constituency.name).where(Constituency.township_id == township_id)
    ).all()
    if match_key(name) in {match_key(n) for n in existing}:
        raise ValidationError("linkage.error.duplicate_constituency", field="name", name=name)
    row = Constituency(township_id=township_id, name=name)
    return audit.insert(session, actor, row, entity="constituency", township_id=township_id)


def add_deputy(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    name: str,
    level: DeputyLevel,
    constituency_id: int | None = None,
    is_presidium_member: bool = False,
    gender: str = "",
    phone: str = "",
    has_fixed_income: bool = True,
    term_start: date | None = None,
    other_levels: Iterable[str] = (),
) -> int:
    """Add a deputy of the unit. A deputy of several congresses is one record, counted at the
    lowest of ``level`` and ``other_levels`` and holding the others as further levels."""
    require_write(actor, township_id)
    unit = township_row(session, township_id)
    # Counted at the lowest level held, as an import counts them.
    held = [
        lv
        for lv in reversed(DeputyLevel)
        if lv in {DeputyLevel(level), *map(DeputyLevel, other_levels)}
    ]
    level, others = held[0], ",".join(lv.value for lv in held[1:])
    name = clean_text(name, field="name", limit=MAX_NAME, required=True)
    if needs_constituency(unit.unit_type, level) and constituency_id is None:
        raise ValidationError("linkage.error.constituency_required", field="constituency_id")
    _constituency_of(session, township_id, constituency_id)
    _check_presidium(unit, level, is_presidium_member)
    if term_start is not None:
        term_start = past_date(term_start, field="term_start", earliest=date(1950, 1, 1))
    phone = _phone(phone)
    # One person, one record: the same name in the same constituency is the same deputy unless
    # two different phones say otherwise (namesakes of two constituencies are two people).
    namesakes = session.exec(
        select(Deputy.name, Deputy.phone).where(
            Deputy.township_id == township_id,
            Deputy.constituency_id == constituency_id
            if constituency_id is not None
            else Deputy.constituency_id.is_(None),
            Deputy.active,
        )
    ).all()
    if any(
        match_key(other) == match_key(name) and not (phone and other_phone and phone != other_phone)
        for other, other_phone in namesakes
    ):
        raise ValidationError("linkage.error.duplicate_deputy", field="name", name=name)
    row = Deputy(
        township_id=township_id,
        name=name,
        level=level,
        constituency_id=constituency_id,
        is_presidium_member=is_presidium_member,
        gender=_check_gender(gender),
        phone=phone,
        has_fixed_income=has_fixed_income,
        term_start=term_start,
        other_levels=others,
        entered_by_id=actor.id,
    )
    return audit.insert(session, actor, row, entity="deputy", township_id=township_id)


DEPUTY_EDITABLE = (
    "name",
    "constituency_id",
    "is_presidium_member",
    "gender",
    "phone",
    "has_fixed_income",
    "active",
)


def update_deputies(
    session: Session, actor: Actor, township_id: int, changes: Iterable[dict[str, Any]]
) -> int:
    """Apply edits ({"id": …, field: value}) to several deputies at once: all or none.

    Returns the number of deputies changed.
    """
    require_write(actor, township_id)
    unit = township_row(session, township_id)
    planned: list[tuple[Deputy, dict[str, Any]]] = []
    for change in changes:
        row = deputy_row(session, int(change["id"]))
        if row.township_id != township_id:
            raise ValidationError("linkage.error.deputy_not_here", field="id")
        new: dict[str, Any] = {}
        for key in DEPUTY_EDITABLE:
            if key not in change:
                continue
            value = change[key]
            if key == "name":
                value = clean_text(value, field="name", limit=MAX_NAME, required=True)
            elif key == "phone":
                value = _phone(value)
            elif key == "gender":
                value = _check_gender(value)
            elif key == "constituency_id":
                value = None if value is None or pd.isna(value) else int(value)
                _constituency_of(session, township_id, value)
                if value is None and needs_constituency(unit.unit_type, row.level):
                    raise ValidationError(
                        "linkage.error.constituency_required", field="constituency_id"
                    )
            else:
                value = bool(value)
            if value != getattr(row, key):
                new[key] = value
        if new:
            _check_presidium(
                unit, row.level, new.get("is_presidium_member", row.is_presidium_member)
            )
            planned.append((row, new))
    return _apply_edits(session, actor, township_id, planned, entity="deputy")


def add_voter(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    constituency_id: int,
    name: str,
    village: str = "",
    phone: str = "",
) -> int:
    require_write(actor, township_id)
    township_row(session, township_id)
    name = clean_text(name, field="name", limit=MAX_NAME, required=True)
    village = clean_text(village, field="village", limit=MAX_VILLAGE)
    phone = _phone(phone)
    if constituency_id is None:
        raise ValidationError("linkage.error.constituency_required", field="constituency_id")
    _constituency_of(session, township_id, constituency_id)
    duplicate = session.exec(
        select(Voter.id).where(
            Voter.township_id == township_id,
            Voter.constituency_id == constituency_id,
            Voter.name == name,
            Voter.phone == phone,
        )
    ).first()
    if duplicate:
        raise ValidationError("linkage.error.duplicate_voter", field="name", name=name)
    row = Voter(
        township_id=township_id,
        constituency_id=constituency_id,
        name=name,
        village=village,
        phone=phone,
        entered_by_id=actor.id,
    )
    return audit.insert(session, actor, row, entity="voter", township_id=township_id)


VOTER_EDITABLE = ("name", "constituency_id", "village", "phone", "active")


def update_voters(
    session: Session, actor: Actor, township_id: int, changes: Iterable[dict[str, Any]]
) -> int:
    """Apply edits to several voters at once: all or none. Returns the number changed."""
    require_write(actor, township_id)
    township_row(session, township_id)
    planned: list[tuple[Voter, dict[str, Any]]] = []
    for change in changes:
        row = session.get(Voter, int(change["id"]))
        if row is None or row.township_id != township_id:
            raise ValidationError("linkage.error.voter_not_here", field="id")
        new: dict[str, Any] = {}
        for key in VOTER_EDITABLE:
            if key not in change:
                continue
            value = change[key]
            if key == "name":
                value = clean_text(value, field="name", limit=MAX_NAME, required=True)
            elif key == "village":
                value = clean_text(value, field="village", limit=MAX_VILLAGE)
            elif key == "phone":
                value = _phone(value)
            elif key == "constituency_id":
                if value is None or pd.isna(value):
                    raise ValidationError(
                        "linkage.error.constituency_required", field="constituency_id"
                    )
                value = int(value)
                _constituency_of(session, township_id, value)
            else:
                value = bool(value)
            if value != getattr(row, key):
                new[key] = value
        if new:
            planned.append((row, new))
    return _apply_edits(session, actor, township_id, planned, entity="voter")


def _apply_edits(
    session: Session,
    actor: Actor,
    township_id: int,
    planned: list[tuple[Deputy | Voter, dict[str, Any]]],
    *,
    entity: str,
) -> int:
    """Write checked edits, one audit row per changed row, and commit once if any."""
    for row, new in planned:
        before = audit.snapshot(row)
        for key, value in new.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor,
            action=AuditAction.update,
            entity=entity,
            entity_id=row.id,
            township_id=township_id,
            before=before,
            after=audit.snapshot(row),
        )
    if planned:
        session.commit()
    return len(planned)


# ---------------------------------------------------------------------------------------------
# Links


def set_presidium_links(
    session: Session, actor: Actor, *, member_id: int, deputy_ids: Iterable[int]
) -> tuple[int, int]:
    """Make ``deputy_ids`` the member's linked deputies. Returns (added, removed)."""
    member = deputy_row(session, member_id)
    require_write(actor, member.township_id)
    if not member.is_presidium_member or not member.active:
        raise ValidationError("linkage.error.not_a_member", field="member_id")
    wanted = {int(i) for i in deputy_ids}
    if member_id in wanted:
        raise ValidationError("linkage.error.self_link", field="deputy_ids")
    for dep_id in wanted:
        dep = deputy_row(session, dep_id)
        if (
            dep.township_id != member.township_id
            or not dep.active
            or dep.level != DeputyLevel.township
        ):
            raise ValidationError("linkage.error.deputy_not_here", field="deputy_ids")
    current = {
        link.deputy_id: link
        for link in session.exec(
            select(PresidiumLink).where(PresidiumLink.member_id == member_id)
        ).all()
    }
    return _replace_links(
        session,
        actor,
        current,
        wanted,
        lambda dep_id: PresidiumLink(
            township_id=member.township_id,
            member_id=member_id,
            deputy_id=dep_id,
            since=clock.today(),
            entered_by_id=actor.id,
        ),
        entity="presidium_links",
        entity_id=member_id,
        township_id=member.township_id,
        ids_key="deputy_ids",
    )


def _replace_links(
    session: Session,
    actor: Actor,
    current: dict,
    wanted: set[int],
    make_link,
    *,
    entity: str,
    entity_id: int,
    township_id: int,
    ids_key: str,
) -> tuple[int, int]:
    """Delete the links not wanted, add the missing ones, audit once. Returns (added, removed)."""
    added = sorted(wanted - set(current))
    removed = sorted(set(current) - wanted)
    if not added and not removed:
        return 0, 0
    for other_id in removed:
        session.delete(current[other_id])
    for other_id in added:
        session.add(make_link(other_id))
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity=entity,
        entity_id=entity_id,
        township_id=township_id,
        before={ids_key: sorted(current)},
        after={ids_key: sorted(wanted)},
    )
    session.commit()
    return len(added), len(removed)


def set_voter_links(
    session: Session, actor: Actor, *, deputy_id: int, voter_ids: Iterable[int]
) -> tuple[int, int]:
    """Make ``voter_ids`` the deputy's linked voters, all of the deputy's own constituency.

    Existing links to voters of another constituency (left from a move) may stay or go, but
    no new one is made. Returns (added, removed).
    """
    dep = deputy_row(session, deputy_id)
    require_write(actor, dep.township_id)
    unit = township_row(session, dep.township_id)
    if (
        not dep.active
        or dep.constituency_id is None
        or not keeps_voter_links(unit.unit_type, dep.level)
    ):
        raise ValidationError("linkage.error.deputy_not_here", field="deputy_id")
    wanted = {int(i) for i in voter_ids}
    current = {
        link.voter_id: link
        for link in session.exec(select(VoterLink).where(VoterLink.deputy_id == deputy_id)).all()
    }
    added = sorted(wanted - set(current))
    if added:
        found = session.exec(
            select(Voter.id, Voter.township_id, Voter.constituency_id).where(Voter.id.in_(added))
        ).all()
        if len(found) != len(added) or any(t != dep.township_id for _, t, _ in found):
            raise ValidationError("linkage.error.voter_not_here", field="voter_ids")
        if any(c != dep.constituency_id for _, _, c in found):
            raise ValidationError("linkage.error.voter_other_constituency", field="voter_ids")
    return _replace_links(
        session,
        actor,
        current,
        wanted,
        lambda voter_id: VoterLink(
            township_id=dep.township_id,
            deputy_id=deputy_id,
            voter_id=voter_id,
            since=clock.today(),
            entered_by_id=actor.id,
        ),
        entity="voter_links",
        entity_id=deputy_id,
        township_id=dep.township_id,
        ids_key="voter_ids",
    )
