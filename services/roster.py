"""Rosters of the double linkage and the records of contact days, visits and notifications.

Every write checks the actor may write for the unit, validates everything before touching the
database, writes, adds an audit row and commits once. A spreadsheet import is one audit row
with its counts, not one per row.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import delete, update
from sqlmodel import Session, func, select

from models import (
    Constituency,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Notification,
    Opinion,
    PresidiumLink,
    SupervisionItem,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.base import utcnow
from models.enums import AuditAction, DeputyLevel, NotificationKind, UnitType, VisitKind
from services import audit, imports
from services.errors import NotFound, ValidationError
from services.imports import (
    CellError,
    Choice,
    ColumnSpec,
    ImportRejected,
    ImportResult,
    Problem,
    Progress,
    SheetSpec,
    match_key,
)
from services.linkage import (
    is_contact_day,
    keeps_voter_links,
    needs_constituency,
    shown_phone,
    unit_deputy_conditions,
)
from services.permissions import Actor, require_read, require_write
from services.rules import get_rules
from services.validation import clean_text

MAX_NAME = 40
MAX_VILLAGE = 60
MAX_NOTE = 500
MAX_TITLE = 200
MAX_SUMMARY = 2000
MAX_OPINIONS = 50
MAX_COUNT = 100_000
NAME_SEPARATORS = ("、", ",", "，", ";", "；", "/")

LEVEL_CHOICES = (
    Choice("national", "全国人大代表", "national", ("全国", "全国人大")),
    Choice("provincial", "省人大代表", "provincial", ("省", "省级", "省人大")),
    Choice("city", "市人大代表", "city", ("市", "市级", "市人大")),
    Choice("county", "区人大代表", "county", ("区", "县", "县（区）", "区级", "县级", "district")),
    Choice("township", "乡镇人大代表", "township", ("乡镇", "乡", "镇", "乡级", "乡镇级")),
)
GENDER_CHOICES = (
    Choice("M", "男", "male", ("m", "男性")),
    Choice("F", "女", "female", ("f", "女性")),
)

VOTER_SHEET = SheetSpec(
    code="voters",
    zh="选民",
    en="Voters",
    columns=(
        ColumnSpec("name", "姓名", "Name", required=True, max_len=MAX_NAME, width=12),
        ColumnSpec("constituency", "选区", "Constituency", required=True, max_len=60, width=14),
        ColumnSpec("village", "村（社区）", "Village or community", max_len=MAX_VILLAGE, width=16),
        ColumnSpec("phone", "联系电话", "Phone", kind="phone", width=16),
        ColumnSpec("deputies", "联系代表", "Linked deputies", max_len=200, width=20),
    ),
)
DEPUTY_SHEET = SheetSpec(
    code="deputies",
    zh="代表",
    en="Deputies",
    columns=(
        ColumnSpec("name", "姓名", "Name", required=True, max_len=MAX_NAME, width=12),
        ColumnSpec(
            "level", "代表层级", "Level", kind="choice", required=True, choices=LEVEL_CHOICES
        ),
        ColumnSpec("constituency", "选区", "Constituency", max_len=60, width=14),
        ColumnSpec("is_presidium_member", "主席团成员", "Presidium member", kind="bool"),
        ColumnSpec("gender", "性别", "Gender", kind="choice", choices=GENDER_CHOICES, width=8),
        ColumnSpec("phone", "联系电话", "Phone", kind="phone", width=16),
        ColumnSpec("has_fixed_income", "有固定收入", "Fixed income", kind="bool"),
        ColumnSpec("term_start", "任期开始", "Term start", kind="date", width=12),
    ),
)


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _phone(value: str | None, field: str = "phone") -> str:
    if value is None or not str(value).strip():
        return ""
    try:
        return imports.phone_value(value)
    except CellError:
        raise ValidationError("linkage.error.phone", field=field, value=str(value)[:30]) from None


def _count(value: Any, field: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError("linkage.error.number", field=field) from None
    if value < minimum:
        raise ValidationError(
            "error.negative" if minimum == 0 else "linkage.error.at_least", field=field, n=minimum
        )
    if value > MAX_COUNT:
        raise ValidationError("linkage.error.too_large", field=field, n=MAX_COUNT)
    return value


def _fact_date(value: Any, field: str, today: date | None) -> date:
    """A date of a fact: not in the future and not before the start of last year."""
    if not isinstance(value, date):
        raise ValidationError("linkage.error.date", field=field)
    today = today or date.today()
    if value > today:
        raise ValidationError("linkage.error.future_date", field=field)
    earliest = date(today.year - 1, 1, 1)
    if value < earliest:
        raise ValidationError("linkage.error.date_too_old", field=field, earliest=earliest)
    return value


def _unit(session: Session, township_id: int) -> Township:
    unit = session.get(Township, township_id)
    if unit is None:
        raise NotFound("error.not_found.township", id=township_id)
    return unit


def _deputy(session: Session, deputy_id: int) -> Deputy:
    row = session.get(Deputy, deputy_id)
    if row is None:
        raise NotFound("linkage.error.no_deputy", id=deputy_id)
    return row


def _constituency_of(session: Session, township_id: int, constituency_id: int | None) -> None:
    if constituency_id is None:
        return
    row = session.get(Constituency, constituency_id)
    if row is None or row.township_id != township_id:
        raise ValidationError("linkage.error.constituency_not_here", field="constituency_id")


# ---------------------------------------------------------------------------------------------
# Reads


@dataclass(frozen=True)
class Option:
    """A person or place to pick in a form."""

    id: int
    name: str
    constituency_id: int | None = None
    constituency: str = ""
    is_presidium_member: bool = False


def constituencies(session: Session, actor: Actor, township_id: int) -> list[Option]:
    require_read(actor, township_id)
    rows = session.exec(
        select(Constituency.id, Constituency.name)
        .where(Constituency.township_id == township_id)
        .order_by(Constituency.id)
    ).all()
    return [Option(id=i, name=n, constituency_id=i, constituency=n) for i, n in rows]


def _deputy_options(
    session: Session, actor: Actor, township_id: int, *, voter_links: bool
) -> list[Option]:
    require_read(actor, township_id)
    unit = _unit(session, township_id)
    rows = session.exec(
        select(
            Deputy.id,
            Deputy.name,
            Deputy.constituency_id,
            Constituency.name,
            Deputy.is_presidium_member,
        )
        .join(Constituency, Constituency.id == Deputy.constituency_id, isouter=True)
        .where(
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=voter_links),
        )
        .order_by(Deputy.constituency_id, Deputy.id)
    ).all()
    return [
        Option(id=i, name=n, constituency_id=c, constituency=cn or "", is_presidium_member=bool(p))
        for i, n, c, cn, p in rows
    ]


def link_deputies(session: Session, actor: Actor, township_id: int) -> list[Option]:
    """Active deputies of the unit who keep voter links (each with a constituency)."""
    return _deputy_options(session, actor, township_id, voter_links=True)


def contact_deputies(session: Session, actor: Actor, township_id: int) -> list[Option]:
    """Active deputies of the unit expected on a contact day."""
    return _deputy_options(session, actor, township_id, voter_links=False)


DEPUTY_COLUMNS = [
    "id",
    "name",
    "level",
    "constituency_id",
    "constituency",
    "is_presidium_member",
    "gender",
    "phone",
    "has_fixed_income",
    "term_start",
    "active",
    "voters",
    "other_voters",
    "linked_deputies",
]


def deputies_frame(session: Session, actor: Actor, township_id: int) -> pd.DataFrame:
    """The unit's deputies with their link counts (own-constituency voters, other, deputies)."""
    require_read(actor, township_id)
    own = (
        select(VoterLink.deputy_id, func.count(VoterLink.id))
        .join(Voter, Voter.id == VoterLink.voter_id)
        .join(Deputy, Deputy.id == VoterLink.deputy_id)
        .where(
            VoterLink.township_id == township_id,
            Voter.active,
            Voter.constituency_id == Deputy.constituency_id,
        )
        .group_by(VoterLink.deputy_id)
    )
    everyone = (
        select(VoterLink.deputy_id, func.count(VoterLink.id))
        .join(Voter, Voter.id == VoterLink.voter_id)
        .where(VoterLink.township_id == township_id, Voter.active)
        .group_by(VoterLink.deputy_id)
    )
    members = (
        select(PresidiumLink.member_id, func.count(PresidiumLink.id))
        .where(PresidiumLink.township_id == township_id)
        .group_by(PresidiumLink.member_id)
    )
    own_n = dict(session.exec(own).all())
    all_n = dict(session.exec(everyone).all())
    member_n = dict(session.exec(members).all())
    rows = session.exec(
        select(Deputy, Constituency.name)
        .join(Constituency, Constituency.id == Deputy.constituency_id, isouter=True)
        .where(Deputy.township_id == township_id)
        .order_by(Deputy.level, Deputy.constituency_id, Deputy.id)
    ).all()
    out = [
        {
            "id": d.id,
            "name": d.name,
            "level": DeputyLevel(d.level).value,
            "constituency_id": d.constituency_id,
            "constituency": con or "",
            "is_presidium_member": d.is_presidium_member,
            "gender": d.gender,
            "phone": shown_phone(actor, township_id, d.phone),
            "has_fixed_income": d.has_fixed_income,
            "term_start": d.term_start,
            "active": d.active,
            "voters": int(own_n.get(d.id, 0)),
            "other_voters": int(all_n.get(d.id, 0)) - int(own_n.get(d.id, 0)),
            "linked_deputies": int(member_n.get(d.id, 0)),
        }
        for d, con in rows
    ]
    frame = pd.DataFrame(out, columns=DEPUTY_COLUMNS)
    # Township deputies first, then up the levels: the order a clerk works in.
    rank = {lv.value: i for i, lv in enumerate(reversed(list(DeputyLevel)))}
    order = sorted(range(len(frame)), key=lambda i: (rank[out[i]["level"]], i))
    return frame.iloc[order].reset_index(drop=True)


