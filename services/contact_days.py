"""Contact days (T07) with their participants and opinions, visits, and the two notifications (T09).

Records of what a unit did with its deputies and voters: the monthly contact day, visits to
deputies and to voters, and the presidium's two half-yearly notifications. Every write checks
the actor may write for the unit, validates everything before touching the database, writes,
adds an audit row and commits once. The coverage figures built on them are in ``linkage``.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import delete
from sqlmodel import Session, func, select

from models import (
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Notification,
    Opinion,
    SupervisionItem,
    Visit,
)
from models.enums import AuditAction, NotificationKind, VisitKind
from services import audit, clock, years
from services.errors import NotFound, ValidationError
from services.linkage import is_contact_day, unit_deputy_conditions
from services.permissions import Actor, require_read, require_write
from services.roster_reads import township_row
from services.rules import get_rules
from services.validation import clean_text

MAX_NOTE = 500
MAX_TITLE = 200
MAX_SUMMARY = 2000
MAX_OPINIONS = 50
MAX_COUNT = 100_000


# ---------------------------------------------------------------------------------------------
# Validation


def _count(value: Any, field: str, *, minimum: int = 0) -> int:
    """A whole number of people or opinions, from ``minimum`` up to MAX_COUNT."""
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
    today = today or clock.today()
    if value > today:
        raise ValidationError("linkage.error.future_date", field=field)
    earliest = date(today.year - 1, 1, 1)
    if value < earliest:
        raise ValidationError("linkage.error.date_too_old", field=field, earliest=earliest)
    return value


def _kind(kinds: type[VisitKind] | type[NotificationKind], value: Any) -> Any:
    """The kind of a visit or notification, or a ValidationError for anything else."""
    try:
        return kinds(value)
    except ValueError:
        raise ValidationError("linkage.error.kind", field="kind") from None


def _contact_day(session: Session, contact_day_id: int) -> ContactDay:
    day = session.get(ContactDay, contact_day_id)
    if day is None:
        raise NotFound("linkage.error.no_contact_day", id=contact_day_id)
    return day


# ---------------------------------------------------------------------------------------------
# Contact days


def contact_days_frame(session: Session, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    """The unit's contact days of the year with participation and opinions recorded."""
    require_read(actor, township_id)
    rule = get_rules(session, year).contact_day
    unit = township_row(session, township_id)
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
    day = _contact_day(session, contact_day_id)
    require_read(actor, day.township_id)
    return list(
        session.exec(
            select(Opinion.text)
            .where(Opinion.contact_day_id == contact_day_id)
            .order_by(Opinion.id)
        ).all()
    )


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
    unit = township_row(session, township_id)
    held_on = _fact_date(held_on, "held_on", today)
    years.require_open(session, actor, held_on)
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
    return audit.key_of(day)


def delete_contact_day(session: Session, actor: Actor, contact_day_id: int) -> None:
    """Remove a contact day entered by mistake, unless a supervision item grew out of it."""
    day = _contact_day(session, contact_day_id)
    require_write(actor, day.township_id)
    years.require_open(session, actor, day.held_on)
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


# ---------------------------------------------------------------------------------------------
# Visits and notifications


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
    township_row(session, township_id)
    kind = _kind(VisitKind, kind)
    held_on = _fact_date(held_on, "held_on", today)
    years.require_open(session, actor, held_on)
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
    township_row(session, township_id)
    kind = _kind(NotificationKind, kind)
    issued_on = _fact_date(issued_on, "issued_on", today)
    years.require_open(session, actor, issued_on)
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
