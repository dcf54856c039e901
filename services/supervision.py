"""Closed-loop supervision (闭环监督): the five-stage machine, deadlines and the loop's metrics.

An item moves investigation → deliberation → assignment → follow_up → feedback → closed, one
stage at a time. Every move is a ``SupervisionStageEvent``; the item's ``stage`` is always what
its history replays to (``replay``). Leaving a stage needs its evidence (text or an uploaded
file). The feedback stage records the people's rating: satisfied or basically satisfied closes
the item, unsatisfied sends it back to the stage the year's rules name. Any stage but the first
can be sent back one stage with a reason.

Deadlines come from the rules of the year in which the item entered its stage
(``supervision.stage_deadline_days``); an item is overdue as of a date after its deadline while it
is still in that stage. Metrics are SQL aggregates over the items alive in a year: opened on or
before the as-of date and not closed before the year began.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, false, literal, or_
from sqlmodel import Session, func, select

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
from models import RuleSet as RuleSetRow
from models.base import utcnow
from models.enums import AuditAction, MeetingKind, Rating, SupervisionKind, SupervisionStage
from services import audit
from services.errors import NotFound, ValidationError
from services.evidence import Upload, check_upload, compose_evidence, parse_evidence, store_file
from services.permissions import Actor, readable_township_ids, require_read, require_write
from services.rules import RuleSet, get_rules
from services.validation import clean_text

# The five working stages in order; ``closed`` follows the last one.
STAGES: tuple[SupervisionStage, ...] = (
    SupervisionStage.investigation,
    SupervisionStage.deliberation,
    SupervisionStage.assignment,
    SupervisionStage.follow_up,
    SupervisionStage.feedback,
)
ALL_STAGES: tuple[SupervisionStage, ...] = (*STAGES, SupervisionStage.closed)
GOOD_RATINGS = (Rating.satisfied, Rating.basically_satisfied)

MAX_TITLE = 200
MAX_UNIT = 100
MAX_NOTE = 1000
MAX_EVIDENCE = 1000
MAX_ANSWER = 500
MAX_RATERS = 100_000
# A mistyped year is caught by refusing openings this many years back (carried-over items from
# earlier years are still moved on).
MAX_YEARS_BACK = 5


# ---------------------------------------------------------------------------------------------
# The stage machine (pure)


def next_stage(stage: SupervisionStage) -> SupervisionStage | None:
    """The stage after ``stage``; feedback is followed by closed, closed by nothing."""
    i = ALL_STAGES.index(stage)
    return ALL_STAGES[i + 1] if i + 1 < len(ALL_STAGES) else None


def previous_stage(stage: SupervisionStage) -> SupervisionStage | None:
    """The stage an item is sent back to from ``stage`` (none from investigation or closed)."""
    if stage in (SupervisionStage.investigation, SupervisionStage.closed):
        return None
    return STAGES[STAGES.index(stage) - 1]


@dataclass(frozen=True)
class Move:
    """A checked move: where it goes and whether it is a return."""

    from_stage: SupervisionStage
    to_stage: SupervisionStage
    is_return: bool


def check_move(
    stage: SupervisionStage,
    to_stage: SupervisionStage,
    *,
    rating: Rating | None = None,
    send_back: bool = False,
    unsatisfied_returns_to: SupervisionStage | None = None,
) -> Move:
    """The move from ``stage`` to ``to_stage`` if the machine allows it, else ValidationError.

    ``send_back`` asks for a return of one stage. At feedback the ``rating`` decides: a good
    rating closes, unsatisfied returns to ``unsatisfied_returns_to`` (the year's rule; when None,
    any earlier working stage is accepted, which is what a replay of old history needs).
    """
    stage, to_stage = SupervisionStage(stage), SupervisionStage(to_stage)
    rating = Rating(rating) if rating is not None else None
    if stage == SupervisionStage.closed:
        raise ValidationError("supervision.error.closed", field="stage")
    if send_back:
        back = previous_stage(stage)
        if back is None:
            raise ValidationError("supervision.error.no_earlier_stage", field="stage")
        if to_stage != back:
            raise ValidationError("supervision.error.back_one", field="to_stage", stage=back.value)
        if rating is not None:
            raise ValidationError("supervision.error.rating_on_return", field="rating")
        return Move(stage, to_stage, True)
    if stage == SupervisionStage.feedback:
        if rating is None:
            raise ValidationError("supervision.error.rating_required", field="rating")
        if rating in GOOD_RATINGS:
            if to_stage != SupervisionStage.closed:
                raise ValidationError("supervision.error.good_rating_closes", field="to_stage")
            return Move(stage, to_stage, False)
        allowed = (
            (SupervisionStage(unsatisfied_returns_to),)
            if unsatisfied_returns_to is not None
            else STAGES[:-1]
        )
        if to_stage not in allowed:
            raise ValidationError(
                "supervision.error.unsatisfied_returns",
                field="to_stage",
                stage=allowed[-1].value if len(allowed) == 1 else "",
            )
        return Move(stage, to_stage, True)
    if rating is not None:
        raise ValidationError("supervision.error.rating_only_at_feedback", field="rating")
    forward = next_stage(stage)
    if to_stage == forward:
        return Move(stage, to_stage, False)
    if to_stage in ALL_STAGES and ALL_STAGES.index(to_stage) > ALL_STAGES.index(stage):
        raise ValidationError("supervision.error.skip", field="to_stage", stage=forward.value)
    raise ValidationError("supervision.error.use_send_back", field="to_stage")


def _get(event: Any, name: str) -> Any:
    return event[name] if isinstance(event, dict) else getattr(event, name)


def replay(events: Iterable[Any]) -> SupervisionStage:
    """The stage a history of events (oldest first) leads to; ValueError on an invalid history.

    Each event is a ``SupervisionStageEvent``, an ``EventInfo`` or a dict with ``from_stage``,
    ``to_stage``, ``is_return``, ``rating`` and ``happened_on``.
    """
    stage: SupervisionStage | None = None
    last_day: date | None = None
    for n, event in enumerate(events):
        src, dst = _get(event, "from_stage"), _get(event, "to_stage")
        src = SupervisionStage(src) if src is not None else None
        dst = SupervisionStage(dst)
        day = _get(event, "happened_on")
        if last_day is not None and day < last_day:
            raise ValueError(f"event {n} is dated before the event it follows")
        last_day = day
        if stage is None:
            if src is not None or dst != SupervisionStage.investigation:
                raise ValueError("a history starts with an opening into investigation")
            stage = dst
            continue
        if src != stage:
            raise ValueError(f"event {n} leaves {src}, but the item is in {stage}")
        rating = _get(event, "rating")
        is_return = bool(_get(event, "is_return"))
        try:
            move = check_move(stage, dst, rating=rating, send_back=is_return and rating is None)
        except ValidationError as exc:
            raise ValueError(f"event {n}: {exc.key}") from None
        if move.is_return != is_return:
            raise ValueError(f"event {n}: return flag does not match the move")
        stage = move.to_stage
    if stage is None:
        raise ValueError("an empty history has no stage")
    return stage


# ---------------------------------------------------------------------------------------------
# Deadlines


def stage_deadline(stage: SupervisionStage, entered_on: date, rules: RuleSet) -> date | None:
    """The last day of ``stage`` for an item that entered it on ``entered_on``; None if closed."""
    stage = SupervisionStage(stage)
    if stage == SupervisionStage.closed:
        return None
    return entered_on + timedelta(days=rules.supervision.stage_deadline_days[stage])


def is_overdue(stage: SupervisionStage, entered_on: date, as_of: date, rules: RuleSet) -> bool:
    """Overdue as of ``as_of``: past the stage's deadline and still in that stage."""
    deadline = stage_deadline(stage, entered_on, rules)
    return deadline is not None and as_of > deadline


