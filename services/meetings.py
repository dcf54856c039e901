"""Recording the facts of the task list: meetings with their topics, supervision activities,
hand marks, and the lists of records behind a cell of the task matrix.

Writes validate everything before touching the database, so a refused entry writes nothing.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import and_
from sqlmodel import Session, func, select

from models import (
    ContactDay,
    ContactDayParticipant,
    Deputy,
    IntegratedActivity,
    Meeting,
    Notification,
    PresidiumLink,
    SupervisionActivity,
    SupervisionItem,
    SupervisionTopic,
    TaskMark,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.base import utcnow
from models.enums import (
    AuditAction,
    DeputyLevel,
    MeetingKind,
    NotificationKind,
    SupervisionKind,
    SupervisionStage,
    VisitKind,
)
from services import audit
from services.checklist import (
    DUE_STAGES,
    REACHED_FEEDBACK,
    clamp_as_of,
    contact_days_allowed,
)
from services.errors import NotFound, ValidationError
from services.permissions import (
    Actor,
    readable_township_ids,
    require_admin,
    require_read,
    require_write,
)
from services.rules import TASK_CODES, get_rules
from services.validation import clean_text

# Input limits: sanity bounds of a form, not rules of the district.
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_TOPICS = 10
MAX_ATTENDANCE = 1000
MAX_PARTICIPANTS = 10000
MAX_EVIDENCE = 2000
RECORD_COLUMNS = ["date", "kind", "title", "value", "counts", "detail", "text"]


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _count(value, field: str, *, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
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


def _unit(session: Session, township_id: int) -> Township:
    row = session.get(Township, township_id)
    if row is None or not row.active:
        raise NotFound("error.not_found.township", id=township_id)
    return row


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
    is_draft: bool = False,
    year: int | None = None,
    today: date | None = None,
) -> int:
    """Record a congress session or a presidium meeting (with its supervision topics).

    ``year`` is the year the user works in (default: this year); ``held_on`` must fall in it and
    not after ``today``. A presidium meeting without a topic is stored only as a draft (T04).
    The same unit cannot record two meetings of one kind on one day. Returns the meeting id.
    """
    require_write(actor, township_id)
    today = today or date.today()
    year = year or today.year
    try:
        kind = MeetingKind(kind)
    except ValueError:
        raise ValidationError("checklist.error.meeting_kind", field="kind") from None
    unit = _unit(session, township_id)
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
    if is_draft and kind != MeetingKind.presidium:
        raise ValidationError("checklist.error.draft_presidium_only", field="is_draft")
    if kind == MeetingKind.presidium and not topic_titles and not is_draft:
        raise ValidationError("checklist.error.topic_required", field="topics")
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
        is_draft=bool(is_draft),
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
    finalize: bool = True,
) -> int:
    """Add supervision topics to a presidium meeting; ``finalize`` turns a draft into a record.

    Returns the number of topics added.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("checklist.error.meeting_not_found", id=meeting_id)
    require_write(actor, meeting.township_id)
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
    if finalize:
        meeting.is_draft = False
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
    _unit(session, township_id)
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
# Hand marks


def set_task_mark(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    year: int,
    task_code: str,
    evidence: str,
) -> int:
    """Settle a task as done by hand, with the evidence (district admin only). Returns its id."""
    require_admin(actor)
    if task_code not in TASK_CODES:
        raise ValidationError("checklist.error.task_code", field="task_code")
    _unit(session, township_id)
    evidence = clean_text(
        evidence,
        field="evidence",
        limit=MAX_EVIDENCE,
        required=True,
        required_key="checklist.error.evidence_required",
        too_long_key="checklist.error.too_long.evidence",
    )
    row = session.exec(
        select(TaskMark).where(
            TaskMark.township_id == township_id,
            TaskMark.year == year,
            TaskMark.task_code == task_code,
        )
    ).first()
    before = audit.snapshot(row)
    if row is None:
        row = TaskMark(township_id=township_id, year=year, task_code=task_code, evidence="")
    row.done = True
    row.evidence = evidence
    row.marked_at = utcnow()
    row.marked_by_id = actor.id
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.update if before else AuditAction.create,
        entity="task_mark",
        entity_id=row.id,
        township_id=township_id,
        before=before,
        after=audit.snapshot(row),
    )
    session.commit()
    return row.id


