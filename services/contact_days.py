"""Contact days (T07) with their participants and opinions, visits, and the two notifications (T09).

Records of what a unit did with its deputies and voters: the monthly contact day, visits to
deputies and to voters, and the presidium's two half-yearly notifications. Every write checks
the actor may write for the unit, validates everything before touching the database, writes,
adds an audit row and commits once. The coverage figures built on them are in ``linkage``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import delete
from sqlmodel import Session, func, or_, select

from models import (
    ContactDay,
    ContactDayParticipant,
    Deputy,
    IssuedDocument,
    Notification,
    Opinion,
    SupervisionItem,
    Visit,
)
from models.base import utcnow
from models.enums import AuditAction, NotificationKind, VisitKind
from services import audit, clock, corrections, years
from services.checklist_tasks.contact_days import participation_met
from services.errors import NotFound, ValidationError
from services.linkage import is_contact_day, unit_deputy_conditions
from services.permissions import Actor, require_read, require_write
from services.roster_reads import township_row
from services.rules import ContactDayRule, get_rules
from services.task_status import contact_day_calendar, contact_days_allowed
from services.validation import clean_text, past_date

MAX_NOTE = 500
MAX_TITLE = 200
MAX_SUMMARY = 2000
MAX_OPINIONS = 50
MAX_COUNT = 100_000


# ---------------------------------------------------------------------------------------------
# Validation


def _count(value: Any, field: str, *, minimum: int = 0) -> int:
    """A whole number of people or opinions, from ``minimum`` up to MAX_COUNT."""
    if value is None:
        raise ValidationError("error.required", field=field)
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


def _earliest(today: date) -> date:
    """The earliest date a record may be entered for: the start of last year."""
    return date(today.year - 1, 1, 1)


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


def _contact_values(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    held_on: date,
    deputy_ids: Iterable[int],
    voters_met: int,
    opinions_count: int,
    opinions: Iterable[str],
    summary: str,
    today: date | None,
    contact_day_id: int | None = None,
) -> tuple[dict, list[int], list[str]]:
    """The checked columns, participants and opinion texts of a contact day entered or corrected
    (``contact_day_id``: the one corrected, no duplicate of itself)."""
    unit = township_row(session, township_id)
    today = today or clock.today()
    held_on = past_date(held_on, field="held_on", today=today, earliest=_earliest(today))
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
            ContactDay.township_id == township_id,
            ContactDay.held_on == held_on,
            ContactDay.id != (contact_day_id or 0),
        )
    ).first():
        raise ValidationError("linkage.error.contact_day_exists", field="held_on", day=held_on)
    values = {
        "held_on": held_on,
        "voters_met": voters_met,
        "opinions_count": opinions_count,
        "summary": summary,
    }
    return values, people, texts


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
    """Record a unit's contact day with its participants and the opinions summarised.

    What T07 will make of it (participation, the day, a second one in the month) is told before
    saving by ``contact_day_preview``; the clerk decides, the record is kept as entered."""
    require_write(actor, township_id)
    values, people, texts = _contact_values(
        session,
        actor,
        township_id=township_id,
        held_on=held_on,
        deputy_ids=deputy_ids,
        voters_met=voters_met,
        opinions_count=opinions_count,
        opinions=opinions,
        summary=summary,
        today=today,
    )
    day = ContactDay(township_id=township_id, entered_by_id=actor.id, **values)
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


def _participants(session: Session, contact_day_id: int) -> list[int]:
    return sorted(
        session.exec(
            select(ContactDayParticipant.deputy_id).where(
                ContactDayParticipant.contact_day_id == contact_day_id
            )
        ).all()
    )


def _opinion_rows(session: Session, contact_day_id: int) -> list[Opinion]:
    return list(
        session.exec(
            select(Opinion).where(Opinion.contact_day_id == contact_day_id).order_by(Opinion.id)
        ).all()
    )


def _items_from(session: Session, *, contact_day_id: int | None, opinion_ids: list[int]) -> int:
    """Supervision items opened from the contact day (when given) or from these opinions."""
    conditions = []
    if contact_day_id is not None:
        conditions.append(SupervisionItem.contact_day_id == contact_day_id)
    if opinion_ids:
        conditions.append(SupervisionItem.opinion_id.in_(opinion_ids))
    if not conditions:
        return 0
    return session.exec(select(func.count(SupervisionItem.id)).where(or_(*conditions))).one()


def contact_day_entry(session: Session, actor: Actor, contact_day_id: int) -> dict:
    """A saved contact day as its form shows it for a correction."""
    day = _contact_day(session, contact_day_id)
    require_read(actor, day.township_id)
    return {
        "id": contact_day_id,
        "held_on": day.held_on,
        "deputy_ids": _participants(session, contact_day_id),
        "voters_met": day.voters_met,
        "opinions_count": day.opinions_count,
        "opinions": [o.text for o in _opinion_rows(session, contact_day_id)],
        "summary": day.summary,
    }


def correct_contact_day(
    session: Session,
    actor: Actor,
    contact_day_id: int,
    *,
    reason: str,
    held_on: date,
    deputy_ids: Iterable[int],
    voters_met: int,
    opinions_count: int,
    opinions: Iterable[str] = (),
    summary: str = "",
    today: date | None = None,
) -> int:
    """Correct a contact day saved: date, participants, counts, opinions and summary. The
    opinions typed replace those saved; an opinion a supervision item was opened from cannot be
    taken away (``InUse``). Returns the contact day id."""
    day = _contact_day(session, contact_day_id)
    why = corrections.check_change(session, actor, day.township_id, day.held_on, reason)
    values, people, texts = _contact_values(
        session,
        actor,
        township_id=day.township_id,
        held_on=held_on,
        deputy_ids=deputy_ids,
        voters_met=voters_met,
        opinions_count=opinions_count,
        opinions=opinions,
        summary=summary,
        today=today,
        contact_day_id=contact_day_id,
    )
    saved = _opinion_rows(session, contact_day_id)
    dropped = [o for o in saved if o.text not in texts]
    corrections.refuse_if_depended(
        {
            "supervision_item": _items_from(
                session, contact_day_id=None, opinion_ids=[audit.key_of(o) for o in dropped]
            )
        }
    )
    was = _participants(session, contact_day_id)
    before = audit.snapshot(day) | {"deputy_ids": was, "opinions": [o.text for o in saved]}
    for row in dropped:
        session.delete(row)
    kept = {o.text for o in saved}
    for text in texts:
        if text not in kept:
            session.add(
                Opinion(
                    contact_day_id=contact_day_id,
                    township_id=day.township_id,
                    text=text,
                    entered_by_id=actor.id,
                )
            )
    session.execute(
        delete(ContactDayParticipant).where(
            ContactDayParticipant.contact_day_id == contact_day_id,
            ContactDayParticipant.deputy_id.not_in(people),
        )
    )
    for dep_id in sorted(set(people) - set(was)):
        session.add(ContactDayParticipant(contact_day_id=contact_day_id, deputy_id=dep_id))
    for name, value in values.items():
        setattr(day, name, value)
    day.updated_at = utcnow()
    return corrections.corrected(
        session,
        actor,
        day,
        entity="contact_day",
        township_id=day.township_id,
        before=before,
        reason=why,
        extra_after={"deputy_ids": people, "opinions": texts},
    )


def withdraw_contact_day(
    session: Session, actor: Actor, contact_day_id: int, *, reason: str
) -> None:
    """Withdraw a contact day entered by mistake, with its participants and opinions; refused
    (naming them) while supervision items grew out of it or out of its opinions."""
    day = _contact_day(session, contact_day_id)
    why = corrections.check_change(session, actor, day.township_id, day.held_on, reason)
    opinions = _opinion_rows(session, contact_day_id)
    corrections.refuse_if_depended(
        {
            "supervision_item": _items_from(
                session,
                contact_day_id=contact_day_id,
                opinion_ids=[audit.key_of(o) for o in opinions],
            )
        }
    )
    before = audit.snapshot(day) | {
        "deputy_ids": _participants(session, contact_day_id),
        "opinions": [o.text for o in opinions],
    }
    session.execute(delete(Opinion).where(Opinion.contact_day_id == contact_day_id))
    session.execute(
        delete(ContactDayParticipant).where(ContactDayParticipant.contact_day_id == contact_day_id)
    )
    corrections.withdrawn(
        session,
        actor,
        day,
        entity="contact_day",
        township_id=day.township_id,
        before=before,
        reason=why,
    )


def check_contact_day(
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
    contact_day_id: int | None = None,
) -> "ContactDayPreview":
    """Check a contact day as ``record_contact_day`` (or, with ``contact_day_id``,
    ``correct_contact_day``) would, writing nothing, and say what T07 will make of it
    (``contact_day_preview``): a form shows a refusal first, then the warnings."""
    require_write(actor, township_id)
    people = list(deputy_ids)
    _contact_values(
        session,
        actor,
        township_id=township_id,
        held_on=held_on,
        deputy_ids=people,
        voters_met=voters_met,
        opinions_count=opinions_count,
        opinions=opinions,
        summary=summary,
        today=today,
        contact_day_id=contact_day_id,
    )
    return contact_day_preview(
        session,
        actor,
        township_id=township_id,
        held_on=held_on,
        deputy_ids=people,
        contact_day_id=contact_day_id,
    )


@dataclass(frozen=True)
class ContactDayPreview:
    """What T07 will make of a contact day as entered, before it is saved.

    ``share`` of ``expected`` deputies take part (``minimum``: the rule set's share);
    ``allowed_days``: the days the rule set allows for its month; ``others_in_month``: the unit's
    other contact days saved for the same month."""

    participants: int
    expected: int
    share: float
    minimum: float
    below_minimum: bool
    on_allowed_day: bool
    allowed_days: tuple[date, ...]
    others_in_month: tuple[date, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        """The names of what will not count: ``participation``, ``day``, ``second``."""
        found = (
            ("participation", self.below_minimum),
            ("day", not self.on_allowed_day),
            ("second", bool(self.others_in_month)),
        )
        return tuple(name for name, on in found if on)


def contact_day_preview(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    held_on: date,
    deputy_ids: Iterable[int],
    contact_day_id: int | None = None,
) -> ContactDayPreview:
    """T07's reading of a contact day before it is saved, from the rule set of its year
    (``contact_day.min_participation``, ``day_of_month`` and ``tolerance``, as
    ``services.task_status.contact_days_allowed`` computes the days): whether enough deputies
    take part, whether the day is one the rule allows for its month, and whether the month has
    a contact day already (``contact_day_id``: the one being corrected, not counted)."""
    require_read(actor, township_id)
    rule = get_rules(session, held_on.year).contact_day
    unit = township_row(session, township_id)
    expected = session.exec(
        select(func.count(Deputy.id)).where(
            Deputy.township_id == township_id,
            *unit_deputy_conditions(unit.unit_type, voter_links=False),
        )
    ).one()
    people = len({int(i) for i in deputy_ids})
    share = min(1.0, people / expected) if expected else 0.0
    month = _contact_month(rule, held_on)
    allowed = tuple(contact_days_allowed(rule, *month))
    near = session.exec(
        select(ContactDay.held_on).where(
            ContactDay.township_id == township_id,
            ContactDay.held_on.between(held_on - timedelta(days=45), held_on + timedelta(days=45)),
            ContactDay.id != (contact_day_id or 0),
            ContactDay.held_on != held_on,
        )
    ).all()
    others = sorted(d for d in near if _contact_month(rule, d) == month)
    return ContactDayPreview(
        participants=people,
        expected=int(expected),
        share=share,
        minimum=rule.min_participation,
        below_minimum=not participation_met(rule, share),
        on_allowed_day=held_on in allowed,
        allowed_days=allowed,
        others_in_month=tuple(others),
    )


def _contact_month(rule: ContactDayRule, held_on: date) -> tuple[int, int]:
    """(year, month) whose contact day a date is: from the contact-day calendar (31 Dec may be
    next January's), else the date's own month."""
    for year in (held_on.year, held_on.year + 1):
        if (month := contact_day_calendar(rule, year).get(held_on)) is not None:
            return year, month
    return held_on.year, held_on.month


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


def _visit_values(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: VisitKind,
    held_on: date,
    people_visited: int,
    note: str,
    today: date | None,
    visit_id: int | None = None,
) -> dict:
    township_row(session, township_id)
    kind = _kind(VisitKind, kind)
    today = today or clock.today()
    held_on = past_date(held_on, field="held_on", today=today, earliest=_earliest(today))
    years.require_open(session, actor, held_on)
    people_visited = _count(people_visited, "people_visited", minimum=1)
    note = clean_text(note, field="note", limit=MAX_NOTE)
    if session.exec(
        select(Visit.id).where(
            Visit.township_id == township_id,
            Visit.kind == kind,
            Visit.held_on == held_on,
            Visit.note == note,
            Visit.id != (visit_id or 0),
        )
    ).first():
        raise ValidationError("linkage.error.duplicate_record", field="held_on")
    return {"kind": kind, "held_on": held_on, "people_visited": people_visited, "note": note}


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
    values = _visit_values(
        session,
        actor,
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        people_visited=people_visited,
        note=note,
        today=today,
    )
    row = Visit(township_id=township_id, entered_by_id=actor.id, **values)
    return audit.insert(session, actor, row, entity="visit", township_id=township_id)


def _visit(session: Session, visit_id: int) -> Visit:
    row = session.get(Visit, visit_id)
    if row is None:
        raise NotFound("linkage.correct.no_record", id=visit_id)
    return row


def visit_entry(session: Session, actor: Actor, visit_id: int) -> dict:
    """A saved visit as its form shows it for a correction."""
    row = _visit(session, visit_id)
    require_read(actor, row.township_id)
    return {
        "id": visit_id,
        "kind": VisitKind(row.kind).value,
        "held_on": row.held_on,
        "people_visited": row.people_visited,
        "note": row.note,
    }


def correct_visit(
    session: Session,
    actor: Actor,
    visit_id: int,
    *,
    reason: str,
    kind: VisitKind,
    held_on: date,
    people_visited: int,
    note: str = "",
    today: date | None = None,
) -> int:
    """Correct a visit saved. Returns its id."""
    row = _visit(session, visit_id)
    why = corrections.check_change(session, actor, row.township_id, row.held_on, reason)
    values = _visit_values(
        session,
        actor,
        township_id=row.township_id,
        kind=kind,
        held_on=held_on,
        people_visited=people_visited,
        note=note,
        today=today,
        visit_id=visit_id,
    )
    return corrections.apply(session, actor, row, values, entity="visit", reason=why)


def withdraw_visit(session: Session, actor: Actor, visit_id: int, *, reason: str) -> None:
    """Withdraw a visit entered by mistake (no other record depends on a visit)."""
    row = _visit(session, visit_id)
    why = corrections.check_change(session, actor, row.township_id, row.held_on, reason)
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="visit",
        township_id=row.township_id,
        before=audit.snapshot(row),
        reason=why,
    )


def _notification_values(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: NotificationKind,
    issued_on: date,
    title: str,
    today: date | None,
    notification_id: int | None = None,
) -> dict:
    township_row(session, township_id)
    kind = _kind(NotificationKind, kind)
    today = today or clock.today()
    issued_on = past_date(issued_on, field="issued_on", today=today, earliest=_earliest(today))
    years.require_open(session, actor, issued_on)
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    if session.exec(
        select(Notification.id).where(
            Notification.township_id == township_id,
            Notification.kind == kind,
            Notification.issued_on == issued_on,
            Notification.title == title,
            Notification.id != (notification_id or 0),
        )
    ).first():
        raise ValidationError("linkage.error.duplicate_record", field="issued_on")
    return {"kind": kind, "issued_on": issued_on, "title": title}


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
    values = _notification_values(
        session,
        actor,
        township_id=township_id,
        kind=kind,
        issued_on=issued_on,
        title=title,
        today=today,
    )
    row = Notification(township_id=township_id, entered_by_id=actor.id, **values)
    return audit.insert(session, actor, row, entity="notification", township_id=township_id)


def _notification(session: Session, notification_id: int) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound("linkage.correct.no_record", id=notification_id)
    return row


def notification_entry(session: Session, actor: Actor, notification_id: int) -> dict:
    """A saved notification as its form shows it for a correction."""
    row = _notification(session, notification_id)
    require_read(actor, row.township_id)
    return {
        "id": notification_id,
        "kind": NotificationKind(row.kind).value,
        "issued_on": row.issued_on,
        "title": row.title,
    }


def correct_notification(
    session: Session,
    actor: Actor,
    notification_id: int,
    *,
    reason: str,
    kind: NotificationKind,
    issued_on: date,
    title: str,
    today: date | None = None,
) -> int:
    """Correct a notification saved. Returns its id."""
    row = _notification(session, notification_id)
    why = corrections.check_change(session, actor, row.township_id, row.issued_on, reason)
    values = _notification_values(
        session,
        actor,
        township_id=row.township_id,
        kind=kind,
        issued_on=issued_on,
        title=title,
        today=today,
        notification_id=notification_id,
    )
    return corrections.apply(session, actor, row, values, entity="notification", reason=why)


def withdraw_notification(
    session: Session, actor: Actor, notification_id: int, *, reason: str
) -> None:
    """Withdraw a notification entered by mistake; refused (naming it) while a document was
    issued as it (the issued file is its evidence)."""
    row = _notification(session, notification_id)
    why = corrections.check_change(session, actor, row.township_id, row.issued_on, reason)
    issued = session.exec(
        select(func.count(IssuedDocument.id)).where(
            IssuedDocument.notification_id == notification_id
        )
    ).one()
    corrections.refuse_if_depended({"issued_document": issued})
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="notification",
        township_id=row.township_id,
        before=audit.snapshot(row),
        reason=why,
    )