def _rules_of(session: Session, year: int, memo: dict[int, RuleSet]) -> RuleSet:
    """The rules of ``year``; a year before the first rule set uses the first one."""
    if year not in memo:
        try:
            memo[year] = get_rules(session, year)
        except NotFound:
            first = session.exec(select(func.min(RuleSetRow.year))).one()
            if first is None or first <= year:
                raise
            memo[year] = get_rules(session, first).model_copy(update={"year": year})
    return memo[year]


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
class Timeline:
    item: ItemInfo
    source: Source
    events: list[EventInfo]


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _today(today: date | None) -> date:
    return today or date.today()


def _check_day(day: date, *, not_before: date | None, today: date, field: str = "on") -> None:
    if not isinstance(day, date):
        raise ValidationError("supervision.error.date", field=field)
    if day > today:
        raise ValidationError("supervision.error.future", field=field)
    if not_before is not None and day < not_before:
        raise ValidationError(
            "supervision.error.before_previous", field=field, day=not_before.isoformat()
        )


def _item_row(session: Session, item_id: int) -> SupervisionItem:
    row = session.get(SupervisionItem, item_id)
    if row is None:
        raise NotFound("supervision.error.not_found", id=item_id)
    return row


# ---------------------------------------------------------------------------------------------
# Writes


