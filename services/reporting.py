"""Reporting status: which units have not entered what is due, and which entries came in late."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Date, Integer, cast, literal, union_all
from sqlmodel import Session, func, select

from models import (
    ContactDay,
    Expense,
    IntegratedActivity,
    Meeting,
    Notification,
    SupervisionActivity,
    Township,
    Visit,
)
from models.enums import MeetingKind
from services import org, unit_figures
from services import rules as rules_service
from services.org import TownshipInfo
from services.permissions import Actor
from services.task_status import contact_days_allowed
from services.unit_figures import Kept

# (entity code, table, column holding the date of the fact)
RECORD_KINDS = [
    ("meeting", Meeting, Meeting.held_on),
    ("supervision_activity", SupervisionActivity, SupervisionActivity.held_on),
    ("contact_day", ContactDay, ContactDay.held_on),
    ("visit", Visit, Visit.held_on),
    ("notification", Notification, Notification.issued_on),
    ("integrated_activity", IntegratedActivity, IntegratedActivity.held_on),
    ("expense", Expense, Expense.occurred_on),
]


def _days_late(dialect: str, entered, fact):
    """Whole days from the fact's date to the entry's (UTC) date, in SQL."""
    if dialect == "sqlite":
        return cast(func.julianday(func.date(entered)) - func.julianday(fact), Integer)
    return cast(entered, Date) - fact


def _entries(session: Session, start: date, end: date, ids: list[int]):
    dialect = session.get_bind().dialect.name
    parts = []
    for code, table, fact in RECORD_KINDS:
        lag = _days_late(dialect, table.entered_at, fact)
        parts.append(
            select(
                literal(code).label("entity"),
                table.id.label("record_id"),
                table.township_id.label("township_id"),
                fact.label("fact_date"),
                table.entered_at.label("entered_at"),
                lag.label("days_late"),
            ).where(fact.between(start, end), table.township_id.in_(ids))
        )
    return union_all(*parts).subquery()


LATE_COLUMNS = [
    "entity",
    "record_id",
    "township_id",
    "name_zh",
    "name_en",
    "fact_date",
    "entered_at",
    "days_late",
]


def late_entries(session: Session, actor: Actor, *, year: int) -> pd.DataFrame:
    """Records of the year entered more than the rule's late_after_days after their date,
    the latest first (each unit's kept between reads, ``services.unit_figures``)."""
    limit = rules_service.get_rules(session, year).reporting.late_after_days

    def compute(stale: list[int]) -> dict[int, list[tuple]]:
        entries = _entries(session, date(year, 1, 1), date(year, 12, 31), stale)
        stmt = (
            select(
                entries.c.entity,
                entries.c.record_id,
                entries.c.township_id,
                Township.name_zh,
                Township.name_en,
                entries.c.fact_date,
                entries.c.entered_at,
                entries.c.days_late,
            )
            .join(Township, Township.id == entries.c.township_id)
            .where(entries.c.days_late > limit)
        )
        rows: dict[int, list[tuple]] = {tid: [] for tid in stale}
        for row in session.execute(stmt).all():
            rows[row.township_id].append(tuple(row))
        return rows

    units = [u.id for u in org.list_townships(session, actor)]
    kept = unit_figures.per_unit(
        session, "late", year=year, as_of=date(year, 12, 31), ids=units, compute=compute
    )
    df = pd.DataFrame([row for tid in units for row in kept[tid]], columns=LATE_COLUMNS)
    df["days_late"] = df["days_late"].astype(int)
    return df.sort_values(
        ["days_late", "fact_date"], ascending=[False, True], ignore_index=True, kind="stable"
    )


@dataclass(frozen=True)
class UnitReporting(Kept):
    township_id: int
    name_zh: str
    name_en: str
    contact_day_due: bool
    contact_day_entered: bool
    presidium_applies: bool
    presidium_held_this_quarter: bool
    entries_this_month: int
    late_this_year: int

    @property
    def silent(self) -> bool:
        """Nothing entered this month although something was due."""
        owed = (self.contact_day_due and not self.contact_day_entered) or (
            self.presidium_applies and not self.presidium_held_this_quarter
        )
        return self.entries_this_month == 0 and owed


def reporting_status(session: Session, actor: Actor, *, as_of: date) -> list[UnitReporting]:
    """Per unit, for the month and quarter of ``as_of``: what was due and what was entered
    (each unit's kept between reads, ``services.unit_figures``)."""
    by_id = {u.id: u for u in org.list_townships(session, actor)}
    kept = unit_figures.per_unit(
        session,
        "reporting",
        year=as_of.year,
        as_of=as_of,
        ids=list(by_id),
        compute=lambda stale: _unit_reporting(session, as_of, [by_id[i] for i in stale]),
    )
    return [kept[tid] for tid in by_id]


def _unit_reporting(
    session: Session, as_of: date, units: list[TownshipInfo]
) -> dict[int, UnitReporting]:
    rules = rules_service.get_rules(session, as_of.year)
    ids = [u.id for u in units]
    month_start = as_of.replace(day=1)
    quarter_start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    # Owed once the last day the rule allows for this month's contact day has come.
    last_contact_day = max(contact_days_allowed(rules.contact_day, as_of.year, as_of.month))
    presidium_types = set(rules.task("T02").applies_to)

    def per_unit(stmt) -> dict[int, int]:
        return {tid: n for tid, n in session.exec(stmt).all()}

    contact = per_unit(
        select(ContactDay.township_id, func.count(ContactDay.id))
        .where(ContactDay.held_on.between(month_start, as_of), ContactDay.township_id.in_(ids))
        .group_by(ContactDay.township_id)
    )
    presidium = per_unit(
        select(Meeting.township_id, func.count(Meeting.id))
        .where(
            Meeting.kind == MeetingKind.presidium,
            Meeting.held_on.between(quarter_start, as_of),
            Meeting.township_id.in_(ids),
        )
        .group_by(Meeting.township_id)
    )
    entries = _entries(session, date(as_of.year, 1, 1), date(as_of.year, 12, 31), ids)
    late_limit = rules.reporting.late_after_days
    late = per_unit(
        select(entries.c.township_id, func.count())
        .where(entries.c.days_late > late_limit, entries.c.fact_date <= as_of)
        .group_by(entries.c.township_id)
    )
    since = datetime.combine(month_start, datetime.min.time(), UTC)
    until = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), UTC)
    month_entries = per_unit(
        select(entries.c.township_id, func.count())
        .where(entries.c.entered_at >= since, entries.c.entered_at < until)
        .group_by(entries.c.township_id)
    )
    return {
        u.id: UnitReporting(
            township_id=u.id,
            name_zh=u.name_zh,
            name_en=u.name_en,
            contact_day_due=as_of >= last_contact_day,
            contact_day_entered=contact.get(u.id, 0) > 0,
            presidium_applies=u.unit_type in presidium_types,
            presidium_held_this_quarter=presidium.get(u.id, 0) > 0,
            entries_this_month=month_entries.get(u.id, 0),
            late_this_year=late.get(u.id, 0),
        )
        for u in units
    }
