"""Recording meetings, topics and supervision activities, and listing them; a record entered
through the forms counts for its task."""

from datetime import date

import pytest
from sqlmodel import func, select

from models import AuditLog, Meeting, SupervisionActivity, SupervisionItem, SupervisionTopic
from models.enums import MeetingKind, Role, SupervisionKind, UnitType
from services import checklist, meetings, years
from services.errors import InUse, NotFound, PermissionDenied, ValidationError
from services.permissions import Actor
from tests.factories import (
    ADMIN,
    LEADER,
    YEAR,
    add_unit,
    save_rule_change,
    setup_rules,
)

TODAY = date(2026, 11, 27)


def clerk(tid: int) -> Actor:
    return Actor(id=None, username="clerk", role=Role.township_staff, township_id=tid)


@pytest.fixture
def town(session) -> int:
    setup_rules(session)
    return add_unit(session)


def _count(session, model) -> int:
    return session.exec(select(func.count(model.id))).one()


def _presidium(session, actor, tid, **overrides) -> int:
    values = {
        "township_id": tid,
        "kind": MeetingKind.presidium,
        "held_on": date(2026, 5, 12),
        "title": "主席团会议",
        "attendance": 9,
        "research": "会前调研",
        "deliberation": "会中审议",
        "follow_up": "会后督办",
        "topics": ["听取关于农村道路建设的报告"],
        "year": YEAR,
        "today": TODAY,
    }
    values.update(overrides)
    return meetings.record_meeting(session, actor, **values)


def test_a_presidium_meeting_with_a_topic_counts_for_t02_and_t04(town, session):
    as_of = date(2026, 6, 30)
    before = checklist.checklist_status(session, YEAR, as_of).unit(town)
    mid = _presidium(session, clerk(town), town, topics=["议题一", " 议题二 ", "议题一", ""])
    after = checklist.checklist_status(session, YEAR, as_of).unit(town)
    assert before.task("T02").value == 0 and after.task("T02").value == 1
    assert (after.task("T04").numerator, after.task("T04").denominator) == (1, 1)
    assert after.task("T03").numerator == 1
    titles = session.exec(
        select(SupervisionTopic.title).where(SupervisionTopic.meeting_id == mid)
    ).all()
    assert titles == ["议题一", "议题二"]  # trimmed, blanks and repeats dropped
    log = session.exec(select(AuditLog).where(AuditLog.entity == "meeting")).one()
    assert log.after["topics"] == ["议题一", "议题二"] and log.township_id == town


def test_a_presidium_meeting_without_a_topic_is_saved_as_held(town, session):
    mid = _presidium(session, clerk(town), town, topics=[])
    assert _count(session, Meeting) == 1
    unit = checklist.checklist_status(session, YEAR, date(2026, 6, 30)).unit(town)
    # It counts for T02; T04 counts it as lacking a topic.
    assert unit.task("T02").value == 1
    t04 = unit.task("T04")
    assert (t04.numerator, t04.denominator) == (0, 1)
    assert t04.missing[0]["kind"] == "meeting_without_topic"
    # A topic added later: T04 counts it as with a topic.
    assert meetings.add_meeting_topics(session, clerk(town), mid, topics=["补充议题"]) == 1
    t = checklist.checklist_status(session, YEAR, date(2026, 6, 30)).unit(town)
    assert (t.task("T04").numerator, t.task("T02").value) == (1, 1)