VOTER_COLUMNS = ["id", "name", "constituency_id", "constituency", "village", "phone", "active"]
VOTER_COLUMNS += ["deputies"]


def voters_frame(
    session: Session, actor: Actor, township_id: int, *, constituency_id: int | None = None
) -> pd.DataFrame:
    """The unit's voters (optionally one constituency) with the names of linked deputies."""
    require_read(actor, township_id)
    stmt = (
        select(
            Voter.id,
            Voter.name,
            Voter.constituency_id,
            Constituency.name,
            Voter.village,
            Voter.phone,
            Voter.active,
        )
        .join(Constituency, Constituency.id == Voter.constituency_id)
        .where(Voter.township_id == township_id)
        .order_by(Voter.constituency_id, Voter.id)
    )
    links = select(VoterLink.voter_id, Deputy.name).join(Deputy, Deputy.id == VoterLink.deputy_id)
    links = links.where(VoterLink.township_id == township_id).order_by(VoterLink.id)
    if constituency_id is not None:
        stmt = stmt.where(Voter.constituency_id == constituency_id)
        links = links.join(Voter, Voter.id == VoterLink.voter_id).where(
            Voter.constituency_id == constituency_id
        )
    names: dict[int, list[str]] = defaultdict(list)
    for voter_id, deputy in session.exec(links).all():
        names[voter_id].append(deputy)
    out = [
        {
            "id": vid,
            "name": name,
            "constituency_id": cid,
            "constituency": con,
            "village": village,
            "phone": shown_phone(actor, township_id, phone),
            "active": active,
            "deputies": "、".join(names.get(vid, [])),
        }
        for vid, name, cid, con, village, phone, active in session.exec(stmt).all()
    ]
    return pd.DataFrame(out, columns=VOTER_COLUMNS)


