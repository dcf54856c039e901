"""Recording meetings and supervision activities: congress sessions and presidium meetings with
their supervision topics (T01–T04), supervision activities (T05), and the lists of both.

Writes validate everything before touching the database, so a refused entry writes nothing.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, func, select

from models import Meeting, SupervisionActivity, SupervisionItem, SupervisionTopic
from models.base import utcnow
from models.enums import AuditAction, MeetingKind, SupervisionKind
from services import audit, clock, corrections, years
from services.errors import NotFound, ValidationError
from services.org import active_township
from services.permissions import Actor, require_read, require_write
from services.rules import get_rules
from services.task_status import clamp_as_of
from services.validation import clean_text, past_date

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
    today = today or clock.today()
    year = year or today.year
    kind = _meeting_kind(session, township_id, kind, year)
    values = _meeting_values(
        session,
        actor,
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        title=title,
        attendance=attendance,
        texts={"research": research, "deliberation": deliberation, "follow_up": follow_up},
        year=year,
        today=today,
    )
    topic_titles = _topics(topics)
    if topic_titles and kind != MeetingKind.presidium:
        raise ValidationError("checklist.error.topics_presidium_only", field="topics")
    meeting = Meeting(township_id=township_id, kind=kind, entered_by_id=actor.id, **values)
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


def _meeting_kind(session: Session, township_id: int, kind: MeetingKind | str, year: int):
    """The kind of meeting, one the unit holds under the year's rules (T01 or T02 applies)."""
    try:
        kind = MeetingKind(kind)
    except ValueError:
        raise ValidationError("checklist.error.meeting_kind", field="kind") from None
    unit = active_township(session, township_id)
    task = get_rules(session, year).task("T01" if kind == MeetingKind.congress_session else "T02")
    if unit.unit_type not in task.applies_to:
        raise ValidationError("checklist.error.kind_not_applicable", field="kind")
    return kind


def _meeting_values(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: MeetingKind,
    held_on: date,
    title: str,
    attendance: int,
    texts: dict[str, str],
    year: int,
    today: date,
    meeting_id: int | None = None,
) -> dict:
    """The checked columns of a meeting entered or corrected (``meeting_id``: the one corrected,
    which is no duplicate of itself)."""
    title = clean_text(
        title,
        field="title",
        limit=MAX_TITLE,
        required=True,
        required_key="checklist.error.title_required",
        too_long_key="checklist.error.too_long.title",
    )
    held_on = past_date(held_on, field="held_on", today=today, year=year)
    years.require_open(session, actor, held_on)
    attendance = _count(attendance, "attendance", limit=MAX_ATTENDANCE)
    parts = {
        name: clean_text(
            texts.get(name, ""),
            field=name,
            limit=MAX_TEXT,
            too_long_key=f"checklist.error.too_long.{name}",
        )
        for name in RECORD_PARTS
    }
    duplicate = session.exec(
        select(Meeting.id).where(
            Meeting.township_id == township_id,
            Meeting.kind == kind,
            Meeting.held_on == held_on,
            Meeting.id != (meeting_id or 0),
        )
    ).first()
    if duplicate is not None:
        raise ValidationError(
            "checklist.error.duplicate_meeting", field="held_on", date=held_on.isoformat()
        )
    return {"held_on": held_on, "title": title, "attendance": attendance, **parts}


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("checklist.error.meeting_not_found", id=meeting_id)
    return meeting


def _topic_rows(session: Session, meeting_id: int) -> list[SupervisionTopic]:
    return list(
        session.exec(
            select(SupervisionTopic)
            .where(SupervisionTopic.meeting_id == meeting_id)
            .order_by(SupervisionTopic.id)
        ).all()
    )


def _items_from_topics(session: Session, topic_ids: list[int]) -> int:
    if not topic_ids:
        return 0
    return session.exec(
        select(func.count(SupervisionItem.id)).where(SupervisionItem.topic_id.in_(topic_ids))
    ).one()