def clear_task_mark(
    session: Session, actor: Actor, *, township_id: int, year: int, task_code: str
) -> None:
    """Remove a hand mark; the task goes back to what the records show."""
    require_admin(actor)
    row = session.exec(
        select(TaskMark).where(
            TaskMark.township_id == township_id,
            TaskMark.year == year,
            TaskMark.task_code == task_code,
        )
    ).first()
    if row is None:
        raise NotFound("checklist.error.mark_not_found")
    before = audit.snapshot(row)
    session.delete(row)
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity="task_mark",
        entity_id=before["id"],
        township_id=township_id,
        before=before,
    )
    session.commit()


def list_task_marks(session: Session, actor: Actor, *, year: int) -> pd.DataFrame:
    ids = readable_township_ids(actor)
    stmt = (
        select(
            TaskMark.township_id,
            Township.name_zh,
            Township.name_en,
            TaskMark.task_code,
            TaskMark.evidence,
            TaskMark.marked_at,
        )
        .join(Township, Township.id == TaskMark.township_id)
        .where(TaskMark.year == year, TaskMark.done)
        .order_by(Township.sort_order, TaskMark.task_code)
    )
    if ids is not None:
        stmt = stmt.where(TaskMark.township_id.in_(ids))
    columns = ["township_id", "name_zh", "name_en", "task", "evidence", "marked_at"]
    return pd.DataFrame(session.exec(stmt).all(), columns=columns)


# ---------------------------------------------------------------------------------------------
# Lists


def _topics_by_meeting(session: Session, meeting_ids: list[int]) -> dict[int, list[str]]:
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