def presidium_links(session: Session, actor: Actor, township_id: int) -> dict[int, list[int]]:
    """Member id → linked deputy ids."""
    require_read(actor, township_id)
    out: dict[int, list[int]] = defaultdict(list)
    for member, deputy in session.exec(
        select(PresidiumLink.member_id, PresidiumLink.deputy_id)
        .where(PresidiumLink.township_id == township_id)
        .order_by(PresidiumLink.id)
    ).all():
        out[member].append(deputy)
    return dict(out)


def voter_links(session: Session, actor: Actor, deputy_id: int) -> list[int]:
    dep = _deputy(session, deputy_id)
    require_read(actor, dep.township_id)
    return list(
        session.exec(
            select(VoterLink.voter_id)
            .where(VoterLink.deputy_id == deputy_id)
            .order_by(VoterLink.voter_id)
        ).all()
    )


def contact_days_frame(session: Session, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    """The unit's contact days of the year with participation and opinions recorded."""
    require_read(actor, township_id)
    rule = get_rules(session, year).contact_day
    unit = _unit(session, township_id)
    expected = session.exec(
        select(func.count(Deputy.id)).where(
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=False),
        )
    ).one()
    people = (
        select(ContactDayParticipant.contact_day_id, func.count(ContactDayParticipant.id))
        .join(ContactDay, ContactDay.id == ContactDayParticipant.contact_day_id)
        .join(Deputy, Deputy.id == ContactDayParticipant.deputy_id)
        .where(
            ContactDay.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=False),
        )
        .group_by(ContactDayParticipant.contact_day_id)
    )
    texts = (
        select(Opinion.contact_day_id, func.count(Opinion.id))
        .where(Opinion.township_id == township_id)
        .group_by(Opinion.contact_day_id)
    )
    n_people = dict(session.exec(people).all())
    n_texts = dict(session.exec(texts).all())
    days = session.exec(
        select(ContactDay)
        .where(
            ContactDay.township_id == township_id,
            ContactDay.held_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(ContactDay.held_on.desc())
    ).all()
    out = [
        {
            "id": d.id,
            "held_on": d.held_on,
            "on_day": is_contact_day(d.held_on, rule),
            "participants": int(n_people.get(d.id, 0)),
            "expected": int(expected),
            "rate": min(1.0, n_people.get(d.id, 0) / expected) if expected else 0.0,
            "voters_met": d.voters_met,
            "opinions_count": d.opinions_count,
            "opinions_recorded": int(n_texts.get(d.id, 0)),
            "summary": d.summary,
        }
        for d in days
    ]
    columns = ["id", "held_on", "on_day", "participants", "expected", "rate", "voters_met"]
    columns += ["opinions_count", "opinions_recorded", "summary"]
    return pd.DataFrame(out, columns=columns)


def opinions_of(session: Session, actor: Actor, contact_day_id: int) -> list[str]:
    day = session.get(ContactDay, contact_day_id)
    if day is None:
        raise NotFound("linkage.error.no_contact_day", id=contact_day_id)
    require_read(actor, day.township_id)
    return list(
        session.exec(
            select(Opinion.text)
            .where(Opinion.contact_day_id == contact_day_id)
            .order_by(Opinion.id)
        ).all()
    )


def visits_frame(session: Session, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    require_read(actor, township_id)
    rows = session.exec(
        select(Visit)
        .where(
            Visit.township_id == township_id,
            Visit.held_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(Visit.held_on.desc(), Visit.id.desc())
    ).all()
    out = [
        {
            "id": v.id,
            "held_on": v.held_on,
            "kind": VisitKind(v.kind).value,
            "people_visited": v.people_visited,
            "note": v.note,
        }
        for v in rows
    ]
    return pd.DataFrame(out, columns=["id", "held_on", "kind", "people_visited", "note"])


def notifications_frame(
    session: Session, actor: Actor, township_id: int, year: int
) -> pd.DataFrame:
    require_read(actor, township_id)
    rows = session.exec(
        select(Notification)
        .where(
            Notification.township_id == township_id,
            Notification.issued_on.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .order_by(Notification.issued_on.desc(), Notification.id.desc())
    ).all()
    out = [
        {
            "id": n.id,
            "issued_on": n.issued_on,
            "kind": NotificationKind(n.kind).value,
            "title": n.title,
        }
        for n in rows
    ]
    return pd.DataFrame(out, columns=["id", "issued_on", "kind", "title"])


# ---------------------------------------------------------------------------------------------
# Roster writes


def add_constituency(session: Session, actor: Actor, *, township_id: int, name: str) -> int:
    require_write(actor, township_id)
    _unit(session, township_id)
    name = clean_text(name, field="name", limit=60, required=True)
    existing = session.exec(
        select(Constituency.name).where(Constituency.township_id == township_id)
    ).all()
    if match_key(name) in {match_key(n) for n in existing}:
        raise ValidationError("linkage.error.duplicate_constituency", field="name", name=name)
    row = Constituency(township_id=township_id, name=name)
    return audit.insert(session, actor, row, entity="constituency", township_id=township_id)


def _check_presidium(unit: Township, level: DeputyLevel, is_member: bool) -> None:
    if is_member and (not UnitType(unit.unit_type).has_congress or level != DeputyLevel.township):
        raise ValidationError("linkage.error.presidium_not_applicable", field="is_presidium_member")


def _check_gender(gender: str | None) -> str:
    gender = (gender or "").strip()
    if gender not in ("", "M", "F"):
        raise ValidationError("linkage.error.gender", field="gender")
    return gender


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
) -> int:
    require_write(actor, township_id)
    unit = _unit(session, township_id)
    level = DeputyLevel(level)
    name = clean_text(name, field="name", limit=MAX_NAME, required=True)
    if needs_constituency(unit.unit_type, level) and constituency_id is None:
        raise ValidationError("linkage.error.constituency_required", field="constituency_id")
    _constituency_of(session, township_id, constituency_id)
    _check_presidium(unit, level, is_presidium_member)
    if term_start is not None and term_start > date.today():
        raise ValidationError("linkage.error.future_date", field="term_start")
    duplicate = session.exec(
        select(Deputy.id).where(
            Deputy.township_id == township_id,
            Deputy.level == level,
            Deputy.name == name,
            Deputy.active,
        )
    ).first()
    if duplicate:
        raise ValidationError("linkage.error.duplicate_deputy", field="name", name=name)
    row = Deputy(
        township_id=township_id,
        name=name,
        level=level,
        constituency_id=constituency_id,
        is_presidium_member=is_presidium_member,
        gender=_check_gender(gender),
        phone=_phone(phone),
        has_fixed_income=has_fixed_income,
        term_start=term_start,
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
    unit = _unit(session, township_id)
    planned: list[tuple[Deputy, dict[str, Any]]] = []
    for change in changes:
        row = _deputy(session, int(change["id"]))
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
            entity="deputy",
            entity_id=row.id,
            township_id=township_id,
            before=before,
            after=audit.snapshot(row),
        )
    if planned:
        session.commit()
    return len(planned)


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
    _unit(session, township_id)
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
    _unit(session, township_id)
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
            entity="voter",
            entity_id=row.id,
            township_id=township_id,
            before=before,
            after=audit.snapshot(row),
        )
    if planned:
        session.commit()
    return len(planned)


def set_presidium_links(
    session: Session, actor: Actor, *, member_id: int, deputy_ids: Iterable[int]
) -> tuple[int, int]:
    """Make ``deputy_ids`` the member's linked deputies. Returns (added, removed)."""
    member = _deputy(session, member_id)
    require_write(actor, member.township_id)
    if not member.is_presidium_member or not member.active:
        raise ValidationError("linkage.error.not_a_member", field="member_id")
    wanted = {int(i) for i in deputy_ids}
    if member_id in wanted:
        raise ValidationError("linkage.error.self_link", field="deputy_ids")
    for dep_id in wanted:
        dep = _deputy(session, dep_id)
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
            since=date.today(),
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
    dep = _deputy(session, deputy_id)
    require_write(actor, dep.township_id)
    unit = _unit(session, dep.township_id)
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
            since=date.today(),
            entered_by_id=actor.id,
        ),
        entity="voter_links",
        entity_id=deputy_id,
        township_id=dep.township_id,
        ids_key="voter_ids",
    )