def correct_meeting(
    session: Session,
    actor: Actor,
    meeting_id: int,
    *,
    reason: str,
    held_on: date,
    title: str,
    attendance: int = 0,
    research: str = "",
    deliberation: str = "",
    follow_up: str = "",
    topics: Iterable[str] | None = None,
    today: date | None = None,
) -> int:
    """Correct a meeting saved: its date (inside its year), name, attendance, the three parts of
    its record and its supervision topics (the list typed replaces the list saved; a topic a
    supervision item was opened from cannot be taken away). The kind stays: a meeting of the
    wrong kind is withdrawn and entered anew. Returns the meeting id."""
    meeting = _meeting(session, meeting_id)
    why = corrections.check_change(session, actor, meeting.township_id, meeting.held_on, reason)
    today = today or clock.today()
    values = _meeting_values(
        session,
        actor,
        township_id=meeting.township_id,
        kind=MeetingKind(meeting.kind),
        held_on=held_on,
        title=title,
        attendance=attendance,
        texts={"research": research, "deliberation": deliberation, "follow_up": follow_up},
        year=meeting.held_on.year,
        today=today,
        meeting_id=meeting_id,
    )
    titles = _topics(topics)
    if titles and meeting.kind != MeetingKind.presidium:
        raise ValidationError("checklist.error.topics_presidium_only", field="topics")
    saved = _topic_rows(session, meeting_id)
    dropped = [row for row in saved if row.title not in titles]
    corrections.refuse_if_depended(
        {"supervision_item": _items_from_topics(session, [audit.key_of(r) for r in dropped])}
    )
    before = audit.snapshot(meeting) | {"topics": [row.title for row in saved]}
    for row in dropped:
        session.delete(row)
    kept = {row.title for row in saved}
    session.add_all(
        SupervisionTopic(
            meeting_id=meeting_id,
            township_id=meeting.township_id,
            title=t,
            entered_by_id=actor.id,
        )
        for t in titles
        if t not in kept
    )
    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.updated_at = utcnow()
    return corrections.corrected(
        session,
        actor,
        meeting,
        entity="meeting",
        township_id=meeting.township_id,
        before=before,
        reason=why,
        extra_after={"topics": titles},
    )


def withdraw_meeting(session: Session, actor: Actor, meeting_id: int, *, reason: str) -> None:
    """Withdraw a meeting saved by mistake, with its supervision topics; refused (naming them)
    while supervision items opened from its topics exist."""
    meeting = _meeting(session, meeting_id)
    why = corrections.check_change(session, actor, meeting.township_id, meeting.held_on, reason)
    topics = _topic_rows(session, meeting_id)
    corrections.refuse_if_depended(
        {"supervision_item": _items_from_topics(session, [audit.key_of(r) for r in topics])}
    )
    before = audit.snapshot(meeting) | {"topics": [row.title for row in topics]}
    for row in topics:
        session.delete(row)
    session.flush()
    corrections.withdrawn(
        session,
        actor,
        meeting,
        entity="meeting",
        township_id=meeting.township_id,
        before=before,
        reason=why,
    )


def check_meeting(
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
    meeting_id: int | None = None,
) -> "MeetingPreview":
    """Check a meeting as ``record_meeting`` (or, with ``meeting_id``, ``correct_meeting``)
    would, writing nothing, and say what the task list will make of it (``what_counts``): a form
    shows a refusal first, then what will not count, before anything is saved."""
    require_write(actor, township_id)
    today = today or clock.today()
    year = year or today.year
    kind = _meeting_kind(session, township_id, kind, year)
    texts = {"research": research, "deliberation": deliberation, "follow_up": follow_up}
    _meeting_values(
        session,
        actor,
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        title=title,
        attendance=attendance,
        texts=texts,
        year=year,
        today=today,
        meeting_id=meeting_id,
    )
    titles = _topics(topics)
    if titles and kind != MeetingKind.presidium:
        raise ValidationError("checklist.error.topics_presidium_only", field="topics")
    return what_counts(
        session, township_id=township_id, kind=kind, year=year, topics=titles, **texts
    )


@dataclass(frozen=True)
class MeetingPreview:
    """What the task list will make of a meeting as entered, before it is saved.

    ``counts_for``: the tasks it counts for as done (T01 or T02 held; T03 when all three parts
    are recorded; T04 for a presidium meeting with a topic); ``short_for``: the tasks it counts
    against (T03 without all three parts, T04 without a topic); ``missing_parts``: the parts of
    the record left blank (of RECORD_PARTS)."""

    counts_for: tuple[str, ...]
    short_for: tuple[str, ...]
    missing_parts: tuple[str, ...]


def what_counts(
    session: Session,
    *,
    township_id: int,
    kind: MeetingKind | str,
    year: int,
    research: str = "",
    deliberation: str = "",
    follow_up: str = "",
    topics: Iterable[str] | None = None,
) -> MeetingPreview:
    """The tasks a meeting entered this way counts for and against, read from the year's rule
    set (a task that does not apply to the unit's type is left out); the same reading of a
    record part as T03's (blank after trimming is missing)."""
    kind = MeetingKind(kind)
    unit = active_township(session, township_id)
    rules = get_rules(session, year)

    def applies(code: str) -> bool:
        return unit.unit_type in rules.task(code).applies_to

    texts = {"research": research, "deliberation": deliberation, "follow_up": follow_up}
    missing = tuple(p for p in RECORD_PARTS if not (texts[p] or "").strip())
    with_topic = any((line or "").strip() for line in (topics or []))
    counts: list[str] = []
    short: list[str] = []
    held = "T01" if kind == MeetingKind.congress_session else "T02"
    if applies(held):
        counts.append(held)
    if applies("T03"):
        (short if missing else counts).append("T03")
    if kind == MeetingKind.presidium and applies("T04"):
        (counts if with_topic else short).append("T04")
    return MeetingPreview(tuple(counts), tuple(short), missing)


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
    today = today or clock.today()
    year = year or today.year
    values = _activity_values(
        session,
        actor,
        township_id=township_id,
        kind=kind,
        held_on=held_on,
        subject=subject,
        participants=participants,
        note=note,
        year=year,
        today=today,
    )
    row = SupervisionActivity(township_id=township_id, entered_by_id=actor.id, **values)
    return audit.insert(session, actor, row, entity="supervision_activity", township_id=township_id)


