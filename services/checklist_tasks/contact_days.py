"""Aspect C, deputies: T07 the monthly contact day (代表联系选民日).

* T07 contact days: a month is due once its contact day (``contact_day.day_of_month``; with the
  ``nearest_working_day`` tolerance, when that day is not a working day of the official
  calendar with the district's exceptions, the working day before and the one after count too,
  see ``services.task_status.contact_days_allowed``) has passed, or once it was held on one of
  those days. A due month counts when a contact day of it counts (``contact_day_counts``): held
  on an allowed day, with participants / deputies that should attend
  (``expected_at_contact_day``: township-level deputies for towns and townships, every active
  deputy of a sub-district) ≥ ``min_participation``. Months met / months due. A due month
  missed stays missed: once the months still to come cannot lift the year's share to the
  target (with 100 %: after one miss), the task is overdue.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_
from sqlmodel import func, select

from models import ContactDay, ContactDayParticipant, Deputy
from models.enums import DeputyLevel, UnitType
from services.checklist_tasks.reader import TaskReader, Unit, record
from services.rules import ContactDayRule, TaskRule
from services.task_status import (
    EPS,
    TaskStatus,
    contact_day_calendar,
    contact_day_planned,
    contact_days_allowed,
    listed,
    share_task,
)


def expected_at_contact_day(unit_type: UnitType, by_level: dict[DeputyLevel, int]) -> int:
    """T07: of deputies counted per level, those a contact day expects: a congress unit's
    township deputies, every deputy of a sub-district."""
    if unit_type.has_congress:
        return by_level.get(DeputyLevel.township, 0)
    return sum(by_level.values())


def participation_met(rule: ContactDayRule, share: float) -> bool:
    """T07: a contact day's participation ``share`` is at least ``min_participation``."""
    return share >= rule.min_participation - EPS


def contact_day_counts(rule: ContactDayRule, month: int | None, share: float) -> bool:
    """T07: a contact day counts for its ``month`` (from the contact-day calendar; None when it
    was held on no day the rule allows) with a participation ``share`` of at least
    ``min_participation``."""
    return month is not None and participation_met(rule, share)


def _calendar(reader: TaskReader) -> dict[date, int]:
    return contact_day_calendar(reader.rules.contact_day, reader.year)


@dataclass(frozen=True)
class _ContactDay:
    held_on: date
    summary: str
    by_level: dict[DeputyLevel, int]  # active participants per deputy level


def _deputy_levels(reader: TaskReader) -> dict[int, dict[DeputyLevel, int]]:
    """Per unit: its active deputies per level."""
    stmt = (
        select(Deputy.township_id, Deputy.level, func.count(Deputy.id))
        .where(Deputy.active, Deputy.township_id.in_(reader.ids))
        .group_by(Deputy.township_id, Deputy.level)
    )
    out: dict[int, dict[DeputyLevel, int]] = {}
    for tid, level, n in reader.session.exec(stmt).all():
        out.setdefault(tid, {})[DeputyLevel(level)] = int(n)
    return out


def _contact_days(reader: TaskReader) -> dict[int, list[_ContactDay]]:
    """Per unit, oldest first: each contact day from the first day January's may be held on to
    as_of, with its active participants counted per deputy level."""
    first = min(reader.once(_calendar))
    stmt = (
        select(
            ContactDay.id,
            ContactDay.township_id,
            ContactDay.held_on,
            ContactDay.summary,
            Deputy.level,
            func.count(Deputy.id),
        )
        .join(
            ContactDayParticipant,
            ContactDayParticipant.contact_day_id == ContactDay.id,
            isouter=True,
        )
        .join(
            Deputy,
            and_(Deputy.id == ContactDayParticipant.deputy_id, Deputy.active),
            isouter=True,
        )
        .where(
            ContactDay.held_on.between(min(first, reader.start), reader.as_of),
            ContactDay.township_id.in_(reader.ids),
        )
        .group_by(
            ContactDay.id,
            ContactDay.township_id,
            ContactDay.held_on,
            ContactDay.summary,
            Deputy.level,
        )
        .order_by(ContactDay.held_on, ContactDay.id)
    )
    days: dict[int, tuple[int, _ContactDay]] = {}
    for cid, tid, held_on, summary, level, n in reader.session.exec(stmt).all():
        _, day = days.setdefault(cid, (tid, _ContactDay(held_on, summary, {})))
        if level is not None:
            day.by_level[DeputyLevel(level)] = int(n)
    out: dict[int, list[_ContactDay]] = {}
    for tid, day in days.values():
        out.setdefault(tid, []).append(day)
    return out


@dataclass(frozen=True)
class _Judged:
    """A contact day as T07 sees it."""

    held_on: date
    summary: str
    month: int | None  # the month whose contact day it is; None: no contact day
    attending: int
    share: float
    counts: bool


def _judged_days(reader: TaskReader, unit: Unit) -> tuple[int, list[_Judged]]:
    """The deputies a contact day of the unit expects, and its contact days judged."""
    rule = reader.rules.contact_day
    expected = expected_at_contact_day(unit.unit_type, reader.once(_deputy_levels).get(unit.id, {}))
    judged = []
    for day in reader.once(_contact_days).get(unit.id, []):
        attending = expected_at_contact_day(unit.unit_type, day.by_level)
        share = attending / expected if expected else 1.0
        month = reader.once(_calendar).get(day.held_on)
        counts = contact_day_counts(rule, month, share)
        judged.append(_Judged(day.held_on, day.summary, month, attending, share, counts))
    return expected, judged


def t07_contact_days(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    rule, year = reader.rules.contact_day, reader.year
    _, days = _judged_days(reader, unit)
    due = met = 0
    missing: list[dict] = []
    upcoming = None
    for month in range(1, 13):
        on_time = [d for d in days if d.month == month]
        if not on_time and contact_days_allowed(rule, year, month)[-1] > reader.as_of:
            upcoming = upcoming or contact_day_planned(rule, year, month)
            continue
        due += 1
        if any(d.counts for d in on_time):
            met += 1
        elif on_time:
            best = max(d.share for d in on_time)
            missing.append(
                {
                    "kind": "contact_day_low",
                    "month": month,
                    "share": best,
                    "min": rule.min_participation,
                }
            )
        else:
            off = [d.held_on for d in days if d.held_on.month == month and d.held_on.year == year]
            missing.append(
                {
                    "kind": "contact_day_missed",
                    "month": month,
                    "day": contact_day_planned(rule, year, month),
                    "held_on": min(off) if off else None,
                }
            )
    missing = listed(missing)
    if upcoming is not None:
        missing.append({"kind": "contact_day_next", "day": upcoming})
    # A month whose contact day passed without counting stays missed: the best the year can
    # still end with is every month to come held.
    best = (met + 12 - due) / 12
    unreachable = (
        {"kind": "target_unreachable", "misses": due - met} if best < task.target - EPS else None
    )
    return share_task(
        task,
        unit.id,
        met,
        due,
        target=task.target,
        missing=missing,
        year=year,
        as_of=reader.as_of,
        unreachable=unreachable,
    )


def t07_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every contact day held; those on an allowed day with enough participants count."""
    rule = reader.rules.contact_day
    expected, days = _judged_days(reader, unit)
    rows = []
    for d in days:
        detail = ["off_day"] if d.month is None else []
        if not participation_met(rule, d.share):
            detail.append("low_participation")
        rows.append(
            record(
                d.held_on,
                "contact_day",
                d.summary,
                counts=d.counts,
                value=d.attending,
                detail=",".join(detail),
                text=f"{d.attending}/{expected}",
            )
        )
    return rows