# ---------------------------------------------------------------------------------------------
# Contact days, visits and notifications


def record_contact_day(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    held_on: date,
    deputy_ids: Iterable[int],
    voters_met: int,
    opinions_count: int,
    opinions: Iterable[str] = (),
    summary: str = "",
    today: date | None = None,
) -> int:
    """Record a unit's contact day with its participants and the opinions summarised."""
    require_write(actor, township_id)
    unit = _unit(session, township_id)
    held_on = _fact_date(held_on, "held_on", today)
    people = sorted({int(i) for i in deputy_ids})
    if not people:
        raise ValidationError("linkage.error.no_participants", field="deputy_ids")
    voters_met = _count(voters_met, "voters_met")
    opinions_count = _count(opinions_count, "opinions_count")
    texts = [clean_text(o, field="opinions", limit=MAX_NOTE) for o in opinions]
    texts = [o for o in texts if o]
    if len(texts) > MAX_OPINIONS:
        raise ValidationError("linkage.error.too_many_opinions", field="opinions", n=MAX_OPINIONS)
    if opinions_count < len(texts):
        raise ValidationError("linkage.error.opinions_count", field="opinions_count", n=len(texts))
    summary = clean_text(summary, field="summary", limit=MAX_SUMMARY)
    found = session.exec(
        select(Deputy.id).where(
            Deputy.id.in_(people),
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=False),
        )
    ).all()
    if len(found) != len(people):
        raise ValidationError("linkage.error.deputy_not_here", field="deputy_ids")
    if session.exec(
        select(ContactDay.id).where(
            ContactDay.township_id == township_id, ContactDay.held_on == held_on
        )
    ).first():
        raise ValidationError("linkage.error.contact_day_exists", field="held_on", day=held_on)
    day = ContactDay(
        township_id=township_id,
        held_on=held_on,
        voters_met=voters_met,
        opinions_count=opinions_count,
        summary=summary,
        entered_by_id=actor.id,
    )
    session.add(day)
    session.flush()
    for dep_id in people:
        session.add(ContactDayParticipant(contact_day_id=day.id, deputy_id=dep_id))
    for text in texts:
        session.add(
            Opinion(
                contact_day_id=day.id, township_id=township_id, text=text, entered_by_id=actor.id
            )
        )
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="contact_day",
        entity_id=day.id,
        township_id=township_id,
        after=audit.snapshot(day) | {"deputy_ids": people, "opinions": texts},
    )
    session.commit()
    return day.id