def _activity_values(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    kind: SupervisionKind | str,
    held_on: date,
    subject: str,
    participants: int,
    note: str,
    year: int,
    today: date,
    activity_id: int | None = None,
) -> dict:
    """The checked columns of an activity entered or corrected (``activity_id``: the one
    corrected)."""
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
    held_on = past_date(held_on, field="held_on", today=today, year=year)
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
            SupervisionActivity.id != (activity_id or 0),
        )
    ).first()
    if duplicate is not None:
        raise ValidationError(
            "checklist.error.duplicate_activity", field="held_on", date=held_on.isoformat()
        )
    return {
        "kind": kind,
        "held_on": held_on,
        "subject": subject,
        "participants": participants,
        "note": note,
    }


def _activity(session: Session, activity_id: int) -> SupervisionActivity:
    row = session.get(SupervisionActivity, activity_id)
    if row is None:
        raise NotFound("checklist.correct.activity_not_found", id=activity_id)
    return row


def _items_from_activity(session: Session, activity_id: int) -> int:
    return session.exec(
        select(func.count(SupervisionItem.id)).where(SupervisionItem.activity_id == activity_id)
    ).one()


def correct_supervision_activity(
    session: Session,
    actor: Actor,
    activity_id: int,
    *,
    reason: str,
    kind: SupervisionKind | str,
    held_on: date,
    subject: str,
    participants: int = 0,
    note: str = "",
    today: date | None = None,
) -> int:
    """Correct a supervision activity saved (its date stays inside its year). Returns its id."""
    row = _activity(session, activity_id)
    why = corrections.check_change(session, actor, row.township_id, row.held_on, reason)
    values = _activity_values(
        session,
        actor,
        township_id=row.township_id,
        kind=kind,
        held_on=held_on,
        subject=subject,
        participants=participants,
        note=note,
        year=row.held_on.year,
        today=today or clock.today(),
        activity_id=activity_id,
    )
    return corrections.apply(session, actor, row, values, entity="supervision_activity", reason=why)


def withdraw_supervision_activity(
    session: Session, actor: Actor, activity_id: int, *, reason: str
) -> None:
    """Withdraw a supervision activity saved by mistake; refused (naming them) while
    supervision items opened from it exist."""
    row = _activity(session, activity_id)
    why = corrections.check_change(session, actor, row.township_id, row.held_on, reason)
    corrections.refuse_if_depended({"supervision_item": _items_from_activity(session, activity_id)})
    corrections.withdrawn(
        session,
        actor,
        row,
        entity="supervision_activity",
        township_id=row.township_id,
        before=audit.snapshot(row),
        reason=why,
    )


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
    "MeetingPreview",
    "activity_entry",
    "add_meeting_topics",
    "check_meeting",
    "correct_meeting",
    "correct_supervision_activity",
    "list_meetings",
    "list_supervision_activities",
    "meeting_entry",
    "part_recorded",
    "record_meeting",
    "record_supervision_activity",
    "topics_by_meeting",
    "what_counts",
    "withdraw_meeting",
    "withdraw_supervision_activity",
]


def meeting_entry(session: Session, actor: Actor, meeting_id: int) -> dict:
    """A saved meeting as its form shows it for a correction: its columns and topic titles."""
    meeting = _meeting(session, meeting_id)
    require_read(actor, meeting.township_id)
    topics = [row.title for row in _topic_rows(session, meeting_id)]
    return {
        "id": meeting_id,
        "kind": MeetingKind(meeting.kind).value,
        "held_on": meeting.held_on,
        "title": meeting.title,
        "attendance": meeting.attendance,
        **{part: getattr(meeting, part) for part in RECORD_PARTS},
        "topics": topics,
    }


def activity_entry(session: Session, actor: Actor, activity_id: int) -> dict:
    """A saved supervision activity as its form shows it for a correction."""
    row = _activity(session, activity_id)
    require_read(actor, row.township_id)
    return {
        "id": activity_id,
        "kind": SupervisionKind(row.kind).value,
        "held_on": row.held_on,
        "subject": row.subject,
        "participants": row.participants,
        "note": row.note,
    }
