"""The meeting and supervision-activity forms a clerk can trust: what is typed is what is stored
or refused with a message in the user's language, one save makes one record, what will not count
is said before saving, and a saved record is corrected or withdrawn with a reason.

Writes go into 新庄镇 (clerk05) on weekend dates the demo data never uses; assertions compare
before with after.
"""

import re
from datetime import date

import pytest
from sqlmodel import select

from models import AuditLog, Meeting, SupervisionActivity, Township
from models.db import session_scope
from tests.pages.apptest import no_exceptions, signed_in

PAGE = "pages/meeting_forms.py"
CLERK = "clerk05"


def _open(lang: str = "zh"):
    at = signed_in(CLERK, lang)
    at.run()
    at.switch_page(PAGE)
    at.run()
    no_exceptions(at)
    return at


def _unit(url: str) -> int:
    with session_scope(url) as session:
        return session.exec(select(Township.id).where(Township.code == "xinzhuang")).one()


def _meetings(url: str, **where) -> list[Meeting]:
    with session_scope(url) as session:
        query = select(Meeting).where(Meeting.township_id == _unit(url))
        for name, value in where.items():
            query = query.where(getattr(Meeting, name) == value)
        return list(session.exec(query).all())


def _activities(url: str, **where) -> list[SupervisionActivity]:
    with session_scope(url) as session:
        query = select(SupervisionActivity).where(SupervisionActivity.township_id == _unit(url))
        for name, value in where.items():
            query = query.where(getattr(SupervisionActivity, name) == value)
        return list(session.exec(query).all())


def _fill_meeting(at, *, held_on, title, kind=None, parts=True, topics="", **more):
    # The form opens on the presidium meeting; the kind is set only when asked (AppTest formats
    # a chosen option in Chinese, so English runs keep the default).
    if kind is not None:
        at.radio(key="checklist_meeting_kind").set_value(kind)
    if topics:
        at.text_area(key="checklist_meeting_topics").input(topics)
    at.date_input(key="checklist_meeting_held_on").set_value(held_on)
    at.text_input(key="checklist_meeting_title").input(title)
    if parts:
        for part in ("research", "deliberation", "follow_up"):
            at.text_area(key=f"checklist_meeting_{part}").input("已记录")
    if "attendance" in more:
        at.number_input(key="checklist_meeting_attendance").set_value(more["attendance"])


def _submit(at, key: str = "checklist_meeting_submit"):
    at.button(key=key).click()
    at.run()
    no_exceptions(at)


