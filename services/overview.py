"""The district overview: headline figures and the alerts that need action, as of a date.

Everything here is read from the other services, so the overview, the screens behind it and
the appraisal agree on every number.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, func, select

from models import Budget, Commendation, Deputy, Expense, Township
from services import linkage, reporting, supervision_metrics
from services import rules as rules_service
from services.checklist import checklist_status
from services.commendations import APPROVED
from services.fund_reports import fund_violations
from services.money import to_yuan
from services.permissions import Actor, can_read_township, readable_township_ids, scope_to_readable
from services.task_status import clamp_as_of, contact_day_planned


@dataclass(frozen=True)
class Headline:
    as_of: date
    units: int
    units_on_track: int
    participation_month: int | None
    participation: float | None
    open_items: int
    overdue_items: int
    execution: float | None
    violations: int  # open: standing errors, exceptions awaiting approval included
    violations_excused: int = 0  # justified exceptions the district admin approved


@dataclass(frozen=True)
class Alert:
    key: str
    params: dict
    level: str  # "warning" or "info"
    township_ids: tuple[int, ...] = ()


def _district_participation(session: Session, actor: Actor, year: int, as_of: date):
    frame = linkage.contact_participation(session, actor, year=year, as_of=as_of)
    trend = linkage.participation_trend(frame)
    if trend.empty:
        return None, None
    last = trend.iloc[-1]
    return int(last["month"]), float(last["rate"])


def _execution(session: Session, actor: Actor, year: int, as_of: date) -> float | None:
    """Spending charged to the year up to ``as_of`` over the year's budget."""
    budget = scope_to_readable(
        select(func.coalesce(func.sum(Budget.amount_fen), 0)).where(Budget.year == year),
        Budget.township_id,
        actor,
    )
    spent = scope_to_readable(
        select(func.coalesce(func.sum(Expense.amount_fen), 0)).where(
            Expense.budget_year == year, Expense.occurred_on <= as_of
        ),
        Expense.township_id,
        actor,
    )
    total = to_yuan(int(session.exec(budget).one()))
    if total == Decimal(0):
        return None
    return float(to_yuan(int(session.exec(spent).one())) / total)


def headline(session: Session, actor: Actor, *, year: int, as_of: date) -> Headline:
    as_of = clamp_as_of(year, as_of)
    checklist = checklist_status(session, year, as_of, readable_township_ids(actor))
    on_track = sum(1 for u in checklist.units if u.applicable and u.met == u.applicable)
    month, rate = _district_participation(session, actor, year, as_of)
    counts = supervision_metrics.stage_counts(session, actor, year=year, as_of=as_of)
    open_items = int(counts.loc[counts["stage"] != "closed", "items"].sum()) if len(counts) else 0
    overdue = len(supervision_metrics.overdue_items(session, actor, year=year, as_of=as_of))
    violations = fund_violations(session, actor, year=year)
    return Headline(
        as_of=as_of,
        units=len(checklist.units),
        units_on_track=on_track,
        participation_month=month,
        participation=rate,
        open_items=open_items,
        overdue_items=overdue,
        execution=_execution(session, actor, year, as_of),
        violations=sum(1 for v in violations if v.standing),
        violations_excused=sum(1 for v in violations if v.excepted),
    )


def next_contact_day(session: Session, as_of: date) -> date:
    """The next contact day on or after ``as_of`` as the rule of its year plans it (a day that
    is not a working day moves to its nearest working day where the rule allows)."""
    rule = rules_service.get_rules(session, as_of.year).contact_day
    this_month = contact_day_planned(rule, as_of.year, as_of.month)
    if this_month >= as_of:
        return this_month
    first_next = (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)
    rule = rules_service.get_rules(session, first_next.year).contact_day
    return contact_day_planned(rule, first_next.year, first_next.month)


