"""Supervision items as a clerk enters them: opened on the day they are opened, one move per
form sent, and every item and stage entry corrected or withdrawn with a stated reason."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from models import AuditLog, SupervisionItem, SupervisionStageEvent
from models.enums import Rating, SupervisionStage
from services import supervision as sv
from services import supervision_reads as reads
from services import years
from services.errors import InUse, PermissionDenied, ValidationError
from tests.factories import DAYS, World, build_world, install_rules
from tests.factories import SUPERVISION_TODAY as TODAY

S = SupervisionStage


@pytest.fixture
def world(session) -> World:
    install_rules(session, 2026)
    return build_world(session)


def _open(session, w: World, on=date(2026, 2, 1), **kw) -> int:
    args = (
        dict(
            township_id=w.a,
            title="道路督办",
            opened_on=on,
            topic_id=w.topic_a,
            responsible_unit="镇建设办",
            today=TODAY,
        )
        | kw
    )
    return sv.open_item(session, w.clerk_a, **args)


def _advance(session, w: World, item_id: int, on: date, **kw) -> S:
    kw.setdefault("evidence", "材料")
    return sv.advance_stage(session, w.clerk_a, item_id, on=on, today=TODAY, **kw)


def _events(session, item_id: int) -> int:
    return session.exec(
        select(func.count(SupervisionStageEvent.id)).where(SupervisionStageEvent.item_id == item_id)
    ).one()


# --- opening -----------------------------------------------------------------------------------


def test_an_item_from_an_old_opinion_is_opened_today_and_its_deadline_runs_from_today(
    session, world
):
    # The voter's opinion was raised at the contact day of 10 Jan 2026; the item follows it
    # on 20 Nov 2026, the day the clerk opens it.
    today = date(2026, 11, 20)
    item_id = sv.open_item(
        session,
        world.clerk_a,
        township_id=world.a,
        title="路灯不亮",
        opened_on=today,
        opinion_id=world.opinion_a,
        responsible_unit="镇城管办",
        today=today,
    )
    info = reads.get_item(session, world.admin, item_id, as_of=today)
    assert (info.opened_on, info.stage_entered_on) == (today, today)
    # 30 days of investigation from 20 Nov: 20 Dec, not 9 Feb; not overdue, 0 days in stage.
    assert info.deadline == date(2026, 12, 20) == today + timedelta(days=DAYS["investigation"])
    assert not info.overdue and info.days_in_stage == 0
    # The opinion stays linked and is shown as the source, with its own date.
    tl = reads.item_timeline(session, world.admin, item_id, as_of=today)
    assert (tl.item.opinion_id, tl.item.contact_day_id) == (world.opinion_a, world.contact_day_a)
    assert (tl.source.held_on, tl.source.opinion_text) == (date(2026, 1, 10), "路灯不亮")


def test_the_responsible_unit_is_required_at_opening(session, world):
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            _open(session, world, responsible_unit=blank)
        assert (refused.value.key, refused.value.field) == (
            "supervision.error.unit_missing",
            "responsible_unit",
        )
    assert session.exec(select(func.count(SupervisionItem.id))).one() == 0


def test_opening_twice_from_the_same_form_opens_one_item(session, world):
    _open(session, world)
    with pytest.raises(ValidationError) as refused:
        _open(session, world)
    assert refused.value.key == "supervision.error.duplicate"
    assert session.exec(select(func.count(SupervisionItem.id))).one() == 1


# --- one form sent, one move ---------------------------------------------------------------------


def test_the_same_move_sent_twice_moves_the_item_once(session, world):
    item_id = _open(session, world)
    form = dict(evidence="调研报告", expected_stage=S.investigation)
    assert _advance(session, world, item_id, date(2026, 2, 3), **form) == S.deliberation
    with pytest.raises(ValidationError) as refused:
        _advance(session, world, item_id, date(2026, 2, 3), **form)
    assert refused.value.key == "supervision.error.already_moved"
    assert session.get(SupervisionItem, item_id).stage == S.deliberation
    assert _events(session, item_id) == 2
    # A send-back sent twice returns once.
    back = dict(on=date(2026, 2, 4), reason="材料不全", expected_stage=S.deliberation, today=TODAY)
    assert sv.send_back(session, world.clerk_a, item_id, **back) == S.investigation
    with pytest.raises(ValidationError):
        sv.send_back(session, world.clerk_a, item_id, **back)
    assert _events(session, item_id) == 3


# --- corrections of an item --------------------------------------------------------------------


def test_an_item_is_corrected_with_its_reason_in_the_audit_log(session, world):
    item_id = _open(session, world)
    sv.correct_item(
        session,
        world.clerk_a,
        item_id,
        title="村道修复督办",
        responsible_unit="镇交通办",
        opened_on=date(2026, 2, 5),
        reason="标题和日期录错",
        today=TODAY,
    )
    item = session.get(SupervisionItem, item_id)
    assert (item.title, item.responsible_unit, item.opened_on, item.stage_entered_on) == (
        "村道修复督办",
        "镇交通办",
        date(2026, 2, 5),
        date(2026, 2, 5),
    )
    opening = session.exec(
        select(SupervisionStageEvent).where(SupervisionStageEvent.item_id == item_id)
    ).one()
    assert opening.happened_on == date(2026, 2, 5)
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.entity, log.reason) == ("update", "supervision_item", "标题和日期录错")
    assert log.before["title"] == "道路督办" and log.after["title"] == "村道修复督办"


def test_an_item_correction_keeps_its_dates_in_order(session, world):
    item_id = _open(session, world)
    _advance(session, world, item_id, date(2026, 2, 10))
    change = dict(title="道路督办", responsible_unit="镇建设办", reason="日期录错", today=TODAY)
    # Not before its source (10 Jan), not after its next entry (10 Feb), not after today.
    for on, key in (
        (date(2026, 1, 9), "supervision.error.before_source"),
        (date(2026, 2, 11), "supervision.error.after_next_entry"),
        (TODAY + timedelta(days=1), "error.date_future"),
    ):
        with pytest.raises(ValidationError) as refused:
            sv.correct_item(session, world.clerk_a, item_id, opened_on=on, **change)
        assert refused.value.key == key
    with pytest.raises(ValidationError) as refused:
        sv.correct_item(
            session,
            world.clerk_a,
            item_id,
            **(change | {"reason": " "}),
            opened_on=date(2026, 2, 1),
        )
    assert refused.value.key == "error.reason_required"
    session.rollback()
    assert session.get(SupervisionItem, item_id).opened_on == date(2026, 2, 1)


def test_only_the_units_clerk_or_the_admin_corrects_and_not_in_a_closed_year(session, world):
    item_id = _open(session, world)
    change = dict(
        title="道路督办", responsible_unit="镇建设办", opened_on=date(2026, 2, 1), reason="更正"
    )
    for stranger in (world.clerk_b, world.leader):
        with pytest.raises(PermissionDenied):
            sv.correct_item(session, stranger, item_id, today=TODAY, **change)
        with pytest.raises(PermissionDenied):
            sv.withdraw_item(session, stranger, item_id, reason="重复")
    sv.correct_item(session, world.admin, item_id, today=TODAY, **change)
    years.close_year(session, world.admin, 2026, reason="年终")
    with pytest.raises(PermissionDenied) as refused:
        sv.correct_item(session, world.clerk_a, item_id, today=TODAY, **change)
    assert refused.value.key == "error.year_closed"
    with pytest.raises(PermissionDenied):
        sv.withdraw_item(session, world.clerk_a, item_id, reason="重复")
    # The admin reopens the year, then corrects.
    years.reopen_year(session, world.admin, 2026, reason="补录更正")
    sv.withdraw_item(session, world.admin, item_id, reason="重复立项")
    assert session.get(SupervisionItem, item_id) is None


# --- withdrawals -------------------------------------------------------------------------------


def test_an_item_with_stage_entries_and_ratings_says_what_depends_on_it(session, world):
    item_id = _open(session, world)
    on = date(2026, 2, 2)
    for _ in range(4):
        _advance(session, world, item_id, on, responsible_unit="镇建设办")
        on += timedelta(days=1)
    _advance(session, world, item_id, on, rating=Rating.unsatisfied, raters=12)
    # investigation → … → feedback (4 entries), then unsatisfied back to assignment (1 more).
    with pytest.raises(InUse) as refused:
        sv.withdraw_item(session, world.clerk_a, item_id, reason="重复立项")
    assert refused.value.dependents == {"stage_entry": 5, "rating": 1}
    assert session.get(SupervisionItem, item_id) is not None


def test_withdrawing_the_latest_entry_steps_the_item_back(session, world):
    item_id = _open(session, world)
    _advance(session, world, item_id, date(2026, 2, 3), evidence="调研报告")
    _advance(session, world, item_id, date(2026, 2, 9), evidence="审议意见")
    assert session.get(SupervisionItem, item_id).stage == S.assignment

    now = sv.withdraw_latest_entry(session, world.clerk_a, item_id, reason="推进错了事项")
    item = session.get(SupervisionItem, item_id)
    assert now == "deliberation" and item.stage == S.deliberation
    assert item.stage_entered_on == date(2026, 2, 3)
    assert _events(session, item_id) == 2
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.entity, log.reason) == (
        "delete",
        "supervision_stage_entry",
        "推进错了事项",
    )
    assert log.before["event"]["evidence"] == "审议意见" and log.after["stage"] == "deliberation"

    # Back to the opening only: then the item itself can be withdrawn.
    sv.withdraw_latest_entry(session, world.clerk_a, item_id, reason="推进错了事项")
    with pytest.raises(ValidationError) as refused:
        sv.withdraw_latest_entry(session, world.clerk_a, item_id, reason="再撤")
    assert refused.value.key == "supervision.error.no_entry"
    sv.withdraw_item(session, world.clerk_a, item_id, reason="立项重复")
    assert session.get(SupervisionItem, item_id) is None
    assert _events(session, item_id) == 0


def test_withdrawing_a_closing_rating_reopens_the_item(session, world):
    item_id = _open(session, world)
    on = date(2026, 2, 2)
    for _ in range(4):
        _advance(session, world, item_id, on, responsible_unit="镇建设办")
        on += timedelta(days=1)
    _advance(session, world, item_id, on, rating=Rating.satisfied, raters=20)
    item = session.get(SupervisionItem, item_id)
    assert (item.stage, item.rating, item.closed_on) == (S.closed, Rating.satisfied, on)
    sv.withdraw_latest_entry(session, world.clerk_a, item_id, reason="评价录错")
    session.refresh(item)
    assert (item.stage, item.rating, item.closed_on) == (S.feedback, None, None)
    assert item.stage_entered_on == on - timedelta(days=1)


def test_the_latest_entry_is_corrected_with_its_reason(session, world):
    item_id = _open(session, world)
    _advance(session, world, item_id, date(2026, 2, 3), evidence="调研报告")
    sv.correct_latest_entry(
        session,
        world.clerk_a,
        item_id,
        on=date(2026, 2, 4),
        note="",
        evidence="调研报告（修订）",
        reason="日期录错",
        today=TODAY,
    )
    event = session.exec(
        select(SupervisionStageEvent)
        .where(SupervisionStageEvent.item_id == item_id)
        .order_by(SupervisionStageEvent.id.desc())
    ).first()
    assert (event.happened_on, event.evidence) == (date(2026, 2, 4), "调研报告（修订）")
    assert session.get(SupervisionItem, item_id).stage_entered_on == date(2026, 2, 4)
    with pytest.raises(ValidationError) as refused:
        sv.correct_latest_entry(
            session,
            world.clerk_a,
            item_id,
            on=date(2026, 1, 31),
            note="",
            evidence="x",
            reason="r",
            today=TODAY,
        )
    assert refused.value.key == "supervision.error.before_previous"
    with pytest.raises(ValidationError) as refused:
        sv.correct_latest_entry(
            session,
            world.clerk_a,
            item_id,
            on=date(2026, 2, 4),
            note="",
            evidence="",
            reason="r",
            today=TODAY,
        )
    assert refused.value.key == "supervision.error.evidence_required"