def test_adding_topics_needs_a_topic(town, session):
    mid = _presidium(session, clerk(town), town, topics=[])
    with pytest.raises(ValidationError):
        meetings.add_meeting_topics(session, clerk(town), mid, topics=["  "])
    assert _count(session, SupervisionTopic) == 0
    with pytest.raises(NotFound):
        meetings.add_meeting_topics(session, clerk(town), 999, topics=["x"])
    with pytest.raises(PermissionDenied):
        meetings.add_meeting_topics(session, clerk(town + 1), mid, topics=["x"])


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"title": "  "}, "checklist.error.title_required"),
        ({"title": "长" * 201}, "checklist.error.too_long.title"),
        ({"held_on": date(2025, 12, 31)}, "error.date_outside_year"),
        ({"held_on": date(2026, 11, 28)}, "error.date_future"),
        ({"held_on": date(2027, 1, 15)}, "error.date_future"),
        ({"held_on": None}, "error.date_required"),
        ({"attendance": -1}, "checklist.error.range.attendance"),
        ({"attendance": 100000}, "checklist.error.range.attendance"),
        ({"attendance": "12"}, "checklist.error.not_a_number"),
        ({"attendance": 2.5}, "checklist.error.not_a_number"),
        ({"attendance": float("nan")}, "checklist.error.not_a_number"),
        ({"attendance": float("inf")}, "checklist.error.not_a_number"),
        ({"attendance": True}, "checklist.error.not_a_number"),
        ({"research": "x" * 5001}, "checklist.error.too_long.research"),
        ({"deliberation": "<script>alert(1)</script>"}, "error.markup"),
        ({"title": "会议<b>加粗</b>"}, "error.markup"),
        ({"topics": ["题" * 201]}, "checklist.error.too_long.topic"),
        ({"topics": [f"议题{i}" for i in range(11)]}, "checklist.error.too_many_topics"),
        ({"kind": "banquet"}, "checklist.error.meeting_kind"),
        (
            {"kind": MeetingKind.congress_session, "topics": ["议题"]},
            "checklist.error.topics_presidium_only",
        ),
    ],
)
def test_bad_meetings_are_refused_and_write_nothing(town, session, overrides, key):
    with pytest.raises(ValidationError) as err:
        _presidium(session, clerk(town), town, **overrides)
    assert err.value.key == key
    assert _count(session, Meeting) == 0
    assert _count(session, SupervisionTopic) == 0
    assert _count(session, AuditLog) == 0


def test_a_text_with_a_less_than_sign_is_not_markup(town, session):
    mid = _presidium(session, clerk(town), town, research="满意率 < 90% 的事项")
    assert session.get(Meeting, mid).research == "满意率 < 90% 的事项"


def test_a_duplicate_meeting_is_refused(town, session):
    _presidium(session, clerk(town), town)
    with pytest.raises(ValidationError) as err:
        _presidium(session, clerk(town), town, title="另一个标题")
    assert err.value.key == "checklist.error.duplicate_meeting"
    assert err.value.params == {"date": "2026-05-12"}
    # Another kind on the same day, or the same kind on another day, is fine.
    _presidium(session, clerk(town), town, kind=MeetingKind.congress_session, topics=[])
    _presidium(session, clerk(town), town, held_on=date(2026, 5, 13))
    assert _count(session, Meeting) == 3


def test_meetings_follow_the_unit_type_and_permissions(session):
    setup_rules(session)
    town = add_unit(session, "t", order=1)
    sub = add_unit(session, "s", UnitType.subdistrict, order=2)
    with pytest.raises(ValidationError) as err:
        _presidium(session, clerk(sub), sub)
    assert err.value.key == "checklist.error.kind_not_applicable"
    with pytest.raises(PermissionDenied):
        _presidium(session, clerk(sub), town)
    with pytest.raises(PermissionDenied):
        _presidium(session, LEADER, town)
    assert _count(session, Meeting) == 0
    # The district admin records for any unit.
    _presidium(session, ADMIN, town)
    assert _count(session, Meeting) == 1


def test_the_year_defaults_to_this_year(town, session):
    with pytest.raises(ValidationError) as err:
        meetings.record_meeting(
            session,
            clerk(town),
            township_id=town,
            kind=MeetingKind.congress_session,
            held_on=date(2025, 3, 3),
            title="去年的会",
            today=TODAY,
        )
    assert err.value.params == {"year": 2026}


# ---------------------------------------------------------------------------------------------
# Supervision activities


def _activity(session, actor, tid, **overrides) -> int:
    values = {
        "township_id": tid,
        "kind": SupervisionKind.inspection,
        "held_on": date(2026, 4, 8),
        "subject": "视察农村饮水安全",
        "participants": 12,
        "year": YEAR,
        "today": TODAY,
    }
    values.update(overrides)
    return meetings.record_supervision_activity(session, actor, **values)


