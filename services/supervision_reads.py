"""Closed-loop supervision, read: the board's items, what an item can be opened from, and one
item's timeline. Every read is limited to the units the actor may read.

The board shows the items alive in a year: opened on or before the as-of date and not closed
before the year began (``alive_in_year``, which the loop's metrics count over as well).
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_, or_
from sqlmodel import Session, select

from models import (
    ContactDay,
    Meeting,
    Opinion,
    SupervisionActivity,
    SupervisionItem,
    SupervisionStageEvent,
    SupervisionTopic,
    Township,
    User,
)
from models.enums import MeetingKind, Rating, SupervisionKind, SupervisionStage
from services.evidence import parse_evidence
from services.permissions import Actor, require_read, scope_to_readable
from services.rules import RuleSet
from services.supervision import load_item, rules_of_year, stage_deadline

# ---------------------------------------------------------------------------------------------
# Read models


@dataclass(frozen=True)
class ItemInfo:
    id: int
    township_id: int
    title: str
    opened_on: date
    stage: SupervisionStage
    stage_entered_on: date
    responsible_unit: str
    topic_id: int | None
    activity_id: int | None
    contact_day_id: int | None
    opinion_id: int | None
    closed_on: date | None
    rating: Rating | None
    deadline: date | None
    overdue: bool
    days_in_stage: int


@dataclass(frozen=True)
class EventInfo:
    id: int
    from_stage: SupervisionStage | None
    to_stage: SupervisionStage
    happened_on: date
    note: str
    evidence: str
    responsible_unit: str
    is_return: bool
    rating: Rating | None
    raters: int | None
    entered_by: str

    @property
    def files(self) -> tuple[str, ...]:
        """The references of the files stored as this move's evidence."""
        return parse_evidence(self.evidence).files

    @property
    def evidence_text(self) -> str:
        """The evidence as the user wrote it, without the file references."""
        return parse_evidence(self.evidence).text


@dataclass(frozen=True)
class Source:
    """Where an item came from: a presidium topic, a supervision activity or a contact day."""

    kind: str  # "topic" | "activity" | "contact_day" | "none"
    id: int | None
    title: str
    held_on: date | None
    activity_kind: SupervisionKind | None = None
    opinion_id: int | None = None
    opinion_text: str = ""
    opinion_answer: str = ""


@dataclass(frozen=True)
class SourceOption:
    kind: str  # "topic" | "activity" | "opinion"
    id: int
    title: str
    held_on: date
    detail: str = ""
    taken: bool = False


@dataclass(frozen=True)
class Timeline:
    item: ItemInfo
    source: Source
    events: list[EventInfo]


# ---------------------------------------------------------------------------------------------
# Which items a read sees


def alive_in_year(year: int, as_of: date):
    """Items that were open at some time in ``year`` up to ``as_of``."""
    end = min(date(year, 12, 31), as_of)
    return and_(
        SupervisionItem.opened_on <= end,
        or_(SupervisionItem.closed_on.is_(None), SupervisionItem.closed_on >= date(year, 1, 1)),
    )


# ---------------------------------------------------------------------------------------------
# Items, sources, timeline


def _info(row, as_of: date, rules: RuleSet) -> ItemInfo:
    """An item (its ORM object, or a row of ``_ITEM_FIELDS``) with its deadline as of a day."""
    stage = SupervisionStage(row.stage)
    deadline = stage_deadline(stage, row.stage_entered_on, rules)
    end = row.closed_on if stage == SupervisionStage.closed and row.closed_on else as_of
    return ItemInfo(
        id=row.id,
        township_id=row.township_id,
        title=row.title,
        opened_on=row.opened_on,
        stage=stage,
        stage_entered_on=row.stage_entered_on,
        responsible_unit=row.responsible_unit,
        topic_id=row.topic_id,
        activity_id=row.activity_id,
        contact_day_id=row.contact_day_id,
        opinion_id=row.opinion_id,
        closed_on=row.closed_on,
        rating=Rating(row.rating) if row.rating else None,
        deadline=deadline,
        overdue=deadline is not None and as_of > deadline,
        days_in_stage=max(0, (end - row.stage_entered_on).days),
    )


def get_item(session: Session, actor: Actor, item_id: int, *, as_of: date) -> ItemInfo:
    row = load_item(session, item_id)
    require_read(actor, row.township_id)
    rules = rules_of_year(session, row.stage_entered_on.year)
    return _info(row, as_of, rules)


ITEM_COLUMNS = [
    "id",
    "township_id",
    "name_zh",
    "name_en",
    "title",
    "stage",
    "stage_entered_on",
    "opened_on",
    "closed_on",
    "rating",
    "responsible_unit",
    "deadline",
    "overdue",
    "days_in_stage",
]


# What ``_info`` reads of an item: columns, not ORM objects (a province lists 16,000 items).
_ITEM_FIELDS = (
    SupervisionItem.id,
    SupervisionItem.township_id,
    SupervisionItem.title,
    SupervisionItem.opened_on,
    SupervisionItem.stage,
    SupervisionItem.stage_entered_on,
    SupervisionItem.responsible_unit,
    SupervisionItem.topic_id,
    SupervisionItem.activity_id,
    SupervisionItem.contact_day_id,
    SupervisionItem.opinion_id,
    SupervisionItem.closed_on,
    SupervisionItem.rating,
)