def delete_contact_day(session: Session, actor: Actor, contact_day_id: int) -> None:
    """Remove a contact day entered by mistake, unless a supervision item grew out of it."""
    day = session.get(ContactDay, contact_day_id)
    if day is None:
        raise NotFound("linkage.error.no_contact_day", id=contact_day_id)
    require_write(actor, day.township_id)
    if session.exec(
        select(SupervisionItem.id).where(SupervisionItem.contact_day_id == contact_day_id)
    ).first():
        raise ValidationError("linkage.error.contact_day_in_use", field="id")
    before = audit.snapshot(day)
    people = session.exec(
        select(ContactDayParticipant.deputy_id).where(
            ContactDayParticipant.contact_day_id == contact_day_id
        )
    ).all()
    session.execute(delete(Opinion).where(Opinion.contact_day_id == contact_day_id))
    session.execute(
        delete(ContactDayParticipant).where(ContactDayParticipant.contact_day_id == contact_day_id)
    )
    session.delete(day)
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity="contact_day",
        entity_id=contact_day_id,
        township_id=day.township_id,
        before=before | {"deputy_ids": sorted(people)},
    )
    session.commit()


def add_visit(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: VisitKind,
    held_on: date,
    people_visited: int,
    note: str = "",
    today: date | None = None,
) -> int:
    require_write(actor, township_id)
    _unit(session, township_id)
    try:
        kind = VisitKind(kind)
    except ValueError:
        raise ValidationError("linkage.error.kind", field="kind") from None
    held_on = _fact_date(held_on, "held_on", today)
    people_visited = _count(people_visited, "people_visited", minimum=1)
    note = clean_text(note, field="note", limit=MAX_NOTE)
    if session.exec(
        select(Visit.id).where(
            Visit.township_id == township_id,
            Visit.kind == kind,
            Visit.held_on == held_on,
            Visit.note == note,
        )
    ).first():
        raise ValidationError("linkage.error.duplicate_record", field="held_on")
    row = Visit(
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        people_visited=people_visited,
        note=note,
        entered_by_id=actor.id,
    )
    return audit.insert(session, actor, row, entity="visit", township_id=township_id)


def add_notification(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: NotificationKind,
    issued_on: date,
    title: str,
    today: date | None = None,
) -> int:
    require_write(actor, township_id)
    _unit(session, township_id)
    try:
        kind = NotificationKind(kind)
    except ValueError:
        raise ValidationError("linkage.error.kind", field="kind") from None
    issued_on = _fact_date(issued_on, "issued_on", today)
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    if session.exec(
        select(Notification.id).where(
            Notification.township_id == township_id,
            Notification.kind == kind,
            Notification.issued_on == issued_on,
            Notification.title == title,
        )
    ).first():
        raise ValidationError("linkage.error.duplicate_record", field="issued_on")
    row = Notification(
        township_id=township_id,
        kind=kind,
        issued_on=issued_on,
        title=title,
        entered_by_id=actor.id,
    )
    return audit.insert(session, actor, row, entity="notification", township_id=township_id)


# ---------------------------------------------------------------------------------------------
# Spreadsheet templates, exports and imports