def test_a_supervision_activity_counts_for_t05(session):
    setup_rules(session)
    sub = add_unit(session, "s", UnitType.subdistrict)
    as_of = date(2026, 4, 30)
    assert checklist.checklist_status(session, YEAR, as_of).unit(sub).task("T05").value == 0
    _activity(session, clerk(sub), sub)
    assert checklist.checklist_status(session, YEAR, as_of).unit(sub).task("T05").value == 1
    log = session.exec(select(AuditLog).where(AuditLog.entity == "supervision_activity")).one()
    assert log.after["subject"] == "视察农村饮水安全"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"subject": ""}, "checklist.error.subject_required"),
        ({"subject": "x" * 201}, "checklist.error.too_long.subject"),
        ({"participants": -3}, "checklist.error.range.participants"),
        ({"held_on": date(2027, 1, 4)}, "error.date_future"),
        ({"held_on": date(2025, 6, 4)}, "error.date_outside_year"),
        ({"kind": "party"}, "checklist.error.activity_kind"),
        ({"note": "<img src=x onerror=alert(1)>"}, "error.markup"),
    ],
)
def test_bad_activities_are_refused(town, session, overrides, key):
    with pytest.raises(ValidationError) as err:
        _activity(session, clerk(town), town, **overrides)
    assert err.value.key == key
    assert _count(session, SupervisionActivity) == 0


def test_duplicate_activities_and_kinds_outside_the_rule_set(town, session):
    _activity(session, clerk(town), town)
    with pytest.raises(ValidationError) as err:
        _activity(session, clerk(town), town, subject="再次视察")
    assert err.value.key == "checklist.error.duplicate_activity"
    save_rule_change(session, lambda d: d["supervision"].update(activity_kinds=["survey"]))
    with pytest.raises(ValidationError) as err:
        _activity(session, clerk(town), town, held_on=date(2026, 4, 9))
    assert err.value.key == "checklist.error.activity_kind"
    assert _count(session, SupervisionActivity) == 1


# ---------------------------------------------------------------------------------------------
# Lists


def test_list_meetings_and_activities(town, session):
    _presidium(session, clerk(town), town)
    _presidium(session, clerk(town), town, held_on=date(2026, 6, 1), topics=[])
    _activity(session, clerk(town), town)
    df = meetings.list_meetings(session, clerk(town), township_id=town, year=YEAR)
    assert list(df["held_on"]) == [date(2026, 6, 1), date(2026, 5, 12)]
    assert list(df["topics"].map(len)) == [0, 1]
    assert df["topics"][1] == ["听取关于农村道路建设的报告"]
    acts = meetings.list_supervision_activities(session, clerk(town), township_id=town, year=YEAR)
    assert list(acts["kind"]) == ["inspection"]
    with pytest.raises(PermissionDenied):
        meetings.list_meetings(session, clerk(town + 1), township_id=town, year=YEAR)


def test_the_meeting_list_reads_a_record_part_as_t03_does(town, session):
    mid = _presidium(session, clerk(town), town, follow_up="")
    listed = meetings.list_meetings(session, clerk(town), township_id=town, year=YEAR)
    assert list(listed.loc[0, ["research", "deliberation", "follow_up"]]) == [True, True, False]
    cell = checklist.cell_records(
        session, ADMIN, year=YEAR, as_of=TODAY, township_id=town, task_code="T03"
    )
    assert list(cell["detail"]) == ["follow_up"] and listed.loc[0, "id"] == mid


# ---------------------------------------------------------------------------------------------
# Corrections and withdrawals


def _item(session, tid, **source) -> int:
    item = SupervisionItem(
        township_id=tid, title="事项", opened_on=TODAY, stage_entered_on=TODAY, **source
    )
    session.add(item)
    session.commit()
    return item.id


