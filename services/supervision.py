"""Closed-loop supervision (闭环监督): the five-stage machine, deadlines and the moves of items.

An item moves investigation → deliberation → assignment → follow_up → feedback → closed, one
stage at a time. Every move is a ``SupervisionStageEvent``; the item's ``stage`` is always what
its history replays to (``replay``). Leaving a stage needs its evidence (text or an uploaded
file, kept by ``services.evidence``). The feedback stage records the people's rating: satisfied
or basically satisfied closes the item, unsatisfied sends it back to the stage the year's rules
name. Any stage but the first can be sent back one stage with a reason.

Deadlines come from the rules of the year in which the item entered its stage
(``supervision.stage_deadline_days``); an item is overdue as of a date after its deadline while it
is still in that stage. The board's reads are in ``services.supervision_reads``, the loop's
metrics in ``services.supervision_metrics``.

An item is opened on the day it is opened (today by default), whatever the date of the source it
follows: a voter's opinion of January opened in November starts its deadlines in November; the
source stays linked. A move names the stage it leaves (``expected_stage``), so the same form
sent twice moves the item once. Saved items and stage entries are corrected or withdrawn under
the shared rules of ``services.corrections``: withdrawing the latest stage entry steps the item
back; an item with stage entries or ratings is not withdrawn and says what depends on it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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
)
from models import RuleSet as RuleSetRow
from models.base import utcnow
from models.enums import AuditAction, MeetingKind, Rating, SupervisionStage
from services import audit, clock, corrections, years
from services.errors import NotFound, ValidationError
from services.evidence import (
    Upload,
    check_upload,
    compose_evidence,
    parse_evidence,
    store_file,
)
from services.permissions import Actor, require_write
from services.rules import RuleSet, get_rules
from services.validation import clean_text, past_date

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


def rules_of_year(session: Session, year: int, memo: dict[int, RuleSet] | None = None) -> RuleSet:
    """The rules of ``year``; a year before the first rule set uses the first one (items carried
    over from before the platform). ``memo`` keeps the rule sets already read by a caller that
    asks for many years."""
    memo = {} if memo is None else memo
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
# Validation helpers


def _today(today: date | None) -> date:
    return today or clock.today()


def _check_day(day: date, *, not_before: date | None, today: date, field: str = "on") -> None:
    past_date(day, field=field, today=today)
    if not_before is not None and day < not_before:
        raise ValidationError(
            "supervision.error.before_previous", field=field, day=not_before.isoformat()
        )


def load_item(session: Session, item_id: int) -> SupervisionItem:
    """The item's row, for a service about to check the actor's rights on it; else NotFound."""
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
    responsible_unit = clean_text(
        responsible_unit,
        field="responsible_unit",
        limit=MAX_UNIT,
        required=True,
        required_key="supervision.error.unit_missing",
    )
    note = clean_text(note, field="note", limit=MAX_NOTE)
    given = [s for s in (topic_id, activity_id, opinion_id) if s is not None]
    if len(given) != 1:
        raise ValidationError("supervision.error.source_required", field="source")
    past_date(opened_on, field="opened_on", today=today)
    if opened_on.year < today.year - MAX_YEARS_BACK:
        raise ValidationError(
            "supervision.error.too_old", field="opened_on", year=today.year - MAX_YEARS_BACK
        )
    years.require_open(session, actor, opened_on)
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
    return audit.key_of(item)


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
    expected_stage: SupervisionStage | None = None,
    today: date | None = None,
) -> SupervisionStage:
    """Move an item one step and return its new stage.

    ``expected_stage`` is the stage the form showed: an item no longer there (the same form
    sent twice, or another clerk moved it meanwhile) is refused, so one save is one move.

    Forward moves and the feedback decision need the evidence of the stage being left (text or
    ``upload``); a send-back needs its reason in ``note``. At feedback, ``rating`` and ``raters``
    are required, and for an item raised from a voter's opinion ``answer`` (what was told back
    to the voters) is stored on the opinion.
    """
    item = load_item(session, item_id)
    require_write(actor, item.township_id)
    today = _today(today)
    if expected_stage is not None and SupervisionStage(expected_stage) != item.stage:
        raise ValidationError(
            "supervision.error.already_moved", field="stage", stage=item.stage.value
        )
    try:
        to_stage = SupervisionStage(to_stage)
    except ValueError:
        raise ValidationError("supervision.error.bad_stage", field="to_stage") from None
    try:
        rating = Rating(rating) if rating not in (None, "") else None
    except ValueError:
        raise ValidationError("supervision.error.rating_required", field="rating") from None
    rules = rules_of_year(session, on.year if isinstance(on, date) else today.year)
    if isinstance(on, date):
        years.require_open(session, actor, on)
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
        opinion.answer = answer or ""  # cleaned above with required=True: never empty here
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
    expected_stage: SupervisionStage | None = None,
    today: date | None = None,
) -> SupervisionStage:
    """Move an item to its next stage; at feedback the rating decides (close or return)."""
    item = load_item(session, item_id)
    require_write(actor, item.township_id)
    if expected_stage is not None and SupervisionStage(expected_stage) != item.stage:
        raise ValidationError(
            "supervision.error.already_moved", field="stage", stage=item.stage.value
        )
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
            target = rules_of_year(session, year).supervision.unsatisfied_returns_to
    else:
        following = next_stage(stage)
        assert following is not None, "closed items were refused above"
        target = following
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
        expected_stage=expected_stage,
        today=today,
    )


def send_back(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    on: date,
    reason: str,
    expected_stage: SupervisionStage | None = None,
    today: date | None = None,
) -> SupervisionStage:
    """Return an item one stage, with the reason as the event's note."""
    item = load_item(session, item_id)
    require_write(actor, item.township_id)
    if expected_stage is not None and SupervisionStage(expected_stage) != item.stage:
        raise ValidationError(
            "supervision.error.already_moved", field="stage", stage=item.stage.value
        )
    back = previous_stage(SupervisionStage(item.stage))
    if item.stage == SupervisionStage.closed:
        raise ValidationError("supervision.error.closed", field="stage")
    if back is None:
        raise ValidationError("supervision.error.no_earlier_stage", field="stage")
    return move_item(
        session,
        actor,
        item_id,
        to_stage=back,
        on=on,
        note=reason,
        send_back=True,
        expected_stage=expected_stage,
        today=today,
    )


