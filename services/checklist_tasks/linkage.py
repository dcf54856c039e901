"""Aspect C, deputies, the double linkage (双联) and its visits: T08 double linkage coverage,
T09 one visit and two notifications (一访双通报).

* T08 double linkage: presidium members (``presidium_member``) linked to ≥
  ``deputies_per_presidium_member`` active deputies, and deputies (``linkage_deputy``: township
  deputies of towns and townships, all of them; for a sub-district, which has no presidium,
  only this half, over its deputies that have a constituency there) linked to ≥
  ``voters_per_deputy`` active voters of their own constituency. The share is the smaller of the
  two halves ("100 % of each").
* T09 half-years (Jan–Jun, Jul–Dec) with at least one Visit and both Notification kinds, against
  the schedule (1 by 30 Jun, 2 by 31 Dec by default); every visit and notification counts for
  the half-year it was made in.
"""

from dataclasses import replace
from datetime import date

from sqlalchemy import and_, case, extract, literal, or_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import func, select

from models import Deputy, Notification, PresidiumLink, Township, Visit, Voter, VoterLink
from models.enums import DeputyLevel, NotificationKind, UnitType, VisitKind
from services.checklist_tasks.reader import TaskReader, Unit, record
from services.rules import TaskRule
from services.task_status import TaskStatus, count_task, listed, share_task

# ---------------------------------------------------------------------------------------------
# T08 double linkage


def presidium_member():
    """T08: the presidium members among the deputies (of a unit that has a congress)."""
    return and_(Deputy.active, Deputy.is_presidium_member, Deputy.level == DeputyLevel.township)


def linkage_deputy():
    """T08, on Deputy joined to Township: the deputies who must link to voters. A township
    deputy without a constituency is a gap to show, not one to leave out."""
    congress = Township.unit_type.in_(UnitType.with_congress())
    return and_(
        Deputy.active,
        or_(
            and_(congress, Deputy.level == DeputyLevel.township),
            and_(~congress, Deputy.constituency_id.is_not(None)),
        ),
    )


def _members(reader: TaskReader):
    """T08's presidium half: a SELECT over the members of the units read, the number of active
    deputies each is linked to, whether that is enough, and how many are needed."""
    need = reader.rules.linkage.deputies_per_presidium_member
    linked = aliased(Deputy)
    links = (
        select(PresidiumLink.member_id, func.count(func.distinct(linked.id)).label("n"))
        .join(linked, and_(linked.id == PresidiumLink.deputy_id, linked.active))
        .where(PresidiumLink.township_id.in_(reader.ids))
        .group_by(PresidiumLink.member_id)
        .subquery()
    )
    n = func.coalesce(links.c.n, 0)

    def over(*columns):
        return (
            select(Deputy.township_id, *columns)
            .join(links, links.c.member_id == Deputy.id, isouter=True)
            .where(presidium_member(), Deputy.township_id.in_(reader.ids))
        )

    return over, n, n >= need, need


def _deputies(reader: TaskReader):
    """T08's voter half: a SELECT over the deputies who must link to voters, the number of
    active voters of their own constituency each is linked to, whether that is enough, and how
    many are needed."""
    need = reader.rules.linkage.voters_per_deputy
    links = (
        select(VoterLink.deputy_id, func.count(func.distinct(Voter.id)).label("n"))
        .join(Voter, and_(Voter.id == VoterLink.voter_id, Voter.active))
        .join(Deputy, Deputy.id == VoterLink.deputy_id)
        .where(
            Voter.constituency_id == Deputy.constituency_id,
            VoterLink.township_id.in_(reader.ids),
        )
        .group_by(VoterLink.deputy_id)
        .subquery()
    )
    n = func.coalesce(links.c.n, 0)

    def over(*columns):
        return (
            select(Deputy.township_id, *columns)
            .join(Township, Township.id == Deputy.township_id)
            .join(links, links.c.deputy_id == Deputy.id, isouter=True)
            .where(linkage_deputy(), Deputy.township_id.in_(reader.ids))
        )

    return over, n, n >= need, need


# The halves of T08 by the kind of their records, and the kind of their missing items.
_HALVES = {
    "presidium_member": (_members, "member_links_short"),
    "deputy": (_deputies, "deputy_voters_short"),
}


def _halves_of(unit: Unit) -> tuple[str, ...]:
    """A sub-district has no presidium: only the voter half."""
    return ("presidium_member", "deputy") if unit.unit_type.has_congress else ("deputy",)


def _link_answers(reader: TaskReader) -> dict[str, dict]:
    """Both answers T08 needs, one statement per half: per unit, (people of the half, of them
    linked enough), and the people short of links, fewest first. The people of a half and their
    link counts are read once (a common table expression) for the two."""
    counts: dict[tuple[str, int], tuple[int, int]] = {}
    short: dict[tuple[str, int], list[dict]] = {}
    for half, (people, kind) in _HALVES.items():
        over, n, linked, need = people(reader)
        who = over(
            Deputy.id.label("deputy_id"),
            Deputy.name.label("name"),
            n.label("n"),
            case((linked, 1), else_=0).label("ok"),
        ).cte(f"t08_{half}")
        per_unit = select(
            who.c.township_id,
            literal(0).label("part"),
            func.count().label("total"),
            func.sum(who.c.ok).label("ok"),
            literal(None).label("name"),
            literal(0).label("deputy_id"),
        ).group_by(who.c.township_id)
        lacking = select(
            who.c.township_id,
            literal(1).label("part"),
            who.c.n,
            who.c.ok,
            who.c.name,
            who.c.deputy_id,
        ).where(who.c.ok == 0)
        both = union_all(per_unit, lacking).subquery()
        stmt = select(*both.c).order_by(
            both.c.part, both.c.township_id, both.c.total, both.c.deputy_id
        )
        for tid, part, value, ok, name, _ in reader.session.execute(stmt).all():
            if part == 0:
                counts[(half, tid)] = (int(value), int(ok or 0))
            else:
                item = {"kind": kind, "name": name, "have": int(value), "need": need}
                short.setdefault((half, tid), []).append(item)
    return {"counts": counts, "short": short}


