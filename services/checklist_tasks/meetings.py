"""Aspect A, meetings: T01 congress sessions, T02 presidium meetings, T03 every meeting run in
full, T04 a supervision topic at every presidium meeting.

* T01 congress sessions held: Meeting(kind=congress_session) held in the year ≤ as_of, against
  the schedule (by default deadlines 30 Jun and 31 Dec).
* T02 presidium meetings held, at least one in each quarter (deadlines at the quarters' ends):
  overdue from the end of the first quarter without a meeting, since four quarters each with a
  meeting can no longer be reached (``presidium_quarters``); every such quarter is listed.
* T03 meetings held (both kinds) whose research, deliberation and follow-up are all recorded, not
  blank (``meeting_in_full``) / meetings held.
* T04 presidium meetings held with ≥ 1 supervision topic (``meeting_with_topic``) / presidium
  meetings held. A meeting held without a topic stays without one, so with a 100 % target one
  such meeting makes the task overdue (the target can no longer be reached). No presidium
  meeting held once the first quarter ended owes a topic: behind, overdue at the year's end.

A meeting recorded was held and counts as held whatever it lacks; the task about what it lacks
(T03, T04) counts the lack. Each predicate is one SQL expression, used by the counts and by the
records behind a cell alike.
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, exists, extract, or_
from sqlmodel import func, select

from models import Meeting, SupervisionTopic
from models.enums import MeetingKind
from services.checklist_tasks.reader import TaskReader, Unit, record, tally
from services.meetings import RECORD_PARTS, part_recorded, topics_by_meeting
from services.rules import TaskRule
from services.task_status import (
    Decision,
    TaskStatus,
    count_task,
    final_miss,
    listed,
    quarter_end,
    share_task,
)

# ---------------------------------------------------------------------------------------------
# What counts


def meeting_in_full():
    """T03: a meeting whose research, deliberation and follow-up are all recorded."""
    return and_(*(part_recorded(part) for part in RECORD_PARTS))


def meeting_with_topic():
    """T04: a meeting with at least one supervision topic on its agenda."""
    return exists().where(SupervisionTopic.meeting_id == Meeting.id).correlate(Meeting)


def _in_reach(reader: TaskReader):
    return and_(
        Meeting.held_on.between(reader.start, reader.as_of), Meeting.township_id.in_(reader.ids)
    )


# ---------------------------------------------------------------------------------------------
# The queries, once for all units


class _Tally(NamedTuple):
    held: int = 0
    in_full: int = 0
    with_topic: int = 0


def _meeting_tallies(reader: TaskReader) -> dict[int, dict[tuple[MeetingKind, int], _Tally]]:
    """Per unit: (kind, month) -> meetings held, held in full, held with a topic."""
    month = extract("month", Meeting.held_on)
    stmt = (
        select(
            Meeting.township_id,
            Meeting.kind,
            month,
            func.count(Meeting.id),
            tally(meeting_in_full()),
            tally(meeting_with_topic()),
        )
        .where(_in_reach(reader))
        .group_by(Meeting.township_id, Meeting.kind, month)
    )
    out: dict[int, dict[tuple[MeetingKind, int], _Tally]] = {}
    for tid, kind, m, *counts in reader.session.exec(stmt).all():
        out.setdefault(tid, {})[(MeetingKind(kind), int(m))] = _Tally(
            *(int(n or 0) for n in counts)
        )
    return out


def _tally(
    reader: TaskReader, unit: Unit, kinds: tuple[MeetingKind, ...], months=range(1, 13)
) -> _Tally:
    """The tally of one unit's meetings of ``kinds`` held in ``months``."""
    parts = [
        t
        for (kind, month), t in reader.once(_meeting_tallies).get(unit.id, {}).items()
        if kind in kinds and month in months
    ]
    return _Tally(*map(sum, zip(*parts, strict=True))) if parts else _Tally()