# ---------------------------------------------------------------------------------------------
# Corrections and withdrawals


def _events(session: Session, item_id: int) -> list[SupervisionStageEvent]:
    return list(
        session.exec(
            select(SupervisionStageEvent)
            .where(SupervisionStageEvent.item_id == item_id)
            .order_by(SupervisionStageEvent.happened_on, SupervisionStageEvent.id)
        ).all()
    )


def correct_item(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    title: str,
    responsible_unit: str,
    opened_on: date,
    reason: str,
    today: date | None = None,
) -> int:
    """Correct an item's title, responsible unit and opening date, stating ``reason``. The
    opening date stays on or after its source's date and on or before its first move."""
    item = load_item(session, item_id)
    reason = corrections.check_change(session, actor, item.township_id, item.opened_on, reason)
    today = _today(today)
    title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    responsible_unit = clean_text(
        responsible_unit,
        field="responsible_unit",
        limit=MAX_UNIT,
        required=True,
        required_key="supervision.error.unit_missing",
    )
    past_date(opened_on, field="opened_on", today=today)
    years.require_open(session, actor, opened_on)
    source_day = _source_day(session, item)
    if source_day is not None and opened_on < source_day:
        raise ValidationError(
            "supervision.error.before_source", field="opened_on", day=source_day.isoformat()
        )
    events = _events(session, item.id)
    if len(events) > 1 and opened_on > events[1].happened_on:
        raise ValidationError(
            "supervision.error.after_next_entry",
            field="opened_on",
            day=events[1].happened_on.isoformat(),
        )
    before = audit.snapshot(item)
    item.title = title
    if item.responsible_unit != responsible_unit:
        item.responsible_unit = responsible_unit
    item.opened_on = opened_on
    if events:
        events[0].happened_on = opened_on
        events[0].responsible_unit = responsible_unit
        session.add(events[0])
    if len(events) == 1:
        item.stage_entered_on = opened_on
    item.updated_at = utcnow()
    return corrections.corrected(
        session,
        actor,
        item,
        entity="supervision_item",
        township_id=item.township_id,
        before=before,
        reason=reason,
    )


def _source_day(session: Session, item: SupervisionItem) -> date | None:
    if item.topic_id is not None:
        topic = session.get(SupervisionTopic, item.topic_id)
        meeting = session.get(Meeting, topic.meeting_id) if topic else None
        return meeting.held_on if meeting else None
    if item.activity_id is not None:
        activity = session.get(SupervisionActivity, item.activity_id)
        return activity.held_on if activity else None
    if item.contact_day_id is not None:
        day = session.get(ContactDay, item.contact_day_id)
        return day.held_on if day else None
    return None