def _split_names(text: str | None) -> list[str]:
    if not text:
        return []
    for sep in NAME_SEPARATORS[1:]:
        text = text.replace(sep, NAME_SEPARATORS[0])
    return [part.strip() for part in text.split(NAME_SEPARATORS[0]) if part.strip()]


def voter_workbook(
    session: Session, actor: Actor, township_id: int, lang: str, *, filled: bool = False
) -> bytes:
    """The voter template of the unit (drop-downs of its constituencies); ``filled`` exports."""
    require_read(actor, township_id)
    cons = constituencies(session, actor, township_id)
    deps = link_deputies(session, actor, township_id)
    rows: list[dict] = []
    if filled:
        require_write(actor, township_id)  # full phones leave the system only with writers
        rows = voters_frame(session, actor, township_id).to_dict("records")
        for r in rows:
            r["phone"] = r["phone"] or None
            r["village"] = r["village"] or None
            r["deputies"] = r["deputies"] or None
    return imports.build_workbook(
        VOTER_SHEET,
        "zh" if lang == "zh" else "en",
        rows,
        lists={
            "constituency": [c.name for c in cons],
            "deputies": sorted({d.name for d in deps}),
        },
    )


def deputy_workbook(
    session: Session, actor: Actor, township_id: int, lang: str, *, filled: bool = False
) -> bytes:
    require_read(actor, township_id)
    cons = constituencies(session, actor, township_id)
    rows: list[dict] = []
    if filled:
        require_write(actor, township_id)
        frame = deputies_frame(session, actor, township_id)
        rows = frame[frame["active"]].to_dict("records")
        for r in rows:
            r["constituency"] = r["constituency"] or None
            r["phone"] = r["phone"] or None
            r["gender"] = r["gender"] or None
            r["term_start"] = r["term_start"] if isinstance(r["term_start"], date) else None
    return imports.build_workbook(
        DEPUTY_SHEET,
        "zh" if lang == "zh" else "en",
        rows,
        lists={"constituency": [c.name for c in cons]},
    )


def _scaled(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction, phase: progress(start + (end - start) * fraction, phase)


def _reject(problems: list[Problem]) -> None:
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise ImportRejected(problems)


def _import_audit(
    session: Session, actor: Actor, entity: str, township_id: int, filename: str, result
) -> None:
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity=entity,
        township_id=township_id,
        after={"file": filename[:200], "rows": result.rows, **result.counts},
    )