@dataclass(frozen=True)
class _MeetingRow:
    township_id: int
    id: int
    kind: MeetingKind
    held_on: date
    title: str
    attendance: int
    blank_parts: tuple[str, ...]
    in_full: bool
    with_topic: bool


def _meeting_rows(reader: TaskReader, *where) -> list[_MeetingRow]:
    """The meetings themselves, oldest first, each with what the predicates say of it."""
    stmt = (
        select(
            Meeting.township_id,
            Meeting.id,
            Meeting.kind,
            Meeting.held_on,
            Meeting.title,
            Meeting.attendance,
            meeting_in_full().label("in_full"),
            meeting_with_topic().label("with_topic"),
            *(part_recorded(part).label(part) for part in RECORD_PARTS),
        )
        .where(_in_reach(reader), *where)
        .order_by(Meeting.held_on, Meeting.id)
    )
    return [
        _MeetingRow(
            township_id=row.township_id,
            id=row.id,
            kind=MeetingKind(row.kind),
            held_on=row.held_on,
            title=row.title,
            attendance=row.attendance,
            blank_parts=tuple(p for p in RECORD_PARTS if not getattr(row, p)),
            in_full=bool(row.in_full),
            with_topic=bool(row.with_topic),
        )
        for row in reader.session.exec(stmt).all()
    ]


def _gaps(reader: TaskReader) -> dict[int, list[_MeetingRow]]:
    """Per unit: meetings held but not in full (T03), presidium meetings without a topic (T04)."""
    rows = _meeting_rows(
        reader,
        or_(
            ~meeting_in_full(),
            and_(Meeting.kind == MeetingKind.presidium, ~meeting_with_topic()),
        ),
    )
    out: dict[int, list[_MeetingRow]] = {}
    for row in rows:
        out.setdefault(row.township_id, []).append(row)
    return out


# ---------------------------------------------------------------------------------------------
# The tasks