FUTURE = {
    "zh": "日期不能晚于今天（2026-11-27）。",
    "en": "The date cannot be later than today (2026-11-27).",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_future_meeting_date_is_refused_not_stored_as_today(app_env, lang):
    before = len(_meetings(app_env))
    at = _open(lang)
    _fill_meeting(at, held_on=date(2027, 1, 15), title="未来的会议")
    _submit(at)
    assert [e.value for e in at.error] == [FUTURE[lang]]
    assert len(_meetings(app_env)) == before
    # What was typed stays for the clerk to correct.
    assert at.date_input(key="checklist_meeting_held_on").value == date(2027, 1, 15)
    assert at.text_input(key="checklist_meeting_title").value == "未来的会议"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_future_activity_date_is_refused(app_env, lang):
    before = len(_activities(app_env))
    at = _open(lang)
    at.date_input(key="checklist_activity_held_on").set_value(date(2027, 1, 15))
    at.text_input(key="checklist_activity_subject").input("视察")
    _submit(at, "checklist_activity_submit")
    assert [e.value for e in at.error] == [FUTURE[lang]]
    assert len(_activities(app_env)) == before


REFUSALS = [
    # (what is typed, zh message, en message)
    ({"attendance": -3}, "出席人数须在0到1000之间。", "Attendance must be between 0 and 1000."),
    (
        {"title": "长" * 201},
        "会议名称最多200个字。",
        "The title takes at most 200 characters.",
    ),
    ({"title": "  "}, "请填写会议名称。", "Please enter the meeting's title."),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("typed", "zh", "en"), REFUSALS)
def test_a_refused_meeting_keeps_what_was_typed_and_says_why(app_env, lang, typed, zh, en):
    before = len(_meetings(app_env))
    at = _open(lang)
    fields = {"title": "镇人代会", "attendance": 40} | typed
    _fill_meeting(at, held_on=date(2026, 7, 4), **fields)
    _submit(at)
    assert [e.value for e in at.error] == [zh if lang == "zh" else en]
    assert len(_meetings(app_env)) == before
    # Nothing silently changed: the box holds what was typed.
    assert at.text_input(key="checklist_meeting_title").value == fields["title"]
    assert at.number_input(key="checklist_meeting_attendance").value == fields["attendance"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_negative_activity_participation_is_refused(app_env, lang):
    at = _open(lang)
    at.date_input(key="checklist_activity_held_on").set_value(date(2026, 7, 5))
    at.text_input(key="checklist_activity_subject").input("视察")
    at.number_input(key="checklist_activity_participants").set_value(-1)
    _submit(at, "checklist_activity_submit")
    expected = {
        "zh": "参加人数须在0到10000之间。",
        "en": "Participants must be between 0 and 10000.",
    }
    assert [e.value for e in at.error] == [expected[lang]]
    assert at.number_input(key="checklist_activity_participants").value == -1


def test_required_fields_look_required(app_env):
    at = _open("zh")
    assert at.text_input(key="checklist_meeting_title").label == "会议名称 *"
    assert at.date_input(key="checklist_meeting_held_on").label == "召开日期 *"
    assert at.text_input(key="checklist_activity_subject").label == "活动主题 *"
    assert any(c.value == "带 * 的为必填项。" for c in at.caption)


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        ("zh", "未填写会前调研、会后督办：这次会议不计入任务T03（会议全流程规范）。"),
        (
            "en",
            "No research, follow-up: this meeting will not count for task T03 "
            "(Meetings run in full).",
        ),
    ],
)
def test_a_meeting_without_its_records_is_flagged_before_saving(app_env, lang, warning):
    before = len(_meetings(app_env))
    at = _open(lang)
    held_on = date(2026, 7, 11) if lang == "zh" else date(2026, 8, 8)  # a Saturday each
    _fill_meeting(at, held_on=held_on, title="快速登记的主席团会议", parts=False, topics="议题")
    at.text_area(key="checklist_meeting_deliberation").input("审议了两个报告")
    _submit(at)
    assert not at.error
    assert warning in [w.value for w in at.warning]
    assert not at.success and len(_meetings(app_env)) == before
    at.checkbox(key="checklist_meeting_form_confirm").check()
    _submit(at)
    assert len(_meetings(app_env)) == before + 1
    info = [i.value for i in at.info]
    counts = {
        "zh": "计入：任务T02（召开主席团会议）、任务T04（主席团会议有监督议题）。"
        "不计入：任务T03（会议全流程规范）。",
        "en": "Counts for: task T02 (Presidium meetings), task T04 (A supervision topic at "
        "every presidium meeting). Does not count for: task T03 (Meetings run in full).",
    }
    assert counts[lang] in info, info
    (saved,) = _meetings(app_env, held_on=held_on)
    assert (saved.research, saved.deliberation, saved.follow_up) == ("", "审议了两个报告", "")


def test_the_same_form_submitted_twice_makes_one_meeting(app_env):
    at = _open("zh")
    _fill_meeting(at, held_on=date(2026, 7, 12), title="两次点击的人代会", topics="议题")
    _submit(at)
    assert [s.value for s in at.success] == ["会议已保存。"]
    # The form is empty again: a second click has nothing to save.
    assert at.text_input(key="checklist_meeting_title").value == ""
    _submit(at)
    assert len(_meetings(app_env, title="两次点击的人代会")) == 1
    assert [e.value for e in at.error] == ["请填写会议名称。"]
    # The second click of a double click carries what was just saved: nothing new is saved.
    _fill_meeting(at, held_on=date(2026, 7, 12), title="两次点击的人代会", topics="议题")
    _submit(at)
    assert not at.error and [s.value for s in at.success] == ["会议已保存。"]
    assert len(_meetings(app_env, title="两次点击的人代会")) == 1
    assert at.text_input(key="checklist_meeting_title").value == ""