def open_item(
    session: Session,
    actor: Actor,
    *,
    township_id: int,
    title: str,
    opened_on: date,
    topic_id: int | None = None,
    activity_id: int | None = None,
    opinion_id: int | None = None,
    responsible_unit: str = "",
    note: str = "",
    today: date | None = None,
) -> int:
    """Open an item from exactly one source: a topic of one of the unit's presidium meetings, a
    supervision activity, or a voter's opinion of a contact day. Returns the new item's id."""
    require_write(actor, township_id)
    today = _today(today)
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    responsible_unit = clean_text(responsible_unit, field="responsible_unit", limit=MAX_UNIT)
    note = clean_text(note, field="note", limit=MAX_NOTE)
    given = [s for s in (topic_id, activity_id, opinion_id) if s is not None]
    if len(given) != 1:
        raise ValidationError("supervision.error.source_required", field="source")
    if not isinstance(opened_on, date):
        raise ValidationError("supervision.error.date", field="opened_on")
    if opened_on > today:
        raise ValidationError("supervision.error.future", field="opened_on")
    if opened_on.year < today.year - MAX_YEARS_BACK:
        raise ValidationError(
            "supervision.error.too_old", field="opened_on", year=today.year - MAX_YEARS_BACK
        )
    if session.get(Township, township_id) is None:
        raise NotFound("error.not_found.township", id=township_id)

    contact_day_id = None
    duplicate = select(SupervisionItem.id).where(
        SupervisionItem.township_id == township_id, SupervisionItem.title == title
    )
    if topic_id is not None:
        topic = session.get(SupervisionTopic, topic_id)
        meeting = session.get(Meeting, topic.meeting_id) if topic else None
        if (
            topic is None
            or meeting is None
            or topic.township_id != township_id
            or meeting.kind != MeetingKind.presidium
        ):
            raise ValidationError("supervision.error.source_unknown", field="source")
        source_day = meeting.held_on
        duplicate = duplicate.where(SupervisionItem.topic_id == topic_id)
    elif activity_id is not None:
        activity = session.get(SupervisionActivity, activity_id)
        if activity is None or activity.township_id != township_id:
            raise ValidationError("supervision.error.source_unknown", field="source")
        source_day = activity.held_on
        duplicate = duplicate.where(SupervisionItem.activity_id == activity_id)
    else:
        opinion = session.get(Opinion, opinion_id)
        day = session.get(ContactDay, opinion.contact_day_id) if opinion else None
        if opinion is None or day is None or opinion.township_id != township_id:
            raise ValidationError("supervision.error.source_unknown", field="source")
        source_day, contact_day_id = day.held_on, day.id
        # One opinion is one matter: it is followed by one item only.
        duplicate = select(SupervisionItem.id).where(SupervisionItem.opinion_id == opinion_id)
    if opened_on < source_day:
        raise ValidationError(
            "supervision.error.before_source", field="opened_on", day=source_day.isoformat()
        )
    if session.exec(duplicate.limit(1)).first() is not None:
        raise ValidationError("supervision.error.duplicate", field="source")

    item = SupervisionItem(
        township_id=township_id,
        title=title,
        opened_on=opened_on,
        stage=SupervisionStage.investigation,
        stage_entered_on=opened_on,
        responsible_unit=responsible_unit,
        topic_id=topic_id,
        activity_id=activity_id,
        contact_day_id=contact_day_id,
        opinion_id=opinion_id,
        entered_by_id=actor.id,
    )
    session.add(item)
    session.flush()
    event = SupervisionStageEvent(
        item_id=item.id,
        from_stage=None,
        to_stage=SupervisionStage.investigation,
        happened_on=opened_on,
        note=note,
        responsible_unit=responsible_unit,
        entered_by_id=actor.id,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.create,
        entity="supervision_item",
        entity_id=item.id,
        township_id=township_id,
        after=audit.snapshot(item) | {"event": audit.snapshot(event)},
    )
    session.commit()
    return item.id


