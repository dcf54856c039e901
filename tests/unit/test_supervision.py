"""The closed-loop stage machine: every allowed and refused move, evidence, deadlines, audit."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from models import (
    AuditLog,
    Opinion,
    SupervisionItem,
    SupervisionStageEvent,
)
from models.enums import Rating, SupervisionStage
from services import evidence
from services import rules as rules_service
from services import supervision as sv
from services import supervision_metrics as metrics
from services import supervision_reads as reads
from services.errors import PermissionDenied, ServiceError, ValidationError
from tests.factories import DAYS, World, build_world, install_rules
from tests.factories import SUPERVISION_TODAY as TODAY

S = SupervisionStage


@pytest.fixture
def world(session) -> World:
    install_rules(session, 2026)
    return build_world(session)


def open_topic_item(session, w: World, *, title="道路督办", on=date(2026, 2, 1)) -> int:
    return sv.open_item(
        session,
        w.clerk_a,
        township_id=w.a,
        title=title,
        opened_on=on,
        responsible_unit="镇建设办",
        topic_id=w.topic_a,
        today=TODAY,
    )


def advance(session, w: World, item_id: int, on: date, **kw) -> S:
    kw.setdefault("evidence", "材料")
    return sv.advance_stage(session, w.clerk_a, item_id, on=on, today=TODAY, **kw)


def walk_to(session, w: World, item_id: int, stage: S, start=date(2026, 2, 2)) -> None:
    """Advance an item one stage a day until it is in ``stage``."""
    day = start
    while session.get(SupervisionItem, item_id).stage != stage:
        advance(session, w, item_id, day, responsible_unit="城建办")
        day = date.fromordinal(day.toordinal() + 1)


def events_of(session, item_id: int) -> list[SupervisionStageEvent]:
    return list(
        session.exec(
            select(SupervisionStageEvent)
            .where(SupervisionStageEvent.item_id == item_id)
            .order_by(SupervisionStageEvent.happened_on, SupervisionStageEvent.id)
        ).all()
    )


def count(session, model) -> int:
    return session.exec(select(func.count(model.id))).one()


# --- opening -----------------------------------------------------------------------------------


def test_open_from_a_presidium_topic_starts_in_investigation(session, world):
    item_id = open_topic_item(session, world)
    item = session.get(SupervisionItem, item_id)
    assert (item.stage, item.stage_entered_on, item.opened_on) == (
        S.investigation,
        date(2026, 2, 1),
        date(2026, 2, 1),
    )
    assert item.topic_id == world.topic_a and item.entered_by_id == world.clerk_a.id
    [first] = events_of(session, item_id)
    assert (first.from_stage, first.to_stage, first.happened_on) == (
        None,
        S.investigation,
        date(2026, 2, 1),
    )
    assert sv.replay(events_of(session, item_id)) == S.investigation


def test_open_from_an_activity_and_from_an_opinion(session, world):
    act = sv.open_item(
        session,
        world.clerk_a,
        township_id=world.a,
        title="河道整治",
        opened_on=date(2026, 1, 10),
        activity_id=world.activity_a,
        responsible_unit="镇水利站",
        today=TODAY,
    )
    assert session.get(SupervisionItem, act).activity_id == world.activity_a
    op = sv.open_item(
        session,
        world.clerk_a,
        township_id=world.a,
        title="路灯",
        opened_on=date(2026, 1, 12),
        opinion_id=world.opinion_a,
        responsible_unit="镇城管办",
        today=TODAY,
    )
    item = session.get(SupervisionItem, op)
    assert item.contact_day_id == world.contact_day_a and item.topic_id is None
    assert item.opinion_id == world.opinion_a
    # The database itself keeps one item per opinion.
    session.add(
        SupervisionItem(
            township_id=world.a,
            title="路灯（重复）",
            opened_on=date(2026, 1, 13),
            stage_entered_on=date(2026, 1, 13),
            opinion_id=world.opinion_a,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    tl = reads.item_timeline(session, world.clerk_a, op, as_of=date(2026, 1, 12))
    assert tl.source.kind == "contact_day" and tl.source.opinion_text == "路灯不亮"
    assert tl.item.opinion_id == world.opinion_a
    taken = {
        (o.kind, o.id): o.taken
        for o in reads.list_sources(session, world.clerk_a, township_id=world.a, year=2026)
    }
    # The congress session's topic is not offered: only presidium meetings' topics are.
    assert taken == {
        ("topic", world.topic_a): False,
        ("activity", world.activity_a): False,
        ("opinion", world.opinion_a): True,
    }


def _open(session, w: World, **kw):
    args = dict(
        township_id=w.a,
        title="道路督办",
        opened_on=date(2026, 2, 1),
        responsible_unit="镇建设办",
        today=TODAY,
    )
    args.update(kw)
    actor = args.pop("actor", w.clerk_a)
    return sv.open_item(session, actor, **args)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({}, "supervision.error.source_required"),
        ({"topic_id": "T", "activity_id": "A"}, "supervision.error.source_required"),
        ({"topic_id": "TB"}, "supervision.error.source_unknown"),
        ({"topic_id": "TS"}, "supervision.error.source_unknown"),
        ({"topic_id": 99999}, "supervision.error.source_unknown"),
        ({"topic_id": "T", "opened_on": date(2026, 1, 9)}, "supervision.error.before_source"),
        ({"topic_id": "T", "opened_on": date(2027, 1, 1)}, "error.date_future"),
        ({"topic_id": "T", "opened_on": date(2020, 12, 31)}, "supervision.error.too_old"),
        ({"topic_id": "T", "opened_on": "2026-02-01"}, "error.date_required"),
        ({"topic_id": "T", "title": "   "}, "error.required"),
        ({"topic_id": "T", "title": "长" * 201}, "error.too_long"),
        ({"topic_id": "T", "title": "<script>alert(1)</script>"}, "error.markup"),
        ({"topic_id": "T", "responsible_unit": "<b>办</b>"}, "error.markup"),
    ],
)
def test_bad_openings_are_refused_and_write_nothing(session, world, change, key):
    names = {
        "T": world.topic_a,
        "TB": world.topic_b,
        "TS": world.session_topic_a,
        "A": world.activity_a,
    }
    args = {
        k: names.get(v, v) if isinstance(v, str) and k.endswith("_id") else v
        for k, v in change.items()
    }
    with pytest.raises(ValidationError) as err:
        _open(session, world, **args)
    assert err.value.key == key
    assert count(session, SupervisionItem) == 0
    assert count(session, SupervisionStageEvent) == 0
    assert count(session, AuditLog) == 0


def test_duplicates_are_refused(session, world):
    open_topic_item(session, world)
    with pytest.raises(ValidationError) as err:
        open_topic_item(session, world)
    assert err.value.key == "supervision.error.duplicate"
    # Another title from the same topic is another matter.
    open_topic_item(session, world, title="道路督办（二）")
    _open(session, world, opinion_id=world.opinion_a, title="路灯")
    with pytest.raises(ValidationError) as err:
        _open(session, world, opinion_id=world.opinion_a, title="路灯不亮问题")
    assert err.value.key == "supervision.error.duplicate"
    assert count(session, SupervisionItem) == 3


@pytest.mark.parametrize(
    ("who", "key"),
    [
        ("leader", "error.permission.read_only"),
        ("clerk_b", "error.permission.other_township"),
    ],
)
def test_open_needs_write_rights_on_the_unit(session, world, who, key):
    with pytest.raises(PermissionDenied) as err:
        _open(session, world, actor=getattr(world, who), topic_id=world.topic_a)
    assert err.value.key == key
    assert count(session, SupervisionItem) == 0


def test_admin_opens_for_any_unit(session, world):
    item_id = _open(session, world, actor=world.admin, topic_id=world.topic_a)
    assert session.get(SupervisionItem, item_id).entered_by_id == world.admin.id


# --- the machine (pure) ------------------------------------------------------------------------

FORWARD = [
    (S.investigation, S.deliberation),
    (S.deliberation, S.assignment),
    (S.assignment, S.follow_up),
    (S.follow_up, S.feedback),
]
BACK = [(dst, src) for src, dst in FORWARD]


@pytest.mark.parametrize(("src", "dst"), FORWARD)
def test_check_move_forward_one_stage(src, dst):
    assert sv.check_move(src, dst) == sv.Move(src, dst, False)


@pytest.mark.parametrize(("src", "dst"), BACK)
def test_check_move_back_one_stage(src, dst):
    assert sv.check_move(src, dst, send_back=True) == sv.Move(src, dst, True)


@pytest.mark.parametrize("rating", [Rating.satisfied, Rating.basically_satisfied])
def test_check_move_good_rating_closes(rating):
    move = sv.check_move(S.feedback, S.closed, rating=rating)
    assert move == sv.Move(S.feedback, S.closed, False)


def test_check_move_unsatisfied_goes_where_the_rule_says():
    move = sv.check_move(
        S.feedback, S.assignment, rating=Rating.unsatisfied, unsatisfied_returns_to=S.assignment
    )
    assert move == sv.Move(S.feedback, S.assignment, True)


REFUSED = [
    # (from, to, kwargs, key)
    (S.investigation, S.assignment, {}, "supervision.error.skip"),
    (S.investigation, S.closed, {}, "supervision.error.skip"),
    (S.deliberation, S.feedback, {}, "supervision.error.skip"),
    (S.follow_up, S.closed, {}, "supervision.error.skip"),
    (S.assignment, S.deliberation, {}, "supervision.error.use_send_back"),
    (S.assignment, S.assignment, {}, "supervision.error.use_send_back"),
    (S.feedback, S.investigation, {"send_back": True}, "supervision.error.back_one"),
    (S.follow_up, S.deliberation, {"send_back": True}, "supervision.error.back_one"),
    (S.investigation, S.investigation, {"send_back": True}, "supervision.error.no_earlier_stage"),
    (S.closed, S.feedback, {"send_back": True}, "supervision.error.closed"),
    (S.closed, S.closed, {"rating": Rating.satisfied}, "supervision.error.closed"),
    (S.feedback, S.closed, {}, "supervision.error.rating_required"),
    (
        S.feedback,
        S.follow_up,
        {"send_back": True, "rating": Rating.unsatisfied},
        "supervision.error.rating_on_return",
    ),
    (
        S.feedback,
        S.assignment,
        {"rating": Rating.satisfied},
        "supervision.error.good_rating_closes",
    ),
    (
        S.feedback,
        S.closed,
        {"rating": Rating.unsatisfied, "unsatisfied_returns_to": S.assignment},
        "supervision.error.unsatisfied_returns",
    ),
    (
        S.feedback,
        S.follow_up,
        {"rating": Rating.unsatisfied, "unsatisfied_returns_to": S.assignment},
        "supervision.error.unsatisfied_returns",
    ),
    (
        S.follow_up,
        S.feedback,
        {"rating": Rating.satisfied},
        "supervision.error.rating_only_at_feedback",
    ),
]


@pytest.mark.parametrize(("src", "dst", "kw", "key"), REFUSED)
def test_check_move_refuses(src, dst, kw, key):
    with pytest.raises(ValidationError) as err:
        sv.check_move(src, dst, **kw)
    assert err.value.key == key


# --- moves through the service ------------------------------------------------------------------


def test_full_walk_to_closed_records_each_move(session, world):
    item_id = open_topic_item(session, world)
    stages = []
    for n, day in enumerate((2, 5, 9, 20), start=1):
        stages.append(
            advance(
                session,
                world,
                item_id,
                date(2026, 2, day),
                note=f"第{n}步",
                responsible_unit="城建办",
            )
        )
    assert stages == [S.deliberation, S.assignment, S.follow_up, S.feedback]
    assert (
        advance(session, world, item_id, date(2026, 3, 1), rating=Rating.satisfied, raters=25)
        == S.closed
    )
    item = session.get(SupervisionItem, item_id)
    assert (item.stage, item.closed_on, item.rating) == (
        S.closed,
        date(2026, 3, 1),
        Rating.satisfied,
    )
    assert item.responsible_unit == "城建办"
    evs = events_of(session, item_id)
    assert [(e.from_stage, e.to_stage) for e in evs] == [
        (None, S.investigation),
        (S.investigation, S.deliberation),
        (S.deliberation, S.assignment),
        (S.assignment, S.follow_up),
        (S.follow_up, S.feedback),
        (S.feedback, S.closed),
    ]
    assert [e.happened_on.day for e in evs[1:]] == [2, 5, 9, 20, 1]
    assert all(e.entered_by_id == world.clerk_a.id for e in evs)
    assert (evs[-1].rating, evs[-1].raters, evs[-1].is_return) == (Rating.satisfied, 25, False)
    assert evs[1].note == "第1步" and evs[1].evidence == "材料"
    assert sv.replay(evs) == S.closed
    tl = reads.item_timeline(session, world.leader, item_id, as_of=date(2026, 3, 1))
    assert [e.entered_by for e in tl.events] == ["clerk_a名"] * 6


@pytest.mark.parametrize(("src", "dst"), FORWARD)
def test_every_forward_move_through_the_service(session, world, src, dst):
    item_id = open_topic_item(session, world)
    walk_to(session, world, item_id, src)
    new = advance(session, world, item_id, date(2026, 3, 1), responsible_unit="城建办")
    assert new == dst == session.get(SupervisionItem, item_id).stage


@pytest.mark.parametrize(("src", "dst"), BACK)
def test_every_send_back_through_the_service(session, world, src, dst):
    item_id = open_topic_item(session, world)
    walk_to(session, world, item_id, src)
    new = sv.send_back(
        session, world.clerk_a, item_id, on=date(2026, 3, 1), reason="材料不全", today=TODAY
    )
    item = session.get(SupervisionItem, item_id)
    assert new == dst == item.stage and item.stage_entered_on == date(2026, 3, 1)
    last = events_of(session, item_id)[-1]
    assert (last.from_stage, last.to_stage, last.is_return, last.note) == (
        src,
        dst,
        True,
        "材料不全",
    )
    assert last.rating is None


def _refused(session, call, key):
    before = (count(session, SupervisionStageEvent), count(session, AuditLog))
    with pytest.raises(ServiceError) as err:
        call()
    assert err.value.key == key
    session.rollback()
    assert (count(session, SupervisionStageEvent), count(session, AuditLog)) == before


def test_refused_moves_write_nothing(session, world):
    item_id = open_topic_item(session, world)
    w, c = world, world.clerk_a
    move = sv.move_item

    _refused(
        session,
        lambda: move(
            session,
            c,
            item_id,
            to_stage=S.assignment,
            on=date(2026, 2, 3),
            evidence="x",
            today=TODAY,
        ),
        "supervision.error.skip",
    )
    _refused(
        session,
        lambda: sv.send_back(session, c, item_id, on=date(2026, 2, 3), reason="r", today=TODAY),
        "supervision.error.no_earlier_stage",
    )
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 2, 3), evidence=""),
        "supervision.error.evidence_required",
    )
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 1, 31)),
        "supervision.error.before_previous",
    )
    _refused(session, lambda: advance(session, w, item_id, date(2027, 1, 1)), "error.date_future")
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 2, 3), rating=Rating.satisfied),
        "supervision.error.rating_only_at_feedback",
    )
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 2, 3), raters=3),
        "supervision.error.rating_only_at_feedback",
    )
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 2, 3), note="<img src=x>"),
        "error.markup",
    )
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 2, 3), evidence="长" * 1001),
        "error.too_long",
    )
    advance(session, w, item_id, date(2026, 2, 3))
    # Entering assignment names the unit that handles the matter (an item opened before the
    # unit was required at opening has none).
    row = session.get(SupervisionItem, item_id)
    row.responsible_unit = ""
    session.add(row)
    session.commit()
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 2, 4)),
        "supervision.error.unit_required",
    )
    advance(session, w, item_id, date(2026, 2, 4), responsible_unit="城建办")
    _refused(
        session,
        lambda: sv.send_back(session, c, item_id, on=date(2026, 2, 5), reason=" ", today=TODAY),
        "error.required",
    )
    _refused(
        session,
        lambda: move(
            session,
            c,
            item_id,
            to_stage=S.investigation,
            send_back=True,
            on=date(2026, 2, 5),
            note="r",
            today=TODAY,
        ),
        "supervision.error.back_one",
    )
    walk_to(session, w, item_id, S.feedback, start=date(2026, 2, 6))
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 3, 1), raters=5),
        "supervision.error.rating_required",
    )
    _refused(
        session,
        lambda: advance(session, w, item_id, date(2026, 3, 1), rating="great", raters=5),
        "supervision.error.rating_required",
    )
    _refused(
        session,
        lambda: move(
            session, c, item_id, to_stage="done", on=date(2026, 3, 1), evidence="x", today=TODAY
        ),
        "supervision.error.bad_stage",
    )
    for bad in (None, 0, -3, True, 100_001):
        _refused(
            session,
            lambda bad=bad: advance(
                session, w, item_id, date(2026, 3, 1), rating=Rating.satisfied, raters=bad
            ),
            "supervision.error.raters",
        )
    _refused(
        session,
        lambda: move(
            session,
            c,
            item_id,
            to_stage=S.follow_up,
            on=date(2026, 3, 1),
            evidence="x",
            rating=Rating.unsatisfied,
            raters=5,
            today=TODAY,
        ),
        "supervision.error.unsatisfied_returns",
    )
    advance(session, w, item_id, date(2026, 3, 1), rating=Rating.basically_satisfied, raters=5)
    for call in (
        lambda: advance(session, w, item_id, date(2026, 3, 2)),
        lambda: sv.send_back(session, c, item_id, on=date(2026, 3, 2), reason="r", today=TODAY),
        lambda: move(
            session,
            c,
            item_id,
            to_stage=S.feedback,
            on=date(2026, 3, 2),
            evidence="x",
            send_back=True,
            today=TODAY,
        ),
    ):
        _refused(session, call, "supervision.error.closed")
    assert sv.replay(events_of(session, item_id)) == S.closed


@pytest.mark.parametrize(
    ("who", "key"),
    [("leader", "error.permission.read_only"), ("clerk_b", "error.permission.other_township")],
)
def test_moves_need_write_rights(session, world, who, key):
    item_id = open_topic_item(session, world)
    actor = getattr(world, who)
    for call in (
        lambda: sv.advance_stage(
            session, actor, item_id, on=date(2026, 2, 2), evidence="x", today=TODAY
        ),
        lambda: sv.send_back(session, actor, item_id, on=date(2026, 2, 2), reason="r", today=TODAY),
        lambda: sv.move_item(
            session,
            actor,
            item_id,
            to_stage=S.deliberation,
            on=date(2026, 2, 2),
            evidence="x",
            today=TODAY,
        ),
    ):
        _refused(session, call, key)
    assert (
        sv.advance_stage(
            session, world.admin, item_id, on=date(2026, 2, 2), evidence="x", today=TODAY
        )
        == S.deliberation
    )


def test_unknown_item_is_not_found(session, world):
    with pytest.raises(ServiceError) as err:
        sv.advance_stage(session, world.admin, 4242, on=date(2026, 2, 2), evidence="x", today=TODAY)
    assert err.value.key == "supervision.error.not_found"


def test_unsatisfied_rating_reopens_at_assignment_and_the_item_can_close_later(session, world):
    item_id = open_topic_item(session, world)
    walk_to(session, world, item_id, S.feedback)  # 2, 3, 4, 5 Feb
    new = advance(
        session,
        world,
        item_id,
        date(2026, 2, 10),
        rating=Rating.unsatisfied,
        raters=40,
        evidence="测评表",
    )
    item = session.get(SupervisionItem, item_id)
    assert new == S.assignment == item.stage
    assert item.closed_on is None and item.stage_entered_on == date(2026, 2, 10)
    last = events_of(session, item_id)[-1]
    assert (last.from_stage, last.to_stage, last.is_return, last.rating, last.raters) == (
        S.feedback,
        S.assignment,
        True,
        Rating.unsatisfied,
        40,
    )
    walk_to(session, world, item_id, S.feedback, start=date(2026, 2, 11))
    assert (
        advance(session, world, item_id, date(2026, 3, 1), rating=Rating.satisfied, raters=38)
        == S.closed
    )
    item = session.get(SupervisionItem, item_id)
    assert (item.rating, item.closed_on) == (Rating.satisfied, date(2026, 3, 1))
    assert sv.replay(events_of(session, item_id)) == S.closed


def test_the_return_stage_of_an_unsatisfied_rating_comes_from_the_rules(session, world):
    install_rules(session, 2026, returns_to="follow_up")  # a newer version of the year's rules
    item_id = open_topic_item(session, world)
    walk_to(session, world, item_id, S.feedback)
    assert (
        advance(session, world, item_id, date(2026, 2, 10), rating=Rating.unsatisfied, raters=9)
        == S.follow_up
    )
    assert sv.replay(events_of(session, item_id)) == S.follow_up


def test_feedback_of_an_opinion_records_the_answer_to_the_voters(session, world):
    item_id = _open(session, world, opinion_id=world.opinion_a, title="路灯")
    walk_to(session, world, item_id, S.feedback)
    _refused(
        session,
        lambda: advance(
            session, world, item_id, date(2026, 3, 1), rating=Rating.satisfied, raters=12
        ),
        "error.required",
    )
    advance(
        session,
        world,
        item_id,
        date(2026, 3, 1),
        rating=Rating.satisfied,
        raters=12,
        answer="路灯已修复，已电话告知",
    )
    assert session.get(Opinion, world.opinion_a).answer == "路灯已修复，已电话告知"
    tl = reads.item_timeline(session, world.clerk_a, item_id, as_of=date(2026, 3, 1))
    assert tl.source.opinion_answer == "路灯已修复，已电话告知"
    assert [e.to_stage for e in tl.events][-1] == S.closed and tl.events[-1].raters == 12
    entities = session.exec(select(AuditLog.entity).order_by(AuditLog.id.desc())).all()
    assert entities[:2] == ["opinion", "supervision_item"]


def test_writes_are_audited_with_before_and_after(session, world):
    item_id = open_topic_item(session, world)
    advance(session, world, item_id, date(2026, 2, 2))
    rows = session.exec(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.entity, r.entity_id, r.township_id) for r in rows] == [
        ("create", "supervision_item", item_id, world.a),
        ("update", "supervision_item", item_id, world.a),
    ]
    assert rows[0].before is None and rows[0].after["stage"] == "investigation"
    assert rows[1].before["stage"] == "investigation"
    assert rows[1].after["stage"] == "deliberation"
    assert rows[1].after["event"]["to_stage"] == "deliberation"
    assert rows[1].username == "clerk_a"


# --- evidence files ----------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def test_an_uploaded_file_is_evidence_and_is_stored_by_its_hash(
    session, world, tmp_path, monkeypatch
):
    import hashlib

    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "up"))
    item_id = open_topic_item(session, world)
    advance(
        session,
        world,
        item_id,
        date(2026, 2, 2),
        evidence="",
        upload=evidence.Upload("调研报告.PDF", PDF),
    )
    digest = hashlib.sha256(PDF).hexdigest()
    last = events_of(session, item_id)[-1]
    assert last.evidence == f"file:uploads/{digest}.pdf"
    assert (tmp_path / "up" / f"{digest}.pdf").read_bytes() == PDF
    assert evidence.open_file(last.evidence) == evidence.StoredFile(f"{digest}.pdf", "pdf", PDF)
    # Text and file together; the same content is stored once.
    advance(
        session,
        world,
        item_id,
        date(2026, 2, 3),
        evidence="审议意见",
        upload=evidence.Upload("again.pdf", PDF),
        responsible_unit="办",
    )
    last = events_of(session, item_id)[-1]
    assert evidence.parse_evidence(last.evidence) == evidence.Evidence(
        "审议意见", (f"file:uploads/{digest}.pdf",)
    )
    assert len(list((tmp_path / "up").iterdir())) == 1


@pytest.mark.parametrize(
    ("name", "data", "on", "key"),
    [
        ("run.exe", b"MZ\x90\x00", date(2026, 2, 2), "evidence.error.file_program"),
        ("fake.pdf", b"MZ\x90\x00", date(2026, 2, 2), "evidence.error.file_program"),
        ("notes.pdf", "会议记录".encode(), date(2026, 2, 2), "evidence.error.file_type"),
        ("empty.pdf", b"", date(2026, 2, 2), "evidence.error.file_empty"),
        ("big.pdf", PDF + b"0" * 64, date(2026, 2, 2), "evidence.error.file_size"),
        # A good file on a move refused for another reason: dated before the opening (1 Feb).
        ("调研报告.pdf", PDF, date(2026, 1, 31), "supervision.error.before_previous"),
    ],
)
def test_a_refused_file_or_move_stores_no_file(
    session, world, tmp_path, monkeypatch, name, data, on, key
):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "up"))
    monkeypatch.setenv("MAX_UPLOAD_MB", str((len(PDF) + 10) / 2**20))
    item_id = open_topic_item(session, world)
    _refused(
        session,
        lambda: advance(
            session, world, item_id, on, evidence="", upload=evidence.Upload(name, data)
        ),
        key,
    )
    assert not (tmp_path / "up").exists()


# --- deadlines ---------------------------------------------------------------------------------


def _rules(session, year):
    return rules_service.get_rules(session, year)


@pytest.mark.parametrize(
    ("stage", "entered", "deadline"),
    [
        # 31 Jan 2026 + 30 days: 28 days to 28 Feb, 2 more → 2 Mar (2026 is not a leap year).
        (S.investigation, date(2026, 1, 31), date(2026, 3, 2)),
        # 31 Jan 2028 + 30 days: 29 days to 29 Feb, 1 more → 1 Mar (leap year).
        (S.investigation, date(2028, 1, 31), date(2028, 3, 1)),
        # 29 Feb 2028 + 15 days → 15 Mar.
        (S.deliberation, date(2028, 2, 29), date(2028, 3, 15)),
        # 14 Feb 2028 + 15 days → 29 Feb, the leap day itself.
        (S.assignment, date(2028, 2, 14), date(2028, 2, 29)),
        # 1 Dec 2026 + 60 days: 30 to 31 Dec, 30 more → 30 Jan 2027, across the year's end.
        (S.follow_up, date(2026, 12, 1), date(2027, 1, 30)),
        # 31 Mar + 30 days → 30 Apr (a 30-day month).
        (S.feedback, date(2026, 3, 31), date(2026, 4, 30)),
    ],
)
def test_stage_deadline_across_month_ends_and_leap_years(session, stage, entered, deadline):
    install_rules(session, 2026)
    rules = _rules(session, entered.year)
    assert sv.stage_deadline(stage, entered, rules) == deadline
    assert not sv.is_overdue(stage, entered, deadline, rules)  # the deadline day itself is in time
    assert sv.is_overdue(stage, entered, date.fromordinal(deadline.toordinal() + 1), rules)


def test_a_closed_item_has_no_deadline(session):
    install_rules(session, 2026)
    rules = _rules(session, 2026)
    assert sv.stage_deadline(S.closed, date(2026, 1, 1), rules) is None
    assert not sv.is_overdue(S.closed, date(2020, 1, 1), date(2026, 12, 31), rules)


def test_overdue_uses_the_rules_of_the_year_the_stage_was_entered(session, world):
    # 2027's rules give follow-up 10 days instead of 2026's 60.
    install_rules(session, 2027, days=DAYS | {"follow_up": 10})
    old = open_topic_item(session, world, title="甲", on=date(2026, 11, 1))
    new = open_topic_item(session, world, title="乙", on=date(2026, 11, 2))
    # Placed by hand: the fixture's moves cannot be dated after its TODAY.
    for item_id, entered in ((old, date(2026, 12, 20)), (new, date(2027, 1, 2))):
        item = session.get(SupervisionItem, item_id)
        item.stage, item.stage_entered_on = S.follow_up, entered
        session.add(item)
    session.commit()
    as_of = date(2027, 1, 15)
    # old: 20 Dec 2026 + 60 (2026 rules) = 18 Feb 2027, in time on 15 Jan.
    # new: 2 Jan 2027 + 10 (2027 rules) = 12 Jan 2027, 3 days overdue on 15 Jan.
    df = metrics.overdue_items(session, world.leader, year=2027, as_of=as_of)
    assert df[["id", "deadline", "days_overdue"]].values.tolist() == [[new, date(2027, 1, 12), 3]]
    listed = reads.list_items(session, world.leader, year=2027, as_of=as_of).set_index("id")
    assert listed.loc[old, "deadline"] == date(2027, 2, 18) and not listed.loc[old, "overdue"]
    assert listed.loc[new, "overdue"] and listed.loc[new, "days_in_stage"] == 13


def test_rules_missing_before_the_first_year_fall_back_to_the_first_rule_set(session, world):
    item_id = open_topic_item(session, world)
    item = session.get(SupervisionItem, item_id)
    item.stage_entered_on = date(2019, 3, 1)  # no rule set that early: the first one applies
    session.add(item)
    session.commit()
    info = reads.get_item(session, world.clerk_a, item_id, as_of=date(2019, 3, 5))
    assert info.deadline == date(2019, 3, 31) and not info.overdue


# --- replay ------------------------------------------------------------------------------------


def _ev(src, dst, day, *, is_return=False, rating=None):
    return {
        "from_stage": src,
        "to_stage": dst,
        "happened_on": date(2026, 1, day),
        "is_return": is_return,
        "rating": rating,
    }


def test_replay_of_a_valid_history():
    history = [
        _ev(None, S.investigation, 1),
        _ev(S.investigation, S.deliberation, 2),
        _ev(S.deliberation, S.investigation, 3, is_return=True),
        _ev(S.investigation, S.deliberation, 4),
        _ev(S.deliberation, S.assignment, 5),
        _ev(S.assignment, S.follow_up, 6),
        _ev(S.follow_up, S.feedback, 7),
        _ev(S.feedback, S.assignment, 8, is_return=True, rating=Rating.unsatisfied),
        _ev(S.assignment, S.follow_up, 9),
        _ev(S.follow_up, S.feedback, 9),
        _ev(S.feedback, S.closed, 10, rating=Rating.basically_satisfied),
    ]
    assert [sv.replay(history[: n + 1]) for n in (0, 2, 7, 10)] == [
        S.investigation,
        S.investigation,
        S.assignment,
        S.closed,
    ]


@pytest.mark.parametrize(
    "history",
    [
        [],
        [_ev(S.investigation, S.deliberation, 1)],
        [_ev(None, S.deliberation, 1)],
        [_ev(None, S.investigation, 1), _ev(S.investigation, S.assignment, 2)],
        [_ev(None, S.investigation, 1), _ev(S.deliberation, S.assignment, 2)],
        [_ev(None, S.investigation, 2), _ev(S.investigation, S.deliberation, 1)],
        [_ev(None, S.investigation, 1), _ev(S.investigation, S.deliberation, 2, is_return=True)],
        [_ev(None, S.investigation, 1), _ev(None, S.investigation, 2)],
    ],
)
def test_replay_refuses_an_invalid_history(history):
    with pytest.raises(ValueError):
        sv.replay(history)