def test_a_meeting_is_corrected_with_its_reason_and_t03_follows(town, session):
    mid = _presidium(session, clerk(town), town, research="", follow_up="")
    as_of = date(2026, 6, 30)
    assert checklist.checklist_status(session, YEAR, as_of).unit(town).task("T03").value == 0
    meetings.correct_meeting(
        session,
        clerk(town),
        mid,
        reason="补录会前调研和会后督办",
        held_on=date(2026, 5, 14),
        title="主席团第二次会议",
        attendance=11,
        research="调研了三个村",
        deliberation="会中审议",
        follow_up="交办两项",
        topics=["听取关于农村道路建设的报告", "听取关于河道治理的报告"],
        today=TODAY,
    )
    row = session.get(Meeting, mid)
    assert (row.held_on, row.title, row.attendance) == (date(2026, 5, 14), "主席团第二次会议", 11)
    assert meetings.meeting_entry(session, clerk(town), mid)["topics"] == [
        "听取关于农村道路建设的报告",
        "听取关于河道治理的报告",
    ]
    assert checklist.checklist_status(session, YEAR, as_of).unit(town).task("T03").value == 1
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.entity, log.reason) == ("update", "meeting", "补录会前调研和会后督办")
    assert log.before["research"] == "" and log.after["research"] == "调研了三个村"
    assert log.before["topics"] == ["听取关于农村道路建设的报告"]
    assert len(log.after["topics"]) == 2


def _correct(session, actor, mid, **changes):
    values = {
        "reason": "改日期",
        "held_on": date(2026, 5, 12),
        "title": "主席团会议",
        "attendance": 9,
        "research": "会前调研",
        "deliberation": "会中审议",
        "follow_up": "会后督办",
        "topics": ["听取关于农村道路建设的报告"],
        "today": TODAY,
    } | changes
    return meetings.correct_meeting(session, actor, mid, **values)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"reason": "  "}, "error.reason_required"),
        ({"held_on": date(2027, 1, 15)}, "error.date_future"),
        ({"held_on": date(2025, 5, 12)}, "error.date_outside_year"),
        ({"attendance": -2}, "checklist.error.range.attendance"),
        ({"title": ""}, "checklist.error.title_required"),
    ],
)
def test_a_bad_correction_changes_nothing(town, session, changes, key):
    mid = _presidium(session, clerk(town), town)
    with pytest.raises(ValidationError) as refused:
        _correct(session, clerk(town), mid, **changes)
    assert refused.value.key == key
    session.rollback()
    assert session.get(Meeting, mid).held_on == date(2026, 5, 12)
    assert _count(session, AuditLog) == 1


def test_a_correction_cannot_make_a_duplicate(town, session):
    _presidium(session, clerk(town), town)
    mid = _presidium(session, clerk(town), town, held_on=date(2026, 6, 2))
    with pytest.raises(ValidationError) as refused:
        _correct(session, clerk(town), mid, held_on=date(2026, 5, 12))
    assert refused.value.key == "checklist.error.duplicate_meeting"
    # Correcting a meeting without changing its date is no duplicate of itself.
    _correct(session, clerk(town), mid, held_on=date(2026, 6, 2), title="改名")
    assert session.get(Meeting, mid).title == "改名"


def test_who_may_correct_or_withdraw_a_meeting_and_when(session):
    setup_rules(session)
    town = add_unit(session, "t", order=1)
    other = add_unit(session, "o", order=2)
    mid = _presidium(session, clerk(town), town)
    for actor in (clerk(other), LEADER):
        with pytest.raises(PermissionDenied):
            _correct(session, actor, mid)
        with pytest.raises(PermissionDenied):
            meetings.withdraw_meeting(session, actor, mid, reason="误登")
    years.close_year(session, ADMIN, 2026, reason="年终")
    with pytest.raises(PermissionDenied) as refused:
        meetings.withdraw_meeting(session, clerk(town), mid, reason="误登")
    assert refused.value.key == "error.year_closed"
    with pytest.raises(PermissionDenied) as refused:
        _correct(session, ADMIN, mid, title="改")
    assert refused.value.key == "error.year_closed_admin"
    years.reopen_year(session, ADMIN, 2026, reason="更正会议")
    _correct(session, ADMIN, mid, title="改")
    assert session.get(Meeting, mid).title == "改"
    with pytest.raises(NotFound):
        meetings.withdraw_meeting(session, ADMIN, 999, reason="误登")


def test_a_meeting_whose_topic_opened_an_item_keeps_that_topic(town, session):
    mid = _presidium(session, clerk(town), town)
    topic_id = session.exec(select(SupervisionTopic.id)).one()
    _item(session, town, topic_id=topic_id)
    with pytest.raises(InUse) as refused:
        meetings.withdraw_meeting(session, clerk(town), mid, reason="误登")
    assert refused.value.dependents == {"supervision_item": 1}
    with pytest.raises(InUse):
        _correct(session, clerk(town), mid, topics=["另一个议题"])
    session.rollback()
    # Adding a topic beside it is a correction like any other.
    _correct(session, clerk(town), mid, topics=["听取关于农村道路建设的报告", "另一个议题"])
    assert _count(session, SupervisionTopic) == 2
    assert _count(session, Meeting) == 1