def import_voters(
    session: Session,
    actor: Actor,
    township_id: int,
    data: bytes,
    *,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Read a voter sheet for the unit and store it whole, or raise ImportRejected.

    A voter is the same person when constituency, name and phone match (a blank phone matches
    a blank phone); a known voter's village is updated, a retired one comes back. A filled
    "linked deputies" cell replaces that voter's links; a blank optional cell keeps what is
    stored. Voters missing from the file are left alone. A second import of the same file
    changes nothing and writes no audit row.
    """
    require_write(actor, township_id)
    unit = _unit(session, township_id)
    sheet = imports.read_rows(data, VOTER_SHEET, progress=_scaled(progress, 0.0, 0.6))
    problems = list(sheet.problems)
    if not sheet.rows:
        _reject(problems)

    cons = {
        match_key(n): i
        for i, n in session.exec(
            select(Constituency.id, Constituency.name).where(
                Constituency.township_id == township_id
            )
        ).all()
    }
    deputies: dict[str, list[tuple[int, int | None, str]]] = defaultdict(list)
    for dep_id, name, cid in session.exec(
        select(Deputy.id, Deputy.name, Deputy.constituency_id).where(
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=True),
        )
    ).all():
        deputies[match_key(name)].append((dep_id, cid, name))
    existing: dict[tuple[int, str, str], list[tuple[int, str, bool]]] = defaultdict(list)
    for vid, cid, name, phone, village, active in session.exec(
        select(
            Voter.id, Voter.constituency_id, Voter.name, Voter.phone, Voter.village, Voter.active
        ).where(Voter.township_id == township_id)
    ).all():
        existing[(cid, name, phone or "")].append((vid, village, active))

    con_names = {
        i: n
        for i, n in session.exec(
            select(Constituency.id, Constituency.name).where(
                Constituency.township_id == township_id
            )
        ).all()
    }
    with_links = "deputies" in sheet.columns
    # A row whose cells failed to convert cannot be told apart from others reliably.
    faulty = {p.row for p in problems}
    first_row: dict[tuple[int, str, str], int] = {}
    plan: list[tuple[int, tuple[int, str, str], str, list[int] | None]] = []
    for n, parsed in enumerate(sheet.rows, start=1):
        if n % 5000 == 0 and progress:
            progress(0.6 + 0.15 * n / len(sheet.rows), "check")
        v = parsed.values
        row = parsed.row
        if v["name"] is None or v["constituency"] is None:
            continue  # already reported as missing
        cid = cons.get(match_key(v["constituency"]))
        if cid is None:
            problems.append(
                Problem(
                    row,
                    "constituency",
                    "linkage.import.unknown_constituency",
                    {"name": v["constituency"]},
                )
            )
            continue
        key = (cid, v["name"], v.get("phone") or "")
        if row in faulty:
            pass
        elif key in first_row:
            problems.append(
                Problem(row, "name", "linkage.import.duplicate_person", {"first": first_row[key]})
            )
            continue
        else:
            first_row[key] = row
        if len(existing.get(key, ())) > 1:
            problems.append(Problem(row, "name", "linkage.import.ambiguous_existing"))
            continue
        links: list[int] | None = None
        names = _split_names(v.get("deputies"))
        if with_links and names:
            links = []
            for name in names:
                candidates = deputies.get(match_key(name), [])
                if len(candidates) > 1:
                    candidates = [c for c in candidates if c[1] == cid] or candidates
                if not candidates:
                    problems.append(
                        Problem(row, "deputies", "linkage.import.unknown_deputy", {"name": name})
                    )
                elif len(candidates) > 1:
                    problems.append(
                        Problem(row, "deputies", "linkage.import.ambiguous_deputy", {"name": name})
                    )
                elif candidates[0][1] != cid:
                    problems.append(
                        Problem(
                            row,
                            "deputies",
                            "linkage.import.other_constituency",
                            {
                                "name": name,
                                "deputy_constituency": con_names.get(candidates[0][1], "—"),
                                "constituency": con_names[cid],
                            },
                        )
                    )
                else:
                    links.append(candidates[0][0])
        plan.append((row, key, v.get("village"), links))
    _reject(problems)

    now = utcnow()
    inserts: list[dict] = []
    insert_links: list[list[int] | None] = []
    updates: list[dict] = []
    link_targets: dict[int, set[int]] = {}
    known: list[int] = []
    for _row, key, village, links in plan:
        found = existing.get(key)
        if not found:
            cid, name, phone = key
            inserts.append(
                {
                    "township_id": township_id,
                    "constituency_id": cid,
                    "name": name,
                    "village": village or "",
                    "phone": phone,
                    "active": True,
                    "entered_at": now,
                    "entered_by_id": actor.id,
                    "updated_at": None,
                }
            )
            insert_links.append(links)
            continue
        vid, old_village, active = found[0]
        known.append(vid)
        change: dict[str, Any] = {}
        if village is not None and village != old_village:
            change["village"] = village
        if not active:
            change["active"] = True
        if change:
            updates.append({"id": vid, **change, "updated_at": now})
        if links is not None:
            link_targets[vid] = set(links)

    current_links: dict[int, dict[int, int]] = defaultdict(dict)
    if link_targets:
        for link_id, dep_id, voter_id in session.exec(
            select(VoterLink.id, VoterLink.deputy_id, VoterLink.voter_id).where(
                VoterLink.township_id == township_id
            )
        ).all():
            if voter_id in link_targets:
                current_links[voter_id][dep_id] = link_id
    drop_links: list[int] = []
    add_links: list[tuple[int, int]] = []
    relinked: set[int] = set()
    for vid, wanted in link_targets.items():
        have = current_links.get(vid, {})
        gone = [link_id for dep_id, link_id in have.items() if dep_id not in wanted]
        new = [(dep_id, vid) for dep_id in sorted(wanted - set(have))]
        if gone or new:
            relinked.add(vid)
        drop_links += gone
        add_links += new
    # A known voter is updated when a field or the set of linked deputies changed.
    updated = {u["id"] for u in updates} | relinked

    if progress:
        progress(0.75, "write")
    counts = {
        "created": len(inserts),
        "updated": len(updated),
        "unchanged": len(known) - len(updated),
        "links_added": 0,
        "links_removed": len(drop_links),
    }
    try:
        last_id = session.exec(select(func.coalesce(func.max(Voter.id), 0))).one()
        imports.bulk_insert(session, Voter, inserts, progress=_scaled(progress, 0.75, 0.9))
        if inserts:
            # New voters are found again by their natural key, unique in this unit by now.
            new_ids = {
                (cid, name, phone): vid
                for vid, cid, name, phone in session.exec(
                    select(Voter.id, Voter.constituency_id, Voter.name, Voter.phone).where(
                        Voter.township_id == township_id, Voter.id > last_id
                    )
                ).all()
            }
            for row, links in zip(inserts, insert_links, strict=True):
                vid = new_ids[(row["constituency_id"], row["name"], row["phone"])]
                add_links += [(dep_id, vid) for dep_id in sorted(set(links or ()))]
        if updates:
            session.execute(update(Voter), updates)
        for first in range(0, len(drop_links), 5000):
            session.execute(
                delete(VoterLink).where(VoterLink.id.in_(drop_links[first : first + 5000]))
            )
        today = date.today()
        link_rows = [
            {
                "township_id": township_id,
                "deputy_id": dep_id,
                "voter_id": vid,
                "since": today,
                "entered_at": now,
                "entered_by_id": actor.id,
                "updated_at": None,
            }
            for dep_id, vid in add_links
        ]
        imports.bulk_insert(session, VoterLink, link_rows, progress=_scaled(progress, 0.9, 1.0))
        counts["links_added"] = len(link_rows)
        result = ImportResult(rows=len(plan), counts=counts)
        if result.changed:
            _import_audit(session, actor, "voter_import", township_id, filename, result)
            session.commit()
        else:
            session.rollback()
    except Exception:
        session.rollback()
        raise
    if progress:
        progress(1.0, "write")
    return result


def import_deputies(
    session: Session,
    actor: Actor,
    township_id: int,
    data: bytes,
    *,
    filename: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportResult:
    """Read a deputy sheet for the unit and store it whole, or raise ImportRejected.

    A deputy is the same person when level and name match (the phone tells two namesakes
    apart). A changed constituency is a move: the deputy's links to voters of the old
    constituency stop counting until they are redone. Blank optional cells keep what is stored.
    """
    require_write(actor, township_id)
    unit = _unit(session, township_id)
    today = today or date.today()
    sheet = imports.read_rows(data, DEPUTY_SHEET, progress=_scaled(progress, 0.0, 0.6))
    problems = list(sheet.problems)
    if not sheet.rows:
        _reject(problems)
    cons = {
        match_key(n): i
        for i, n in session.exec(
            select(Constituency.id, Constituency.name).where(
                Constituency.township_id == township_id
            )
        ).all()
    }
    rows_by_key: dict[tuple[str, str], list[Deputy]] = defaultdict(list)
    for dep in session.exec(select(Deputy).where(Deputy.township_id == township_id)).all():
        rows_by_key[(DeputyLevel(dep.level).value, dep.name)].append(dep)
    first_row: dict[tuple[str, str], int] = {}
    plan: list[tuple[Deputy | None, dict[str, Any]]] = []
    for parsed in sheet.rows:
        v, row = parsed.values, parsed.row
        if v["name"] is None or v["level"] is None:
            continue
        fields: dict[str, Any] = {}
        if v.get("constituency"):
            cid = cons.get(match_key(v["constituency"]))
            if cid is None:
                problems.append(
                    Problem(
                        row,
                        "constituency",
                        "linkage.import.unknown_constituency",
                        {"name": v["constituency"]},
                    )
                )
                continue
            fields["constituency_id"] = cid
        key = (v["level"], v["name"])
        if key in first_row:
            problems.append(
                Problem(row, "name", "linkage.import.duplicate_person", {"first": first_row[key]})
            )
            continue
        first_row[key] = row
        matches = rows_by_key.get(key, [])
        if len(matches) > 1 and v.get("phone"):
            matches = [m for m in matches if m.phone == v["phone"]] or matches
        if len(matches) > 1:
            active = [m for m in matches if m.active]
            matches = active if len(active) == 1 else matches
        if len(matches) > 1:
            problems.append(Problem(row, "name", "linkage.import.ambiguous_existing"))
            continue
        target = matches[0] if matches else None
        if (
            target is None
            and needs_constituency(unit.unit_type, v["level"])
            and "constituency_id" not in fields
        ):
            problems.append(Problem(row, "constituency", "imports.error.required"))
            continue
        member = v.get("is_presidium_member")
        if member is None and target is not None:
            member = target.is_presidium_member
        if member and (
            not UnitType(unit.unit_type).has_congress or v["level"] != DeputyLevel.township
        ):
            problems.append(
                Problem(row, "is_presidium_member", "linkage.import.presidium_not_applicable")
            )
            continue
        if v.get("term_start") and v["term_start"] > today:
            problems.append(Problem(row, "term_start", "linkage.import.future_date"))
            continue
        for column in ("is_presidium_member", "gender", "phone", "has_fixed_income", "term_start"):
            if v.get(column) is not None:
                fields[column] = v[column]
        plan.append((target, {"name": v["name"], "level": v["level"], **fields}))
    _reject(problems)

    now = utcnow()
    inserts, updates, unchanged = [], [], 0
    for target, fields in plan:
        if target is None:
            inserts.append(
                {
                    "township_id": township_id,
                    "name": fields["name"],
                    "level": DeputyLevel(fields["level"]),
                    "constituency_id": fields.get("constituency_id"),
                    "is_presidium_member": bool(fields.get("is_presidium_member", False)),
                    "gender": fields.get("gender") or "",
                    "phone": fields.get("phone") or "",
                    "has_fixed_income": fields.get("has_fixed_income", True),
                    "term_start": fields.get("term_start"),
                    "active": True,
                    "entered_at": now,
                    "entered_by_id": actor.id,
                    "updated_at": None,
                }
            )
            continue
        change = {
            k: val
            for k, val in fields.items()
            if k not in ("name", "level") and getattr(target, k) != val
        }
        if not target.active:
            change["active"] = True
        if change:
            updates.append({"id": target.id, **change, "updated_at": now})
        else:
            unchanged += 1
    result = ImportResult(
        rows=len(plan),
        counts={"created": len(inserts), "updated": len(updates), "unchanged": unchanged},
    )
    try:
        imports.bulk_insert(session, Deputy, inserts, progress=_scaled(progress, 0.6, 0.9))
        if updates:
            session.execute(update(Deputy), updates)
        if result.changed:
            _import_audit(session, actor, "deputy_import", township_id, filename, result)
            session.commit()
        else:
            session.rollback()
    except Exception:
        session.rollback()
        raise
    if progress:
        progress(1.0, "write")
    return result