def test_a_clerk_corrects_then_withdraws_a_meeting(app_env):
    at = _open("zh")
    _fill_meeting(at, held_on=date(2026, 7, 18), title="待更正的人代会", topics="议题")
    _submit(at)
    (meeting,) = _meetings(app_env, title="待更正的人代会")
    mid = meeting.id
    at.selectbox(key="checklist_fix_meeting_pick").set_value(mid)
    at.run()
    form = f"checklist_fix_meeting_{mid}"
    # The form is prefilled with what was saved.
    assert at.text_input(key=f"{form}_title").value == "待更正的人代会"
    assert at.date_input(key=f"{form}_held_on").value == date(2026, 7, 18)
    at.text_input(key=f"{form}_title").input("新庄镇第十八届人大第六次会议")
    at.date_input(key=f"{form}_held_on").set_value(date(2026, 7, 19))
    _submit(at, f"{form}_submit")
    # A correction without a reason is refused.
    assert [e.value for e in at.error] == ["原因：请说明更正或撤回的原因。"]
    assert _meetings(app_env, id=mid)[0].title == "待更正的人代会"
    at.text_input(key=f"{form}_reason").input("会议名称和日期录错")
    _submit(at, f"{form}_submit")
    assert "已更正。" in [s.value for s in at.success]
    fixed = _meetings(app_env, id=mid)[0]
    assert (fixed.title, fixed.held_on) == ("新庄镇第十八届人大第六次会议", date(2026, 7, 19))
    with session_scope(app_env) as session:
        log = session.exec(
            select(AuditLog)
            .where(AuditLog.entity == "meeting", AuditLog.entity_id == mid)
            .order_by(AuditLog.id.desc())
        ).first()
    assert (log.action, log.reason, log.before["title"]) == (
        "update",
        "会议名称和日期录错",
        "待更正的人代会",
    )

    # A future date in the correction form is refused too.
    at.selectbox(key="checklist_fix_meeting_pick").set_value(mid)
    at.run()
    at.date_input(key=f"{form}_held_on").set_value(date(2027, 1, 15))
    at.text_input(key=f"{form}_reason").input("改日期")
    _submit(at, f"{form}_submit")
    assert [e.value for e in at.error] == [FUTURE["zh"]]

    at.text_input(key=f"checklist_withdraw_meeting_{mid}_reason").input("重复登记")
    next(b for b in at.button if b.form_id == f"checklist_withdraw_meeting_{mid}").click().run()
    no_exceptions(at)
    assert "已撤回。" in [s.value for s in at.success]
    assert _meetings(app_env, id=mid) == []
    with session_scope(app_env) as session:
        actions = session.exec(
            select(AuditLog.action, AuditLog.reason)
            .where(AuditLog.entity == "meeting", AuditLog.entity_id == mid)
            .order_by(AuditLog.id)
        ).all()
    assert actions == [
        ("create", None),
        ("update", "会议名称和日期录错"),
        ("delete", "重复登记"),
    ]


def test_a_clerk_corrects_and_withdraws_an_activity(app_env):
    at = _open("en")
    at.date_input(key="checklist_activity_held_on").set_value(date(2026, 7, 25))
    at.text_input(key="checklist_activity_subject").input("视察养老服务")
    _submit(at, "checklist_activity_submit")
    assert [s.value for s in at.success] == ["Supervision activity saved."]
    (row,) = _activities(app_env, subject="视察养老服务")
    at.selectbox(key="checklist_fix_activity_pick").set_value(row.id)
    at.run()
    form = f"checklist_fix_activity_{row.id}"
    assert at.text_input(key=f"{form}_subject").value == "视察养老服务"
    at.number_input(key=f"{form}_participants").set_value(-4)
    at.text_input(key=f"{form}_reason").input("participants")
    _submit(at, f"{form}_submit")
    assert [e.value for e in at.error] == ["Participants must be between 0 and 10000."]
    at.number_input(key=f"{form}_participants").set_value(12)
    _submit(at, f"{form}_submit")
    assert _activities(app_env, id=row.id)[0].participants == 12
    at.text_input(key=f"checklist_withdraw_activity_{row.id}_reason").input("entered twice")
    next(b for b in at.button if b.form_id == f"checklist_withdraw_activity_{row.id}").click().run()
    no_exceptions(at)
    assert "Withdrawn." in [s.value for s in at.success]
    assert _activities(app_env, id=row.id) == []


def test_the_screen_is_chinese_throughout(app_env):
    at = _open("zh")
    widgets = (*at.text_input, *at.text_area, *at.date_input, *at.number_input, *at.selectbox)
    texts = [w.label for w in widgets] + [w.placeholder or "" for w in at.text_input]
    latin = [x for x in texts if re.search(r"[A-Za-z]{2,}", re.sub(r"T\d\d", "", x))]
    assert texts and latin == []
