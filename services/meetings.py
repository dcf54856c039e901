"""Recording meetings and supervision activities: congress sessions and presidium meetings with
their supervision topics (T01–T04), supervision activities (T05), and the lists of both.

Writes validate everything before touching the database, so a refused entry writes nothing.
"""

import math
from collections.abc import Iterable
from datetime import date, datetime

import pandas as pd
from sqlmodel import Session, func, select

from models import Meeting, SupervisionActivity, SupervisionTopic
from models.base import utcnow
from models.enums import AuditAction, MeetingKind, SupervisionKind
from services import audit, years
from services.errors import NotFound, ValidationError
from services.org import active_township
from services.permissions import Actor, require_read, require_write
from services.rules import get_rules
from services.task_status import clamp_as_of
from services.validation import clean_text

# Input limits: sanity bounds of a form, not rules of the district.
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_TOPICS = 10
MAX_ATTENDANCE = 1000
MAX_PARTICIPANTS = 10000
# The three parts of a meeting's record: research before, deliberation during, follow-up after.
RECORD_PARTS = ("research", "deliberation", "follow_up")


def part_recorded(part: str):
    """SQL: the part of a meeting's record (one of RECORD_PARTS) is recorded, i.e. not blank."""
    return func.length(func.trim(getattr(Meeting, part))) > 0


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _count(value, field: str, *, limit: int) -> int:
    """A whole number from 0 to ``limit``; a boolean, NaN, infinity or a fraction is refused."""
    whole = isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )
    if isinstance(value, bool) or not whole:
        raise ValidationError("checklist.error.not_a_number", field=field)
    value = int(value)
    if not 0 <= value <= limit:
        raise ValidationError(f"checklist.error.range.{field}", field=field, max=limit)
    return value


def _held_on(value, year: int, today: date) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError("checklist.error.date_required", field="held_on")
    if value.year != year:
        raise ValidationError("checklist.error.date_outside_year", field="held_on", year=year)
    if value > today:
        raise ValidationError("checklist.error.date_in_future", field="held_on")
    return value


def _topics(titles: Iterable[str] | None) -> list[str]:
    if titles is None:
        return []
    if isinstance(titles, str):
        titles = titles.splitlines()
    out: list[str] = []
    for raw in titles:
        title = clean_text(
            raw, field="topic", limit=MAX_TITLE, too_long_key="checklist.error.too_long.topic"
        )
        if title and title not in out:
            out.append(title)
    if len(out) > MAX_TOPICS:
        raise ValidationError("checklist.error.too_many_topics", field="topics", n=MAX_TOPICS)
    return out


# ---------------------------------------------------------------------------------------------
# Meetings


def record_meeting(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: MeetingKind | str,
    held_on: date,
    title: str,
    attendance: int = 0,
    research: str = "",
    deliberation: str = "",
    follow_up: str = "",
    topics: Iterable[str] | None = None,
    year: int | None = None,
    today: date | None = None,
) -> int:
    """Record a congress session or a presidium meeting (with its supervision topics).

    ``year`` is the year the user works in (default: this year); ``held_on`` must fall in it and
    not after ``today``. A meeting recorded is a meeting held: a presidium meeting without a
    supervision topic is stored as held too, counts for T02, and T04 counts it as lacking a
    topic (``add_meeting_topics`` can add its topics later). The same unit cannot record two
    meetings of one kind on one day. Returns the meeting id.
    """
    require_write(actor, township_id)
    today = today or date.today()
    year = year or today.year
    try:
        kind = MeetingKind(kind)
    except ValueError:
        raise ValidationError("checklist.error.meeting_kind", field="kind") from None
    unit = active_township(session, township_id)
    rules = get_rules(session, year)
    task = rules.task("T01" if kind == MeetingKind.congress_session else "T02")
    if unit.unit_type not in task.applies_to:
        raise ValidationError("checklist.error.kind_not_applicable", field="kind")
    title = clean_text(
        title,
        field="title",
        limit=MAX_TITLE,
        required=True,
        required_key="checklist.error.title_required",
        too_long_key="checklist.error.too_long.title",
    )
    held_on = _held_on(held_on, year, today)
    years.require_open(session, actor, held_on)
    attendance = _count(attendance, "attendance", limit=MAX_ATTENDANCE)
    texts = {
        name: clean_text(
            value, field=name, limit=MAX_TEXT, too_long_key=f"checklist.error.too_long.{name}"
        )
        for name, value in (
            ("research", research),
            ("deliberation", deliberation),
            ("follow_up", follow_up),
        )
    }
    topic_titles = _topics(topics)
    if topic_titles and kind != MeetingKind.presidium:
        raise ValidationError("checklist.error.topics_presidium_only", field="topics")
    duplicate = session.exec(
        select(Meeting.id).where(
            Meeting.township_id == township_id, Meeting.kind == kind, Meeting.held_on == held_on
        )
    ).first()
    if duplicate is not None:
        raise ValidationError(
            "checklist.error.duplicate_meeting", field="held_on", date=held_on.isoformat()
        )

    meeting = Meeting(
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        title=title,
        attendance=attendance,
        entered_by_id=actor.id,
        **texts,
    )
    session.add(meeting)
    session.flush()
    rows = [
        SupervisionTopic(
            meeting_id=meeting.id, township_id=township_id, title=t, entered_by_id=actor.id
        )
        for t in topic_titles
    ]
    session.add_all(rows)
    session.flush()
    after = audit.snapshot(meeting) | {"topics": topic_titles}
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="meeting",
        entity_id=meeting.id,
        township_id=township_id,
        after=after,
    )
    session.commit()
    return meeting.id