def move_item(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    to_stage: SupervisionStage,
    on: date,
    note: str = "",
    evidence: str = "",
    upload: Upload | None = None,
    responsible_unit: str = "",
    send_back: bool = False,
    rating: Rating | None = None,
    raters: int | None = None,
    answer: str | None = None,
    today: date | None = None,
) -> SupervisionStage:
    """Move an item one step and return its new stage.

    Forward moves and the feedback decision need the evidence of the stage being left (text or
    ``upload``); a send-back needs its reason in ``note``. At feedback, ``rating`` and ``raters``
    are required, and for an item raised from a voter's opinion ``answer`` (what was told back
    to the voters) is stored on the opinion.
    """
    item = _item_row(session, item_id)
    require_write(actor, item.township_id)
    today = _today(today)
    try:
        to_stage = SupervisionStage(to_stage)
    except ValueError:
        raise ValidationError("supervision.error.bad_stage", field="to_stage") from None
    try:
        rating = Rating(rating) if rating not in (None, "") else None
    except ValueError:
        raise ValidationError("supervision.error.rating_required", field="rating") from None
    rules = _rules_of(session, on.year if isinstance(on, date) else today.year, {})
    move = check_move(
        item.stage,
        to_stage,
        rating=rating,
        send_back=send_back,
        unsatisfied_returns_to=rules.supervision.unsatisfied_returns_to,
    )
    last = session.exec(
        select(func.max(SupervisionStageEvent.happened_on)).where(
            SupervisionStageEvent.item_id == item.id
        )
    ).one()
    _check_day(on, not_before=last, today=today)
    note = clean_text(note, field="note", limit=MAX_NOTE, required=send_back)
    evidence = clean_text(evidence, field="evidence", limit=MAX_EVIDENCE)
    responsible_unit = clean_text(responsible_unit, field="responsible_unit", limit=MAX_UNIT)
    evidence_file = check_upload(upload) if upload is not None else None
    if not send_back and not evidence and evidence_file is None:
        raise ValidationError(
            "supervision.error.evidence_required", field="evidence", stage=item.stage.value
        )
    if move.to_stage == SupervisionStage.assignment and not (
        responsible_unit or item.responsible_unit
    ):
        raise ValidationError("supervision.error.unit_required", field="responsible_unit")
    opinion = None
    if item.stage == SupervisionStage.feedback and not send_back:
        if isinstance(raters, bool) or not isinstance(raters, int):
            raise ValidationError("supervision.error.raters", field="raters", n=MAX_RATERS)
        if not 1 <= raters <= MAX_RATERS:
            raise ValidationError("supervision.error.raters", field="raters", n=MAX_RATERS)
        opinion = session.get(Opinion, item.opinion_id) if item.opinion_id else None
        if opinion is not None:
            answer = clean_text(answer, field="answer", limit=MAX_ANSWER, required=True)
    elif raters is not None:
        raise ValidationError("supervision.error.rating_only_at_feedback", field="raters")

    if evidence_file is not None:
        evidence = compose_evidence(evidence, [store_file(evidence_file)])
    before = audit.snapshot(item)
    event = SupervisionStageEvent(
        item_id=item.id,
        from_stage=move.from_stage,
        to_stage=move.to_stage,
        happened_on=on,
        note=note,
        evidence=evidence,
        responsible_unit=responsible_unit or item.responsible_unit,
        is_return=move.is_return,
        rating=rating,
        raters=raters if rating is not None else None,
        entered_by_id=actor.id,
    )
    session.add(event)
    item.stage = move.to_stage
    item.stage_entered_on = on
    if responsible_unit:
        item.responsible_unit = responsible_unit
    if move.to_stage == SupervisionStage.closed:
        item.closed_on = on
    if rating is not None:
        item.rating = rating
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.update,
        entity="supervision_item",
        entity_id=item.id,
        township_id=item.township_id,
        before=before,
        after=audit.snapshot(item) | {"event": audit.snapshot(event)},
    )
    if opinion is not None:
        opinion_before = audit.snapshot(opinion)
        opinion.answer = answer
        opinion.updated_at = utcnow()
        session.add(opinion)
        audit.record(
            session,
            actor,
            action=AuditAction.update,
            entity="opinion",
            entity_id=opinion.id,
            township_id=opinion.township_id,
            before=opinion_before,
            after=audit.snapshot(opinion),
        )
    session.commit()
    return move.to_stage