def list_meetings(
    session: Session, actor: Actor, *, township_id: int, year: int, as_of: date | None = None
) -> pd.DataFrame:
    """The unit's meetings of the year (to as_of), newest first, with their topics."""
    require_read(actor, township_id)
    end = clamp_as_of(year, as_of) if as_of else date(year, 12, 31)
    rows = session.exec(
        select(Meeting)
        .where(Meeting.township_id == township_id, Meeting.held_on.between(date(year, 1, 1), end))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ).all()
    topics = _topics_by_meeting(session, [m.id for m in rows])
    columns = [
        "id",
        "kind",
        "held_on",
        "title",
        "attendance",
        "research",
        "deliberation",
        "follow_up",
        "is_draft",
        "topics",
    ]
    return pd.DataFrame(
        [
            {
                "id": m.id,
                "kind": MeetingKind(m.kind).value,
                "held_on": m.held_on,
                "title": m.title,
                "attendance": m.attendance,
                "research": bool(m.research.strip()),
                "deliberation": bool(m.deliberation.strip()),
                "follow_up": bool(m.follow_up.strip()),
                "is_draft": m.is_draft,
                "topics": topics.get(m.id, []),
            }
            for m in rows
        ],
        columns=columns,
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


def cell_records(
    session: Session, actor: Actor, *, year: int, as_of: date, township_id: int, task_code: str
) -> pd.DataFrame:
    """The records behind one cell of the task matrix, each flagged whether it counts.

    Columns: date, kind (a code: meeting kind, activity kind, stage …), title (as entered),
    value (attendance, topics, participants or links, by task), counts (bool), detail (codes,
    comma-separated: missing record parts, the item's stage, the deputy levels), text (topics).
    """
    require_read(actor, township_id)
    if task_code not in TASK_CODES:
        raise ValidationError("checklist.error.task_code", field="task_code")
    rules = get_rules(session, year)
    as_of = clamp_as_of(year, as_of)
    unit = _unit(session, township_id)
    builder = _CELL_BUILDERS[task_code]
    rows = builder(session, rules, unit, date(year, 1, 1), as_of)
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


def _meeting_rows(session, unit, start, end, kinds, task_code):
    meetings = session.exec(
        select(Meeting)
        .where(
            Meeting.township_id == unit.id,
            Meeting.kind.in_(kinds),
            Meeting.held_on.between(start, end),
        )
        .order_by(Meeting.held_on, Meeting.id)
    ).all()
    topics = _topics_by_meeting(session, [m.id for m in meetings])
    rows = []
    for m in meetings:
        parts = [p for p in ("research", "deliberation", "follow_up") if not getattr(m, p).strip()]
        mine = topics.get(m.id, [])
        if task_code == "T03":
            counts, value, detail = not m.is_draft and not parts, None, ",".join(parts)
        elif task_code == "T04":
            counts, value, detail = not m.is_draft and bool(mine), len(mine), ""
        else:
            counts, value, detail = not m.is_draft, m.attendance, ""
        if m.is_draft:
            detail = ",".join(filter(None, ["draft", detail]))
        rows.append(
            {
                "date": m.held_on,
                "kind": MeetingKind(m.kind).value,
                "title": m.title,
                "value": value,
                "counts": counts,
                "detail": detail,
                "text": "；".join(mine),
            }
        )
    if task_code == "T03":
        rows = [r for r in rows if "draft" not in r["detail"].split(",")]
    return rows


def _t01(session, rules, unit, start, end):
    return _meeting_rows(session, unit, start, end, [MeetingKind.congress_session], "T01")


def _t02(session, rules, unit, start, end):
    return _meeting_rows(session, unit, start, end, [MeetingKind.presidium], "T02")


def _t03(session, rules, unit, start, end):
    return _meeting_rows(session, unit, start, end, list(MeetingKind), "T03")


def _t04(session, rules, unit, start, end):
    return _meeting_rows(session, unit, start, end, [MeetingKind.presidium], "T04")


def _t05(session, rules, unit, start, end):
    kinds = set(rules.supervision.activity_kinds)
    rows = session.exec(
        select(SupervisionActivity)
        .where(
            SupervisionActivity.township_id == unit.id,
            SupervisionActivity.held_on.between(start, end),
        )
        .order_by(SupervisionActivity.held_on, SupervisionActivity.id)
    ).all()
    return [
        {
            "date": a.held_on,
            "kind": SupervisionKind(a.kind).value,
            "title": a.subject,
            "value": a.participants,
            "counts": SupervisionKind(a.kind) in kinds,
            "detail": "",
            "text": "",
        }
        for a in rows
    ]


def _t06(session, rules, unit, start, end):
    lag = timedelta(days=sum(rules.supervision.stage_deadline_days[s] for s in DUE_STAGES))
    rows = session.exec(
        select(SupervisionItem)
        .where(
            SupervisionItem.township_id == unit.id,
            SupervisionItem.opened_on.between(start - lag, end - lag),
        )
        .order_by(SupervisionItem.opened_on, SupervisionItem.id)
    ).all()
    return [
        {
            "date": i.opened_on + lag,
            "kind": "item",
            "title": i.title,
            "value": None,
            "counts": SupervisionStage(i.stage) in REACHED_FEEDBACK,
            "detail": SupervisionStage(i.stage).value,
            "text": "",
        }
        for i in rows
    ]


def _should_attend(session, unit) -> int:
    stmt = select(func.count(Deputy.id)).where(Deputy.township_id == unit.id, Deputy.active)
    if unit.unit_type.has_congress:
        stmt = stmt.where(Deputy.level == DeputyLevel.township)
    return session.exec(stmt).one()


def _t07(session, rules, unit, start, end):
    rule = rules.contact_day
    should = _should_attend(session, unit)
    eligible = and_(Deputy.id == ContactDayParticipant.deputy_id, Deputy.active)
    if unit.unit_type.has_congress:
        eligible = and_(eligible, Deputy.level == DeputyLevel.township)
    stmt = (
        select(ContactDay.held_on, ContactDay.summary, func.count(Deputy.id))
        .join(
            ContactDayParticipant,
            ContactDayParticipant.contact_day_id == ContactDay.id,
            isouter=True,
        )
        .join(Deputy, eligible, isouter=True)
        .where(ContactDay.township_id == unit.id, ContactDay.held_on.between(start, end))
        .group_by(ContactDay.id, ContactDay.held_on, ContactDay.summary)
        .order_by(ContactDay.held_on)
    )
    rows = []
    for held, summary, n in session.exec(stmt).all():
        on_day = held in contact_days_allowed(rule, held.year, held.month)
        share = n / should if should else 1.0
        detail = [] if on_day else ["off_day"]
        if share < rule.min_participation - 1e-9:
            detail.append("low_participation")
        rows.append(
            {
                "date": held,
                "kind": "contact_day",
                "title": summary,
                "value": int(n),
                "counts": on_day and share >= rule.min_participation - 1e-9,
                "detail": ",".join(detail),
                "text": f"{n}/{should}",
            }
        )
    return rows


def _t08(session, rules, unit, start, end):
    rows = []
    if unit.unit_type.has_congress:
        need = rules.linkage.deputies_per_presidium_member
        linked = (
            select(PresidiumLink.member_id, func.count(func.distinct(Deputy.id)).label("n"))
            .join(Deputy, and_(Deputy.id == PresidiumLink.deputy_id, Deputy.active))
            .group_by(PresidiumLink.member_id)
            .subquery()
        )
        members = session.exec(
            select(Deputy.name, func.coalesce(linked.c.n, 0))
            .join(linked, linked.c.member_id == Deputy.id, isouter=True)
            .where(
                Deputy.township_id == unit.id,
                Deputy.active,
                Deputy.is_presidium_member,
                Deputy.level == DeputyLevel.township,
            )
            .order_by(Deputy.id)
        ).all()
        rows += [
            {
                "date": None,
                "kind": "presidium_member",
                "title": name,
                "value": int(n),
                "counts": n >= need,
                "detail": "",
                "text": "",
            }
            for name, n in members
        ]
    need = rules.linkage.voters_per_deputy
    voters = (
        select(VoterLink.deputy_id, func.count(func.distinct(Voter.id)).label("n"))
        .join(Voter, and_(Voter.id == VoterLink.voter_id, Voter.active))
        .join(Deputy, Deputy.id == VoterLink.deputy_id)
        .where(Voter.constituency_id == Deputy.constituency_id, Deputy.township_id == unit.id)
        .group_by(VoterLink.deputy_id)
        .subquery()
    )
    stmt = (
        select(Deputy.name, func.coalesce(voters.c.n, 0))
        .join(voters, voters.c.deputy_id == Deputy.id, isouter=True)
        .where(Deputy.township_id == unit.id, Deputy.active)
        .order_by(Deputy.id)
    )
    if unit.unit_type.has_congress:
        stmt = stmt.where(Deputy.level == DeputyLevel.township)
    else:
        stmt = stmt.where(Deputy.constituency_id.is_not(None))
    rows += [
        {
            "date": None,
            "kind": "deputy",
            "title": name,
            "value": int(n),
            "counts": n >= need,
            "detail": "",
            "text": "",
        }
        for name, n in session.exec(stmt).all()
    ]
    return rows


def _t09(session, rules, unit, start, end):
    visits = session.exec(
        select(Visit)
        .where(Visit.township_id == unit.id, Visit.held_on.between(start, end))
        .order_by(Visit.held_on, Visit.id)
    ).all()
    notices = session.exec(
        select(Notification)
        .where(Notification.township_id == unit.id, Notification.issued_on.between(start, end))
        .order_by(Notification.issued_on, Notification.id)
    ).all()
    rows = [
        {
            "date": v.held_on,
            "kind": f"visit.{VisitKind(v.kind).value}",
            "title": v.note,
            "value": v.people_visited,
            "counts": True,
            "detail": "",
            "text": "",
        }
        for v in visits
    ]
    rows += [
        {
            "date": n.issued_on,
            "kind": f"notification.{NotificationKind(n.kind).value}",
            "title": n.title,
            "value": None,
            "counts": True,
            "detail": "",
            "text": "",
        }
        for n in notices
    ]
    return sorted(rows, key=lambda r: r["date"])


def _t10(session, rules, unit, start, end):
    acts = session.exec(
        select(IntegratedActivity)
        .where(
            IntegratedActivity.township_id == unit.id,
            IntegratedActivity.held_on.between(start, end),
        )
        .order_by(IntegratedActivity.held_on, IntegratedActivity.id)
    ).all()
    rows = []
    for a in acts:
        levels = [lv for lv in a.levels.split(",") if lv]
        rows.append(
            {
                "date": a.held_on,
                "kind": "integrated",
                "title": a.title,
                "value": a.participants,
                "counts": len(levels) >= 2,
                "detail": ",".join(levels),
                "text": a.theme,
            }
        )
    return rows


_CELL_BUILDERS = {
    "T01": _t01,
    "T02": _t02,
    "T03": _t03,
    "T04": _t04,
    "T05": _t05,
    "T06": _t06,
    "T07": _t07,
    "T08": _t08,
    "T09": _t09,
    "T10": _t10,
}

__all__ = [
    "MAX_ATTENDANCE",
    "MAX_TEXT",
    "MAX_TITLE",
    "MAX_TOPICS",
    "add_meeting_topics",
    "cell_records",
    "clear_task_mark",
    "list_meetings",
    "list_supervision_activities",
    "list_task_marks",
    "record_meeting",
    "record_supervision_activity",
    "set_task_mark",
]