def add_meeting_topics(
    session: Session,
    actor: Actor,
    meeting_id: int,
    *,
    topics: Iterable[str],
) -> int:
    """Add supervision topics to a presidium meeting held (T04 then counts it as with a topic).

    Returns the number of topics added.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("checklist.error.meeting_not_found", id=meeting_id)
    require_write(actor, meeting.township_id)
    years.require_open(session, actor, meeting.held_on)
    if meeting.kind != MeetingKind.presidium:
        raise ValidationError("checklist.error.topics_presidium_only", field="topics")
    titles = _topics(topics)
    existing = set(
        session.exec(
            select(SupervisionTopic.title).where(SupervisionTopic.meeting_id == meeting_id)
        ).all()
    )
    titles = [t for t in titles if t not in existing]
    if not titles and not existing:
        raise ValidationError("checklist.error.topic_required", field="topics")
    if len(existing) + len(titles) > MAX_TOPICS:
        raise ValidationError("checklist.error.too_many_topics", field="topics", n=MAX_TOPICS)
    before = audit.snapshot(meeting) | {"topics": sorted(existing)}
    session.add_all(
        SupervisionTopic(
            meeting_id=meeting_id,
            township_id=meeting.township_id,
            title=t,
            entered_by_id=actor.id,
        )
        for t in titles
    )
    meeting.updated_at = utcnow()
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="meeting",
        entity_id=meeting.id,
        township_id=meeting.township_id,
        before=before,
        after=audit.snapshot(meeting) | {"topics": sorted(existing | set(titles))},
    )
    session.commit()
    return len(titles)


# ---------------------------------------------------------------------------------------------
# Supervision activities


def record_supervision_activity(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: SupervisionKind | str,
    held_on: date,
    subject: str,
    participants: int = 0,
    note: str = "",
    year: int | None = None,
    today: date | None = None,
) -> int:
    """Record an inspection, survey, law-enforcement check, special inquiry or appraisal (T05).

    The kind must be one the year's rule set counts; one unit records one activity of a kind on
    one day. Returns the activity id.
    """
    require_write(actor, township_id)
    today = today or date.today()
    year = year or today.year
    try:
        kind = SupervisionKind(kind)
    except ValueError:
        raise ValidationError("checklist.error.activity_kind", field="kind") from None
    active_township(session, township_id)
    if kind not in get_rules(session, year).supervision.activity_kinds:
        raise ValidationError("checklist.error.activity_kind", field="kind")
    subject = clean_text(
        subject,
        field="subject",
        limit=MAX_TITLE,
        required=True,
        required_key="checklist.error.subject_required",
        too_long_key="checklist.error.too_long.subject",
    )
    held_on = _held_on(held_on, year, today)
    years.require_open(session, actor, held_on)
    participants = _count(participants, "participants", limit=MAX_PARTICIPANTS)
    note = clean_text(
        note, field="note", limit=MAX_TEXT, too_long_key="checklist.error.too_long.note"
    )
    duplicate = session.exec(
        select(SupervisionActivity.id).where(
            SupervisionActivity.township_id == township_id,
            SupervisionActivity.kind == kind,
            SupervisionActivity.held_on == held_on,
        )
    ).first()
    if duplicate is not None:
        raise ValidationError(
            "checklist.error.duplicate_activity", field="held_on", date=held_on.isoformat()
        )
    row = SupervisionActivity(
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        subject=subject,
        participants=participants,
        note=note,
        entered_by_id=actor.id,
    )
    return audit.insert(session, actor, row, entity="supervision_activity", township_id=township_id)


# ---------------------------------------------------------------------------------------------
# Lists


def topics_by_meeting(session: Session, meeting_ids: list[int]) -> dict[int, list[str]]:
    """meeting id -> the titles of its supervision topics, in the order entered."""
    if not meeting_ids:
        return {}
    rows = session.exec(
        select(SupervisionTopic.meeting_id, SupervisionTopic.title)
        .where(SupervisionTopic.meeting_id.in_(meeting_ids))
        .order_by(SupervisionTopic.id)
    ).all()
    out: dict[int, list[str]] = {}
    for mid, title in rows:
        out.setdefault(mid, []).append(title)
    return out


MEETING_COLUMNS = [
    "id",
    "kind",
    "held_on",
    "title",
    "attendance",
    *RECORD_PARTS,
    "topics",
]


def list_meetings(
    session: Session, actor: Actor, *, township_id: int, year: int, as_of: date | None = None
) -> pd.DataFrame:
    """The unit's meetings of the year (to as_of), newest first, with their topics; each part of
    the record (research, deliberation, follow-up) is True when recorded, as T03 reads it."""
    require_read(actor, township_id)
    end = clamp_as_of(year, as_of) if as_of else date(year, 12, 31)
    rows = session.exec(
        select(
            Meeting.id,
            Meeting.kind,
            Meeting.held_on,
            Meeting.title,
            Meeting.attendance,
            *(part_recorded(part) for part in RECORD_PARTS),
        )
        .where(Meeting.township_id == township_id, Meeting.held_on.between(date(year, 1, 1), end))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ).all()
    topics = topics_by_meeting(session, [row[0] for row in rows])
    return pd.DataFrame(
        [
            (
                mid,
                MeetingKind(kind).value,
                held_on,
                title,
                attendance,
                *map(bool, rest),
                topics.get(mid, []),
            )
            for mid, kind, held_on, title, attendance, *rest in rows
        ],
        columns=MEETING_COLUMNS,
    )


def list_supervision_activities(
    session: Session, actor: Actor, *, township_id: int, year: int, as_of: date | None = None
) -> pd.DataFrame:
    require_read(actor, township_id)
    end = clamp_as_of(year, as_of) if as_of else date(year, 12, 31)
    rows = session.exec(
        select(
            SupervisionActivity.id,
            SupervisionActivity.kind,
            SupervisionActivity.held_on,
            SupervisionActivity.subject,
            SupervisionActivity.participants,
        )
        .where(
            SupervisionActivity.township_id == township_id,
            SupervisionActivity.held_on.between(date(year, 1, 1), end),
        )
        .order_by(SupervisionActivity.held_on.desc(), SupervisionActivity.id.desc())
    ).all()
    return pd.DataFrame(
        [(i, SupervisionKind(k).value, d, s, p) for i, k, d, s, p in rows],
        columns=["id", "kind", "held_on", "subject", "participants"],
    )


__all__ = [
    "MAX_ATTENDANCE",
    "MAX_PARTICIPANTS",
    "MAX_TEXT",
    "MAX_TITLE",
    "MAX_TOPICS",
    "RECORD_PARTS",
    "add_meeting_topics",
    "list_meetings",
    "list_supervision_activities",
    "part_recorded",
    "record_meeting",
    "record_supervision_activity",
    "topics_by_meeting",
]