def list_items(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
    stage: SupervisionStage | None = None,
) -> pd.DataFrame:
    """The items alive in ``year`` (one row each) with deadline, overdue and days in stage."""
    stmt = scope_to_readable(
        select(*_ITEM_FIELDS, Township.name_zh, Township.name_en)
        .join(Township, Township.id == SupervisionItem.township_id)
        .where(alive_in_year(year, as_of))
        .order_by(Township.sort_order, SupervisionItem.opened_on, SupervisionItem.id),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    if stage is not None:
        stmt = stmt.where(SupervisionItem.stage == SupervisionStage(stage))
    memo: dict[int, RuleSet] = {}
    rows = []
    for item in session.exec(stmt).all():
        info = _info(item, as_of, rules_of_year(session, item.stage_entered_on.year, memo))
        name_zh, name_en = item.name_zh, item.name_en
        rows.append(
            {
                "id": info.id,
                "township_id": info.township_id,
                "name_zh": name_zh,
                "name_en": name_en,
                "title": info.title,
                "stage": info.stage.value,
                "stage_entered_on": info.stage_entered_on,
                "opened_on": info.opened_on,
                "closed_on": info.closed_on,
                "rating": info.rating.value if info.rating else None,
                "responsible_unit": info.responsible_unit,
                "deadline": info.deadline,
                "overdue": info.overdue,
                "days_in_stage": info.days_in_stage,
            }
        )
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def list_sources(
    session: Session, actor: Actor, *, township_id: int, year: int
) -> list[SourceOption]:
    """What an item of the unit can be opened from in ``year``: its presidium meetings' topics,
    its supervision activities and its voters' opinions (taken = already followed by an item)."""
    require_read(actor, township_id)
    start, end = date(year, 1, 1), date(year, 12, 31)
    out: list[SourceOption] = []
    topics = session.exec(
        select(SupervisionTopic.id, SupervisionTopic.title, Meeting.held_on, Meeting.title)
        .join(Meeting, Meeting.id == SupervisionTopic.meeting_id)
        .where(
            SupervisionTopic.township_id == township_id,
            Meeting.kind == MeetingKind.presidium,
            Meeting.held_on.between(start, end),
        )
        .order_by(Meeting.held_on.desc(), SupervisionTopic.id)
    ).all()
    out += [SourceOption("topic", i, title, held, meeting) for i, title, held, meeting in topics]
    activities = session.exec(
        select(
            SupervisionActivity.id,
            SupervisionActivity.subject,
            SupervisionActivity.held_on,
            SupervisionActivity.kind,
        )
        .where(
            SupervisionActivity.township_id == township_id,
            SupervisionActivity.held_on.between(start, end),
        )
        .order_by(SupervisionActivity.held_on.desc(), SupervisionActivity.id)
    ).all()
    out += [
        SourceOption("activity", i, subject, held, SupervisionKind(kind).value)
        for i, subject, held, kind in activities
    ]
    taken = set(
        session.exec(
            select(SupervisionItem.opinion_id).where(
                SupervisionItem.township_id == township_id,
                SupervisionItem.opinion_id.is_not(None),
            )
        ).all()
    )
    opinions = session.exec(
        select(Opinion.id, Opinion.text, ContactDay.held_on)
        .join(ContactDay, ContactDay.id == Opinion.contact_day_id)
        .where(Opinion.township_id == township_id, ContactDay.held_on.between(start, end))
        .order_by(ContactDay.held_on.desc(), Opinion.id)
    ).all()
    out += [SourceOption("opinion", i, text, held, "", i in taken) for i, text, held in opinions]
    return out


def item_timeline(session: Session, actor: Actor, item_id: int, *, as_of: date) -> Timeline:
    """One item from its source (a voter's opinion, a topic, an activity) through every move to
    the people's rating and the answer given back."""
    item = get_item(session, actor, item_id, as_of=as_of)
    rows = session.exec(
        select(SupervisionStageEvent, User.display_name, User.username)
        .join(User, User.id == SupervisionStageEvent.entered_by_id, isouter=True)
        .where(SupervisionStageEvent.item_id == item_id)
        .order_by(SupervisionStageEvent.happened_on, SupervisionStageEvent.id)
    ).all()
    events = [
        EventInfo(
            id=e.id,
            from_stage=SupervisionStage(e.from_stage) if e.from_stage else None,
            to_stage=SupervisionStage(e.to_stage),
            happened_on=e.happened_on,
            note=e.note,
            evidence=e.evidence,
            responsible_unit=e.responsible_unit,
            is_return=e.is_return,
            rating=Rating(e.rating) if e.rating else None,
            raters=e.raters,
            entered_by=display or username or "",
        )
        for e, display, username in rows
    ]
    return Timeline(item=item, source=_source(session, item), events=events)


def _source(session: Session, item: ItemInfo) -> Source:
    if item.topic_id is not None:
        topic = session.get(SupervisionTopic, item.topic_id)
        meeting = session.get(Meeting, topic.meeting_id) if topic else None
        return Source(
            "topic",
            item.topic_id,
            topic.title if topic else "",
            meeting.held_on if meeting else None,
        )
    if item.activity_id is not None:
        act = session.get(SupervisionActivity, item.activity_id)
        return Source(
            "activity",
            item.activity_id,
            act.subject if act else "",
            act.held_on if act else None,
            activity_kind=SupervisionKind(act.kind) if act else None,
        )
    if item.contact_day_id is not None:
        day = session.get(ContactDay, item.contact_day_id)
        opinion = session.get(Opinion, item.opinion_id) if item.opinion_id else None
        return Source(
            "contact_day",
            item.contact_day_id,
            day.summary if day else "",
            day.held_on if day else None,
            opinion_id=opinion.id if opinion else None,
            opinion_text=opinion.text if opinion else "",
            opinion_answer=opinion.answer if opinion else "",
        )
    return Source("none", None, "", None)