def _link_counts(reader: TaskReader) -> dict[tuple[str, int], tuple[int, int]]:
    """(half, unit) -> (people of the half, of them linked enough)."""
    return reader.once(_link_answers)["counts"]


def _short_of_links(reader: TaskReader) -> dict[tuple[str, int], list[dict]]:
    """(half, unit) -> the people of the half short of links, fewest first."""
    return reader.once(_link_answers)["short"]


def t08_double_linkage(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    halves = _halves_of(unit)
    counts = [reader.once(_link_counts).get((h, unit.id), (0, 0)) for h in halves]
    short = reader.once(_short_of_links)
    missing = [item for h in halves for item in listed(short.get((h, unit.id), []))]
    shares = [ok / total for total, ok in counts if total]
    return share_task(
        task,
        unit.id,
        sum(ok for _, ok in counts),
        sum(total for total, _ in counts),
        target=task.target,
        missing=missing,
        year=reader.year,
        as_of=reader.as_of,
        value=min(shares) if shares else None,
    )


def t08_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """The presidium members and the deputies who must link; those linked enough count."""
    rows = []
    for half in _halves_of(unit):
        over, n, linked, _ = _HALVES[half][0](reader)
        stmt = over(Deputy.name, n, linked).where(Deputy.township_id == unit.id)
        rows += [
            record(None, half, name, counts=ok, value=int(have))
            for _, name, have, ok in reader.session.exec(stmt.order_by(Deputy.id)).all()
        ]
    return rows


# ---------------------------------------------------------------------------------------------
# T09 one visit, two notifications


def _half(column):
    """1 for a date in January to June, 2 for July to December."""
    return case((extract("month", column) <= 6, 1), else_=2)


def _visits_in_reach(reader: TaskReader):
    return and_(
        Visit.held_on.between(reader.start, reader.as_of), Visit.township_id.in_(reader.ids)
    )


def _notifications_in_reach(reader: TaskReader):
    return and_(
        Notification.issued_on.between(reader.start, reader.as_of),
        Notification.township_id.in_(reader.ids),
    )


def _half_year_counts(reader: TaskReader) -> tuple[dict, dict]:
    """(unit, half) -> visits; (unit, notification kind, half) -> notifications."""
    half = _half(Visit.held_on)
    visits = reader.session.exec(
        select(Visit.township_id, half, func.count(Visit.id))
        .where(_visits_in_reach(reader))
        .group_by(Visit.township_id, half)
    ).all()
    nhalf = _half(Notification.issued_on)
    notices = reader.session.exec(
        select(Notification.township_id, Notification.kind, nhalf, func.count(Notification.id))
        .where(_notifications_in_reach(reader))
        .group_by(Notification.township_id, Notification.kind, nhalf)
    ).all()
    v = {(tid, int(h)): int(n) for tid, h, n in visits}
    k = {(tid, NotificationKind(kind), int(h)): int(n) for tid, kind, h, n in notices}
    return v, k


def t09_visits_and_notifications(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    visits, notices = reader.once(_half_year_counts)
    year, as_of = reader.year, reader.as_of
    complete = 0
    gaps: list[dict] = []
    halves = ((date(year, 1, 1), date(year, 6, 30)), (date(year, 7, 1), date(year, 12, 31)))
    for half, (opens, closes) in enumerate(halves, start=1):
        if opens > as_of:
            break
        lacking = []
        if not visits.get((unit.id, half)):
            lacking.append({"kind": "visit_needed"})
        for kind in NotificationKind:
            if not notices.get((unit.id, kind, half)):
                lacking.append({"kind": "notification_needed", "notification": kind})
        if not lacking:
            complete += 1
            continue
        over = closes <= as_of
        gaps += [{**g, "half": half, "deadline": closes, "overdue": over} for g in lacking]
    status = count_task(
        task,
        unit.id,
        complete,
        task.target * 2,
        year=year,
        as_of=as_of,
        missing_kind="halves_needed",
    )
    return replace(status, missing=() if status.status == "done" else tuple(gaps))


def t09_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every visit and notification; each counts for the half-year it was made in."""
    visits = reader.session.exec(
        select(Visit.held_on, Visit.kind, Visit.note, Visit.people_visited)
        .where(_visits_in_reach(reader), Visit.township_id == unit.id)
        .order_by(Visit.held_on, Visit.id)
    ).all()
    notices = reader.session.exec(
        select(Notification.issued_on, Notification.kind, Notification.title)
        .where(_notifications_in_reach(reader), Notification.township_id == unit.id)
        .order_by(Notification.issued_on, Notification.id)
    ).all()
    rows = [
        record(on, f"visit.{VisitKind(kind).value}", note, counts=True, value=people)
        for on, kind, note, people in visits
    ]
    rows += [
        record(on, f"notification.{NotificationKind(kind).value}", title, counts=True)
        for on, kind, title in notices
    ]
    return sorted(rows, key=lambda r: r["date"])