def item_dependents(session: Session, item_id: int) -> dict[str, int]:
    """What stands on an item beyond its opening: stage entries and ratings."""
    events = _events(session, item_id)
    moves = events[1:]
    return {
        "stage_entry": len(moves),
        "rating": sum(1 for e in moves if e.rating is not None),
    }


def withdraw_item(session: Session, actor: Actor, item_id: int, *, reason: str) -> None:
    """Withdraw an item opened by mistake, stating ``reason``. An item with stage entries or
    ratings says so (``InUse``): withdraw its latest entries first."""
    item = load_item(session, item_id)
    reason = corrections.check_change(session, actor, item.township_id, item.opened_on, reason)
    corrections.refuse_if_depended(item_dependents(session, item.id))
    before = audit.snapshot(item) | {
        "events": [audit.snapshot(e) for e in _events(session, item.id)]
    }
    for event in _events(session, item.id):
        session.delete(event)
    session.flush()
    corrections.withdrawn(
        session,
        actor,
        item,
        entity="supervision_item",
        township_id=item.township_id,
        before=before,
        reason=reason,
    )


def _restate(item: SupervisionItem, events: list[SupervisionStageEvent]) -> None:
    """Set the item's stage, dates, rating and responsible unit from its remaining history."""
    last = events[-1]
    item.stage = replay(events)
    item.stage_entered_on = last.happened_on
    item.closed_on = last.happened_on if item.stage == SupervisionStage.closed else None
    rated = [e for e in events if e.rating is not None]
    item.rating = rated[-1].rating if rated else None
    units = [e.responsible_unit for e in events if e.responsible_unit]
    item.responsible_unit = units[-1] if units else item.responsible_unit


def _latest_entry(session: Session, item: SupervisionItem) -> SupervisionStageEvent:
    events = _events(session, item.id)
    if len(events) < 2:
        raise ValidationError("supervision.error.no_entry", field="entry")
    return events[-1]


def withdraw_latest_entry(session: Session, actor: Actor, item_id: int, *, reason: str) -> str:
    """Withdraw the item's latest stage entry, stating ``reason``: the item steps back to where
    it was before that entry. Returns the stage it is in now."""
    item = load_item(session, item_id)
    event = _latest_entry(session, item)
    reason = corrections.check_change(session, actor, item.township_id, event.happened_on, reason)
    before = audit.snapshot(item) | {"event": audit.snapshot(event)}
    session.delete(event)
    session.flush()
    _restate(item, _events(session, item.id))
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        action=AuditAction.delete,
        entity="supervision_stage_entry",
        entity_id=before["event"]["id"],
        township_id=item.township_id,
        before=before,
        after=audit.snapshot(item),
        reason=reason,
    )
    session.commit()
    return SupervisionStage(item.stage).value


def correct_latest_entry(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    on: date,
    note: str,
    evidence: str,
    reason: str,
    today: date | None = None,
) -> int:
    """Correct the date, note and evidence text of the item's latest stage entry, stating
    ``reason`` (files kept with it stay). The date stays after the entry before it."""
    item = load_item(session, item_id)
    event = _latest_entry(session, item)
    reason = corrections.check_change(session, actor, item.township_id, event.happened_on, reason)
    events = _events(session, item.id)
    _check_day(on, not_before=events[-2].happened_on, today=_today(today))
    years.require_open(session, actor, on)
    note = clean_text(
        note, field="note", limit=MAX_NOTE, required=event.is_return and not event.rating
    )
    text = clean_text(evidence, field="evidence", limit=MAX_EVIDENCE)
    files = parse_evidence(event.evidence).files
    if not event.is_return and not text and not files:
        raise ValidationError(
            "supervision.error.evidence_required",
            field="evidence",
            stage=SupervisionStage(event.from_stage).value if event.from_stage else "",
        )
    before = audit.snapshot(item) | {"event": audit.snapshot(event)}
    event.happened_on = on
    event.note = note
    event.evidence = compose_evidence(text, files)
    event.updated_at = utcnow()
    session.add(event)
    item.stage_entered_on = on
    if item.stage == SupervisionStage.closed:
        item.closed_on = on
    return corrections.corrected(
        session,
        actor,
        item,
        entity="supervision_item",
        township_id=item.township_id,
        before=before,
        reason=reason,
        extra_after={"event": audit.snapshot(event)},
    )