def advance_stage(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    on: date,
    note: str = "",
    evidence: str = "",
    upload: Upload | None = None,
    responsible_unit: str = "",
    rating: Rating | None = None,
    raters: int | None = None,
    answer: str | None = None,
    today: date | None = None,
) -> SupervisionStage:
    """Move an item to its next stage; at feedback the rating decides (close or return)."""
    item = _item_row(session, item_id)
    require_write(actor, item.township_id)
    stage = SupervisionStage(item.stage)
    if stage == SupervisionStage.closed:
        raise ValidationError("supervision.error.closed", field="stage")
    if stage == SupervisionStage.feedback:
        if rating in (None, "") or rating not in set(Rating):
            raise ValidationError("supervision.error.rating_required", field="rating")
        if Rating(rating) in GOOD_RATINGS:
            target = SupervisionStage.closed
        else:
            year = on.year if isinstance(on, date) else _today(today).year
            target = _rules_of(session, year, {}).supervision.unsatisfied_returns_to
    else:
        target = next_stage(stage)
    return move_item(
        session,
        actor,
        item_id,
        to_stage=target,
        on=on,
        note=note,
        evidence=evidence,
        upload=upload,
        responsible_unit=responsible_unit,
        rating=rating,
        raters=raters,
        answer=answer,
        today=today,
    )


def send_back(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    on: date,
    reason: str,
    today: date | None = None,
) -> SupervisionStage:
    """Return an item one stage, with the reason as the event's note."""
    item = _item_row(session, item_id)
    require_write(actor, item.township_id)
    back = previous_stage(SupervisionStage(item.stage))
    if item.stage == SupervisionStage.closed:
        raise ValidationError("supervision.error.closed", field="stage")
    if back is None:
        raise ValidationError("supervision.error.no_earlier_stage", field="stage")
    return move_item(
        session, actor, item_id, to_stage=back, on=on, note=reason, send_back=True, today=today
    )


# ---------------------------------------------------------------------------------------------
# Reads: items, sources, timeline


def _scope(stmt, column, actor: Actor, township_id: int | None = None):
    ids = readable_township_ids(actor)
    if township_id is not None:
        ids = [township_id] if ids is None or township_id in ids else []
    return stmt if ids is None else stmt.where(column.in_(ids))