def alerts(session: Session, actor: Actor, *, year: int, as_of: date) -> list[Alert]:
    """What needs action, most pressing first; each alert names the units concerned."""
    status = reporting.reporting_status(session, actor, as_of=as_of)
    out: list[Alert] = []
    no_presidium = [u for u in status if u.presidium_applies and not u.presidium_held_this_quarter]
    if no_presidium:
        out.append(_units_alert("overview.alert.no_presidium", no_presidium))
    missing = [u for u in status if u.contact_day_due and not u.contact_day_entered]
    if missing:
        out.append(_units_alert("overview.alert.contact_missing", missing))
    silent = [u for u in status if u.silent]
    if silent:
        out.append(_units_alert("overview.alert.silent", silent))
    overdue = len(supervision_metrics.overdue_items(session, actor, year=year, as_of=as_of))
    if overdue:
        out.append(Alert("overview.alert.overdue_items", {"n": overdue}, "warning"))
    limit = rules_service.get_rules(session, year).reporting.late_after_days
    late = len(reporting.late_entries(session, actor, year=year))
    if late:
        out.append(Alert("overview.alert.late", {"n": late, "year": year, "days": limit}, "info"))
    nxt = next_contact_day(session, as_of)
    if nxt == as_of:
        out.append(Alert("overview.alert.contact_day_today", {"day": nxt}, "info"))
    else:
        out.append(
            Alert("overview.alert.next_contact_day", {"day": nxt, "n": (nxt - as_of).days}, "info")
        )
    return out


def _units_alert(key: str, units: list[reporting.UnitReporting]) -> Alert:
    return Alert(
        key,
        {
            "n": len(units),
            "names_zh": [u.name_zh for u in units],
            "names_en": [u.name_en for u in units],
        },
        "warning",
        tuple(u.township_id for u in units),
    )


def commendations(session: Session, actor: Actor, *, year: int, as_of: date) -> list[dict]:
    """Deputies commended (approved) in ``year`` up to ``as_of``: unit, deputy name and the
    honour."""
    stmt = (
        select(Township.name_zh, Township.name_en, Deputy.name, Commendation.title)
        .join(Township, Township.id == Commendation.township_id)
        .join(Deputy, Deputy.id == Commendation.deputy_id, isouter=True)
        .where(
            Commendation.year == year,
            Commendation.status == APPROVED,
            (Commendation.awarded_on.is_(None)) | (Commendation.awarded_on <= as_of),
        )
        .order_by(Township.sort_order, Commendation.id)
    )
    stmt = scope_to_readable(stmt, Commendation.township_id, actor)
    return [
        {"name_zh": zh, "name_en": en, "deputy": name or "", "title": title}
        for zh, en, name, title in session.exec(stmt).all()
    ]


@dataclass(frozen=True)
class DueItem:
    """Something a unit owes by a date: a checklist item (rendered like the task screen) or an
    overdue supervision item."""

    on: date
    overdue: bool
    task: str | None = None
    item: dict | None = None
    supervision: dict | None = None


WEEK = timedelta(days=7)
MONTH = timedelta(days=31)


def due_this_week(
    session: Session, actor: Actor, *, township_id: int, as_of: date
) -> list[DueItem]:
    """A unit's items overdue or due within seven days of ``as_of``, the earliest first."""
    if not can_read_township(actor, township_id):
        return []
    out: list[DueItem] = []
    checklist = checklist_status(session, as_of.year, as_of, [township_id])
    for unit in checklist.units:
        for task in unit.tasks:
            for item in task.missing:
                when = item.get("deadline") or item.get("due_on") or item.get("day")
                if not isinstance(when, date) or when > as_of + WEEK:
                    continue
                # A contact day missed months ago cannot be made up: only last month's shows.
                if str(item.get("kind", "")).startswith("contact_day_") and when < as_of - MONTH:
                    continue
                # The task's own word where it has one: a pace point passed short is behind,
                # not overdue (services.task_status).
                overdue = bool(item["overdue"]) if "overdue" in item else when < as_of
                out.append(DueItem(on=when, overdue=overdue, task=task.code, item=item))
    late = supervision_metrics.overdue_items(
        session, actor, year=as_of.year, as_of=as_of, township_id=township_id
    )
    for row in late.to_dict("records"):
        out.append(DueItem(on=row["deadline"], overdue=True, supervision=row))
    return sorted(out, key=lambda d: (not d.overdue, d.on))
