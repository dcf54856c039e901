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
from services.money import to_yuan
from services.permissions import Actor, can_read_township, readable_township_ids, scope_to_readable
from services.reads import Reads, fund_violations, overdue_items
from services.task_status import TaskStatus, clamp_as_of, next_contact_day_planned, since


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


def latest_held_month(frame) -> int | None:
    """The latest month of a participation frame in which any unit held its contact day: a
    month whose day has come but of which nothing is entered yet is not read as 0 %."""
    if frame.empty:
        return None
    held = frame.loc[frame["held"].astype(bool), "month"]
    return int(held.max()) if len(held) else None


def _district_participation(session: Session, actor: Actor, year: int, as_of: date):
    frame = linkage.contact_participation(session, actor, year=year, as_of=as_of)
    month = latest_held_month(frame)
    if month is None:
        return None, None
    trend = linkage.participation_trend(frame[frame["month"] == month])
    return month, float(trend.iloc[-1]["rate"])


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


def headline(
    session: Session, actor: Actor, *, year: int, as_of: date, reads: Reads | None = None
) -> Headline:
    as_of = clamp_as_of(year, as_of)
    checklist = checklist_status(session, year, as_of, readable_township_ids(actor), reads=reads)
    on_track = sum(1 for u in checklist.units if u.applicable and u.met == u.applicable)
    month, rate = _district_participation(session, actor, year, as_of)
    counts = supervision_metrics.stage_counts(session, actor, year=year, as_of=as_of)
    open_items = int(counts.loc[counts["stage"] != "closed", "items"].sum()) if len(counts) else 0
    overdue = len(overdue_items(session, actor, year=year, as_of=as_of, reads=reads))
    violations = fund_violations(session, actor, year=year, reads=reads)
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
    return next_contact_day_planned(
        lambda year: rules_service.get_rules(session, year).contact_day, as_of
    )


def alerts(
    session: Session, actor: Actor, *, year: int, as_of: date, reads: Reads | None = None
) -> list[Alert]:
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
    late_items = overdue_items(session, actor, year=year, as_of=as_of, reads=reads)
    if len(late_items):
        out.append(_overdue_items_alert(late_items))
    limit = rules_service.get_rules(session, year).reporting.late_after_days
    late = reporting.late_entries(session, actor, year=year)
    if len(late):
        # The units with the most late entries first, each with its count.
        by_unit = (
            late.groupby(["township_id", "name_zh", "name_en"], as_index=False)
            .size()
            .sort_values(["size", "township_id"], ascending=[False, True])
        )
        params = {
            "n": len(late),
            "year": year,
            "days": limit,
            "counts": [
                {"name_zh": zh, "name_en": en, "n": int(n)}
                for zh, en, n in by_unit[["name_zh", "name_en", "size"]].itertuples(index=False)
            ],
        }
        out.append(
            Alert(
                "overview.alert.late", params, "info", tuple(int(i) for i in by_unit["township_id"])
            )
        )
    nxt = next_contact_day(session, as_of)
    if nxt == as_of:
        out.append(Alert("overview.alert.contact_day_today", {"day": nxt}, "info"))
    else:
        out.append(
            Alert("overview.alert.next_contact_day", {"day": nxt, "n": (nxt - as_of).days}, "info")
        )
    return out


def _overdue_items_alert(frame) -> Alert:
    """The overdue supervision items, by unit: each unit's name, how many and their titles."""
    units: dict[int, dict] = {}
    for row in frame.to_dict("records"):
        unit = units.setdefault(
            int(row["township_id"]),
            {"name_zh": row["name_zh"], "name_en": row["name_en"], "titles": []},
        )
        unit["titles"].append(row["title"])
    return Alert(
        "overview.alert.overdue_items",
        {"n": len(frame), "units": list(units.values())},
        "warning",
        tuple(units),
    )


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


# ---------------------------------------------------------------------------------------------
# Who needs a call


@dataclass(frozen=True)
class Lag:
    """One thing a unit is behind or overdue with: a task of the list (``task``) or an overdue
    supervision item (``item``: title, stage, deadline), and since when."""

    code: str  # "T01"…"T10", or "supervision"
    status: str  # "behind" or "overdue"
    since: date | None
    task: TaskStatus | None = None
    item: dict | None = None


@dataclass(frozen=True)
class UnitCall:
    township_id: int
    name_zh: str
    name_en: str
    lags: tuple[Lag, ...]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def overdue(self) -> int:
        return sum(lag.status == "overdue" for lag in self.lags)

    @property
    def behind(self) -> int:
        return sum(lag.status == "behind" for lag in self.lags)

    @property
    def earliest(self) -> date | None:
        return min((lag.since for lag in self.lags if lag.since), default=None)


def unit_calls(
    session: Session, actor: Actor, *, year: int, as_of: date, reads: Reads | None = None
) -> list[UnitCall]:
    """Every unit with a task behind or overdue or an overdue supervision item: what, since
    when (``services.task_status.since``; an item: its stage deadline) and, in the task's
    missing items, what would put it right. The units with most overdue first, then those
    longest behind; each unit's lags overdue first, the oldest first."""
    as_of = clamp_as_of(year, as_of)
    checklist = checklist_status(session, year, as_of, readable_township_ids(actor), reads=reads)
    rule_set = rules_service.get_rules(session, year)
    late = overdue_items(session, actor, year=year, as_of=as_of, reads=reads)
    items: dict[int, list[Lag]] = {}
    for row in late.to_dict("records"):
        item = {"title": row["title"], "stage": row["stage"], "deadline": row["deadline"]}
        lag = Lag("supervision", "overdue", row["deadline"], item=item)
        items.setdefault(int(row["township_id"]), []).append(lag)
    out = []
    for unit in checklist.units:
        lags = [
            Lag(task.code, task.status, since(task, rule_set.task(task.code), year), task=task)
            for task in unit.tasks
            if task.status in ("behind", "overdue")
        ]
        lags += items.get(unit.township_id, [])
        if not lags:
            continue
        lags.sort(key=lambda g: (g.status != "overdue", g.since or as_of, g.code))
        out.append(UnitCall(unit.township_id, unit.name_zh, unit.name_en, tuple(lags)))
    order = {u.township_id: i for i, u in enumerate(checklist.units)}
    return sorted(
        out, key=lambda c: (-c.overdue, -c.behind, c.earliest or as_of, order[c.township_id])
    )