def _alive(year: int, as_of: date):
    """Items that were open at some time in ``year`` up to ``as_of``."""
    end = min(date(year, 12, 31), as_of)
    return and_(
        SupervisionItem.opened_on <= end,
        or_(SupervisionItem.closed_on.is_(None), SupervisionItem.closed_on >= date(year, 1, 1)),
    )


def _info(row: SupervisionItem, as_of: date, rules: RuleSet) -> ItemInfo:
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
    row = _item_row(session, item_id)
    require_read(actor, row.township_id)
    rules = _rules_of(session, row.stage_entered_on.year, {})
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
    stmt = _scope(
        select(SupervisionItem, Township.name_zh, Township.name_en)
        .join(Township, Township.id == SupervisionItem.township_id)
        .where(_alive(year, as_of))
        .order_by(Township.sort_order, SupervisionItem.opened_on, SupervisionItem.id),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    if stage is not None:
        stmt = stmt.where(SupervisionItem.stage == SupervisionStage(stage))
    memo: dict[int, RuleSet] = {}
    rows = []
    for item, name_zh, name_en in session.exec(stmt).all():
        info = _info(item, as_of, _rules_of(session, item.stage_entered_on.year, memo))
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


@dataclass(frozen=True)
class SourceOption:
    kind: str  # "topic" | "activity" | "opinion"
    id: int
    title: str
    held_on: date
    detail: str = ""
    taken: bool = False


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


# ---------------------------------------------------------------------------------------------
# Metrics (SQL aggregates)


def stage_counts(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
) -> pd.DataFrame:
    """Items alive in the year per unit and current stage: township_id, stage, items."""
    stmt = _scope(
        select(SupervisionItem.township_id, SupervisionItem.stage, func.count(SupervisionItem.id))
        .where(_alive(year, as_of))
        .group_by(SupervisionItem.township_id, SupervisionItem.stage),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    rows = [(t, SupervisionStage(s).value, int(n)) for t, s, n in session.exec(stmt).all()]
    return pd.DataFrame(rows, columns=["township_id", "stage", "items"])


def _overdue_condition(session: Session, as_of: date, years: Iterable[int]):
    """SQL: the item is past the deadline of its current stage (rules of the entry year)."""
    memo: dict[int, RuleSet] = {}
    parts = []
    for y in sorted(set(years)):
        days = _rules_of(session, y, memo).supervision.stage_deadline_days
        for stage in STAGES:
            parts.append(
                and_(
                    SupervisionItem.stage == stage,
                    SupervisionItem.stage_entered_on.between(date(y, 1, 1), date(y, 12, 31)),
                    SupervisionItem.stage_entered_on < as_of - timedelta(days=days[stage]),
                )
            )
    return or_(*parts) if parts else false()


def _open_entry_years(session: Session, actor: Actor, year: int, as_of: date, township_id=None):
    stmt = _scope(
        select(SupervisionItem.stage_entered_on)
        .where(_alive(year, as_of), SupervisionItem.stage != SupervisionStage.closed)
        .group_by(SupervisionItem.stage_entered_on),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    return {d.year for d in session.exec(stmt).all()}


def overdue_items(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
) -> pd.DataFrame:
    """Open items past the deadline of their stage as of ``as_of``, the longest overdue first."""
    years = _open_entry_years(session, actor, year, as_of, township_id)
    stmt = _scope(
        select(
            SupervisionItem.id,
            SupervisionItem.township_id,
            Township.name_zh,
            Township.name_en,
            SupervisionItem.title,
            SupervisionItem.stage,
            SupervisionItem.stage_entered_on,
            SupervisionItem.responsible_unit,
        )
        .join(Township, Township.id == SupervisionItem.township_id)
        .where(_alive(year, as_of), _overdue_condition(session, as_of, years))
        .order_by(SupervisionItem.stage_entered_on, SupervisionItem.id),
        SupervisionItem.township_id,
        actor,
        township_id,
    )
    memo: dict[int, RuleSet] = {}
    rows = []
    for item_id, tid, zh, en, title, stage, entered, unit in session.exec(stmt).all():
        deadline = stage_deadline(stage, entered, _rules_of(session, entered.year, memo))
        rows.append(
            (
                item_id,
                tid,
                zh,
                en,
                title,
                SupervisionStage(stage).value,
                entered,
                deadline,
                (as_of - deadline).days,
                unit,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "township_id",
            "name_zh",
            "name_en",
            "title",
            "stage",
            "stage_entered_on",
            "deadline",
            "days_overdue",
            "responsible_unit",
        ],
    )


def township_summary(session: Session, actor: Actor, *, year: int, as_of: date) -> pd.DataFrame:
    """Per readable unit: items alive in the year, closed, open, overdue, closure rate
    (closed / items), rated feedback events in the year and satisfaction (satisfied or basically
    satisfied / rated), and the year's closure target."""
    rules = _rules_of(session, year, {})
    years = _open_entry_years(session, actor, year, as_of)
    closed_case = case(
        (
            and_(SupervisionItem.closed_on.is_not(None), SupervisionItem.closed_on <= as_of),
            1,
        ),
        else_=0,
    )
    overdue_case = case((_overdue_condition(session, as_of, years), 1), else_=0)
    items = (
        select(
            SupervisionItem.township_id.label("township_id"),
            func.count(SupervisionItem.id).label("n_items"),
            func.sum(closed_case).label("closed"),
            func.sum(overdue_case).label("overdue"),
        )
        .where(_alive(year, as_of))
        .group_by(SupervisionItem.township_id)
        .subquery()
    )
    good = case((SupervisionStageEvent.rating.in_(GOOD_RATINGS), 1), else_=0)
    ratings = (
        select(
            SupervisionItem.township_id.label("township_id"),
            func.count(SupervisionStageEvent.id).label("rated"),
            func.sum(good).label("good"),
            func.sum(func.coalesce(SupervisionStageEvent.raters, 0)).label("raters"),
        )
        .join(SupervisionItem, SupervisionItem.id == SupervisionStageEvent.item_id)
        .where(
            SupervisionStageEvent.rating.is_not(None),
            SupervisionStageEvent.happened_on.between(
                date(year, 1, 1), min(date(year, 12, 31), as_of)
            ),
        )
        .group_by(SupervisionItem.township_id)
        .subquery()
    )
    stmt = _scope(
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            Township.unit_type,
            func.coalesce(items.c.n_items, 0),
            func.coalesce(items.c.closed, 0),
            func.coalesce(items.c.overdue, 0),
            func.coalesce(ratings.c.rated, 0),
            func.coalesce(ratings.c.good, 0),
            func.coalesce(ratings.c.raters, 0),
        )
        .join(items, items.c.township_id == Township.id, isouter=True)
        .join(ratings, ratings.c.township_id == Township.id, isouter=True)
        .where(Township.active)
        .order_by(Township.sort_order, Township.id),
        Township.id,
        actor,
    )
    rows = []
    for tid, zh, en, unit_type, n, closed, overdue, rated, good_n, raters in session.exec(
        stmt
    ).all():
        n, closed, overdue, rated, good_n = map(int, (n, closed, overdue, rated, good_n))
        rows.append(
            {
                "township_id": tid,
                "name_zh": zh,
                "name_en": en,
                "unit_type": getattr(unit_type, "value", unit_type),
                "items": n,
                "closed": closed,
                "open": n - closed,
                "overdue": overdue,
                "closure_rate": closed / n if n else None,
                "rated": rated,
                "good": good_n,
                "raters": int(raters),
                "satisfaction": good_n / rated if rated else None,
                "closure_target": rules.supervision.closure_target,
            }
        )
    columns = [
        "township_id",
        "name_zh",
        "name_en",
        "unit_type",
        "items",
        "closed",
        "open",
        "overdue",
        "closure_rate",
        "rated",
        "good",
        "raters",
        "satisfaction",
        "closure_target",
    ]
    return pd.DataFrame(rows, columns=columns)


def _days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier  # PostgreSQL: date - date is a whole number of days


def average_stage_days(
    session: Session,
    actor: Actor,
    *,
    year: int,
    as_of: date,
    township_id: int | None = None,
) -> pd.DataFrame:
    """Average days an item stays in each stage, from the event history of the items alive in
    the year: a stay runs from the event entering the stage to the next event, or to ``as_of``
    while the item is still there (so a stage where items get stuck shows). Returns stage,
    stays, avg_days and the stage's deadline days, in stage order."""
    nxt = func.lead(SupervisionStageEvent.happened_on).over(
        partition_by=SupervisionStageEvent.item_id,
        order_by=(SupervisionStageEvent.happened_on, SupervisionStageEvent.id),
    )
    stays = _scope(
        select(
            SupervisionStageEvent.to_stage.label("stage"),
            SupervisionStageEvent.happened_on.label("start"),
            nxt.label("until"),
        )
        .join(SupervisionItem, SupervisionItem.id == SupervisionStageEvent.item_id)
        .where(_alive(year, as_of), SupervisionStageEvent.happened_on <= as_of),
        SupervisionItem.township_id,
        actor,
        township_id,
    ).subquery()
    end = func.coalesce(stays.c.until, literal(as_of))
    days = _days_between(session, end, stays.c.start)
    stmt = (
        select(stays.c.stage, func.count(), func.avg(days))
        .where(stays.c.stage != SupervisionStage.closed)
        .group_by(stays.c.stage)
    )
    found = {SupervisionStage(s): (int(n), float(avg)) for s, n, avg in session.exec(stmt).all()}
    limits = _rules_of(session, year, {}).supervision.stage_deadline_days
    rows = [
        (s.value, found.get(s, (0, 0.0))[0], found[s][1] if s in found else None, limits[s])
        for s in STAGES
    ]
    return pd.DataFrame(rows, columns=["stage", "stays", "avg_days", "deadline_days"])


def loop_progress(session: Session, actor: Actor, *, year: int, as_of: date) -> pd.DataFrame:
    """T06 (close the loop) per readable unit, as the task list defines it: an item is due once
    the deadlines of the four stages before feedback have run from its opening (rules of
    ``year``), counting the items whose due date falls in the year up to ``as_of``; it has
    reached the people's evaluation when its stage is now feedback or closed. Returns
    township_id, names, due, reached, share (None when nothing is due) and the target."""
    rules = _rules_of(session, year, {})
    as_of = min(max(as_of, date(year, 1, 1)), date(year, 12, 31))
    days = rules.supervision.stage_deadline_days
    lag = timedelta(days=sum(days[s] for s in STAGES[:-1]))
    reached = SupervisionItem.stage.in_([SupervisionStage.feedback, SupervisionStage.closed])
    per_unit = (
        select(
            SupervisionItem.township_id.label("township_id"),
            func.count(SupervisionItem.id).label("due"),
            func.sum(case((reached, 1), else_=0)).label("reached"),
        )
        .where(SupervisionItem.opened_on.between(date(year, 1, 1) - lag, as_of - lag))
        .group_by(SupervisionItem.township_id)
        .subquery()
    )
    stmt = _scope(
        select(
            Township.id,
            Township.name_zh,
            Township.name_en,
            func.coalesce(per_unit.c.due, 0),
            func.coalesce(per_unit.c.reached, 0),
        )
        .join(per_unit, per_unit.c.township_id == Township.id, isouter=True)
        .where(Township.active)
        .order_by(Township.sort_order, Township.id),
        Township.id,
        actor,
    )
    target = rules.supervision.closure_target
    rows = []
    for tid, zh, en, due, got in session.exec(stmt).all():
        due, got = int(due), int(got)
        rows.append((tid, zh, en, due, got, got / due if due else None, target))
    return pd.DataFrame(
        rows, columns=["township_id", "name_zh", "name_en", "due", "reached", "share", "target"]
    )