def test_a_withdrawn_meeting_leaves_the_task_list_and_the_log_keeps_it(town, session):
    mid = _presidium(session, clerk(town), town)
    as_of = date(2026, 6, 30)
    assert checklist.checklist_status(session, YEAR, as_of).unit(town).task("T02").value == 1
    meetings.withdraw_meeting(session, clerk(town), mid, reason="重复录入")
    assert (_count(session, Meeting), _count(session, SupervisionTopic)) == (0, 0)
    assert checklist.checklist_status(session, YEAR, as_of).unit(town).task("T02").value == 0
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.reason, log.before["title"]) == ("delete", "重复录入", "主席团会议")
    assert log.before["topics"] == ["听取关于农村道路建设的报告"]


def test_an_activity_is_corrected_and_withdrawn_unless_an_item_grew_from_it(town, session):
    aid = _activity(session, clerk(town), town)
    meetings.correct_supervision_activity(
        session,
        clerk(town),
        aid,
        reason="类型录错",
        kind=SupervisionKind.survey,
        held_on=date(2026, 4, 9),
        subject="调研农村饮水安全",
        participants=15,
        today=TODAY,
    )
    entry = meetings.activity_entry(session, clerk(town), aid)
    assert (entry["kind"], entry["held_on"], entry["participants"]) == (
        "survey",
        date(2026, 4, 9),
        15,
    )
    with pytest.raises(ValidationError) as refused:
        meetings.correct_supervision_activity(
            session,
            clerk(town),
            aid,
            reason="x",
            kind=SupervisionKind.survey,
            held_on=date(2026, 4, 9),
            subject="调研",
            participants=-1,
            today=TODAY,
        )
    assert refused.value.key == "checklist.error.range.participants"
    item = _item(session, town, activity_id=aid)
    with pytest.raises(InUse) as in_use:
        meetings.withdraw_supervision_activity(session, clerk(town), aid, reason="误登")
    assert in_use.value.dependents == {"supervision_item": 1}
    session.delete(session.get(SupervisionItem, item))
    session.commit()
    meetings.withdraw_supervision_activity(session, clerk(town), aid, reason="误登")
    assert _count(session, SupervisionActivity) == 0
    actions = session.exec(select(AuditLog.action, AuditLog.reason).order_by(AuditLog.id)).all()
    assert actions == [("create", None), ("update", "类型录错"), ("delete", "误登")]


def test_what_a_meeting_counts_for_before_it_is_saved(session):
    setup_rules(session)
    town = add_unit(session, "t", order=1)
    sub = add_unit(session, "s", UnitType.subdistrict, order=2)
    quick = meetings.what_counts(
        session, township_id=town, kind=MeetingKind.presidium, year=YEAR, research="调研"
    )
    assert quick == meetings.MeetingPreview(
        counts_for=("T02",),
        short_for=("T03", "T04"),
        missing_parts=("deliberation", "follow_up"),
    )
    full = meetings.what_counts(
        session,
        township_id=town,
        kind=MeetingKind.congress_session,
        year=YEAR,
        research="a",
        deliberation="b",
        follow_up=" c ",
    )
    assert (full.counts_for, full.short_for) == (("T01", "T03"), ())
    topic = meetings.what_counts(
        session,
        township_id=town,
        kind=MeetingKind.presidium,
        year=YEAR,
        research="a",
        deliberation="b",
        follow_up="  ",
        topics=["", "议题"],
    )
    assert (topic.counts_for, topic.short_for, topic.missing_parts) == (
        ("T02", "T04"),
        ("T03",),
        ("follow_up",),
    )
    # A sub-district holds no congress meetings: none of T01–T04 applies to it.
    none = meetings.what_counts(session, township_id=sub, kind=MeetingKind.presidium, year=YEAR)
    assert (none.counts_for, none.short_for) == ((), ())