def t01_congress_sessions(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    held = _tally(reader, unit, (MeetingKind.congress_session,)).held
    return count_task(
        task,
        unit.id,
        held,
        task.target,
        year=reader.year,
        as_of=reader.as_of,
        missing_kind="sessions_needed",
    )


def presidium_quarters(
    held_by_month: dict[int, int], target: float, year: int, as_of: date
) -> tuple[int, set[int], list[int], bool]:
    """T02's figures from the presidium meetings held per month: (meetings credited, quarters
    covered, quarters ended without a meeting, whether the target can still be reached).

    At least one meeting in each quarter: a quarter that ended (its last day passed, see
    services.task_status) without one is a shortfall later meetings cannot make up, so at most
    target − (empty quarters) meetings are credited; and as many quarters as the target (four
    at most) must each hold one, so once more quarters ended empty than 4 − that number the
    target can no longer be reached (with the default four: from the day after the first
    empty quarter's end)."""
    held = sum(held_by_month.values())
    covered = {
        q for q in range(1, 5) if any(held_by_month.get(m) for m in range(3 * q - 2, 3 * q + 1))
    }
    empty = [q for q in range(1, 5) if quarter_end(year, q) <= as_of and q not in covered]
    needed = min(4, int(target))
    credited = min(held, max(0, int(target) - len(empty))) if empty else held
    return credited, covered, empty, len(empty) <= 4 - needed


def t02_presidium_meetings(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    """Presidium meetings against the target, at least one in each quarter (see
    ``presidium_quarters``); overdue once the quarters can no longer all be covered."""
    held_by_month = {
        m: _tally(reader, unit, (MeetingKind.presidium,), (m,)).held for m in range(1, 13)
    }
    credited, covered, empty, reachable = presidium_quarters(
        held_by_month, task.target, reader.year, reader.as_of
    )
    status = count_task(
        task,
        unit.id,
        credited,
        task.target,
        year=reader.year,
        as_of=reader.as_of,
        missing_kind="meetings_needed",
        unreachable=None if reachable else {"kind": "quarters_without_meeting", "quarters": empty},
    )
    if status.status == "done" and len(covered) < min(4, int(task.target)):
        status = replace(status, status="on_track", decided_by=Decision("quarters_to_cover"))
    if not empty:
        return status
    gaps = [{"kind": "quarter_without_meeting", "quarter": q} for q in empty]
    return replace(status, missing=(*gaps, *status.missing))


def t03_meetings_in_full(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    meetings = _tally(reader, unit, tuple(MeetingKind))
    missing = [
        {
            "kind": "meeting_incomplete",
            "title": g.title,
            "held_on": g.held_on,
            "parts": list(g.blank_parts),
        }
        for g in reader.once(_gaps).get(unit.id, [])
        if not g.in_full
    ]
    return share_task(
        task,
        unit.id,
        meetings.in_full,
        meetings.held,
        target=task.target,
        missing=listed(missing),
        year=reader.year,
        as_of=reader.as_of,
    )


def t04_presidium_topics(reader: TaskReader, task: TaskRule, unit: Unit) -> TaskStatus:
    meetings = _tally(reader, unit, (MeetingKind.presidium,))
    missing = [
        {
            "kind": "meeting_without_topic",
            "title": g.title,
            "held_on": g.held_on,
        }
        for g in reader.once(_gaps).get(unit.id, [])
        if g.kind == MeetingKind.presidium and not g.with_topic
    ]
    return share_task(
        task,
        unit.id,
        meetings.with_topic,
        meetings.held,
        target=task.target,
        missing=listed(missing),
        year=reader.year,
        as_of=reader.as_of,
        unreachable=final_miss(task.target, meetings.held - meetings.with_topic),
        # No presidium meeting once the first quarter ended: no topic could be put, so the task
        # is not on track (services.task_status.share_verdict).
        owed=(
            {"kind": "no_presidium_meeting"}
            if not meetings.held and quarter_end(reader.year, 1) <= reader.as_of
            else None
        ),
    )


# ---------------------------------------------------------------------------------------------
# The records behind a cell


def _unit_meetings(
    reader: TaskReader, unit: Unit, *kinds: MeetingKind
) -> tuple[list[_MeetingRow], dict[int, list[str]]]:
    rows = _meeting_rows(reader, Meeting.township_id == unit.id, Meeting.kind.in_(kinds))
    return rows, topics_by_meeting(reader.session, [r.id for r in rows])


def _record(row: _MeetingRow, topics: list[str], *, counts: bool, value=None, detail=None) -> dict:
    return record(
        row.held_on,
        row.kind.value,
        row.title,
        counts=counts,
        value=value,
        detail=detail or "",
        text="；".join(topics),
    )


def _held_records(reader: TaskReader, unit: Unit, kind: MeetingKind) -> list[dict]:
    rows, topics = _unit_meetings(reader, unit, kind)
    return [_record(r, topics.get(r.id, []), counts=True, value=r.attendance) for r in rows]


def t01_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every congress session held; each counts."""
    return _held_records(reader, unit, MeetingKind.congress_session)


def t02_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every presidium meeting held; each counts, with or without a topic."""
    return _held_records(reader, unit, MeetingKind.presidium)


def t03_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """The meetings held; those in full count, the others name their blank parts."""
    rows, topics = _unit_meetings(reader, unit, *MeetingKind)
    return [
        _record(r, topics.get(r.id, []), counts=r.in_full, detail=",".join(r.blank_parts))
        for r in rows
    ]


def t04_records(reader: TaskReader, unit: Unit) -> list[dict]:
    """Every presidium meeting held; those with a topic count."""
    rows, topics = _unit_meetings(reader, unit, MeetingKind.presidium)
    return [
        _record(r, topics.get(r.id, []), counts=r.with_topic, value=len(topics.get(r.id, [])))
        for r in rows
    ]
