"""The task list screens: they render for every role in both languages, the forms write what a
clerk enters (and nothing when it is wrong), and the status follows.

Writes go only into the units of clerk03 (大兴镇, a town) and clerk09 (顺河街道, a sub-district),
on weekend dates the demo data never uses, and assertions compare before with after.
"""

import re
from datetime import date

import pytest
from sqlmodel import func, select

from models import Meeting, SupervisionActivity, TaskMark, Township
from models.db import session_scope
from models.enums import MeetingKind, SupervisionKind
from services import checklist, clock
from services.task_status import TaskStatus
from tests.pages.apptest import DEMO_YEAR, no_exceptions, signed_in, visible_text

CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_KEY = re.compile(r"\[checklist\.[\w.]+\]")


def _unit_id(url: str, code: str) -> int:
    with session_scope(url) as session:
        return session.exec(select(Township.id).where(Township.code == code)).one()


def _task(url: str, township_id: int, code: str) -> TaskStatus:
    with session_scope(url) as session:
        as_of = min(clock.today(), date(DEMO_YEAR, 12, 31))
        result = checklist.checklist_status(session, DEMO_YEAR, as_of, [township_id])
        return result.unit(township_id).task(code)


def _count(url: str, model, township_id: int) -> int:
    with session_scope(url) as session:
        return session.exec(
            select(func.count(model.id)).where(model.township_id == township_id)
        ).one()


def _open(username: str, page: str, lang: str = "zh"):
    at = signed_in(username, lang)
    at.run()
    at.switch_page(page)
    at.run()
    no_exceptions(at)
    return at


CASES = [
    ("leader", "pages/checklist_matrix.py"),
    ("admin", "pages/checklist_matrix.py"),
    ("leader", "pages/checklist_township.py"),
    ("clerk03", "pages/checklist_township.py"),
    ("clerk09", "pages/checklist_township.py"),
    ("clerk03", "pages/meeting_forms.py"),
    ("clerk09", "pages/meeting_forms.py"),
    ("admin", "pages/meeting_forms.py"),
    ("admin", "pages/rules_admin.py"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("username", "screen"), CASES)
def test_checklist_screens_render(app_env, username, screen, lang):
    at = _open(username, screen, lang)
    assert bool(CJK.search(at.title[0].value)) == (lang == "zh")
    text = visible_text(at)
    assert not RAW_KEY.search(text), RAW_KEY.findall(text)
    if lang == "en":
        # Unit names and entered titles are Chinese data; the UI's own words must not be.
        labels = " ".join(w.label for w in [*at.selectbox, *at.text_input, *at.date_input])
        assert not CJK.search(labels), labels


def test_leader_and_clerk_pages_are_where_they_belong(app_env):
    at = signed_in("clerk03")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/checklist_matrix.py")
    at = signed_in("leader")
    at.run()
    for page in ("pages/meeting_forms.py", "pages/rules_admin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_the_matrix_shows_every_unit_and_the_records_behind_a_cell(app_env):
    daxing = _unit_id(app_env, "daxing")
    at = _open("leader", "pages/checklist_matrix.py")
    assert len(at.get("vega_lite_chart")) == 1
    assert len(at.get("download_button")) == 1
    at.selectbox(key="checklist_matrix_unit").set_value(daxing)
    at.selectbox(key="checklist_matrix_task").set_value("T02")
    at.run()
    no_exceptions(at)
    records = at.table[0].value
    held = _task(app_env, daxing, "T02").value
    # Every presidium meeting of the year is listed; the held ones count.
    assert (records["是否计入"] == "计入").sum() == held
    assert "大兴镇" in visible_text(at) or at.selectbox(key="checklist_matrix_unit").value == daxing


def test_clerk_records_a_presidium_meeting_and_t02_t04_follow(app_env):
    daxing = _unit_id(app_env, "daxing")
    t02, t04 = _task(app_env, daxing, "T02"), _task(app_env, daxing, "T04")
    at = _open("clerk03", "pages/meeting_forms.py")
    at.radio(key="checklist_meeting_kind").set_value(MeetingKind.presidium)
    at.date_input(key="checklist_meeting_held_on").set_value(date(2026, 8, 1))
    at.text_input(key="checklist_meeting_title").input("大兴镇人大主席团专题会议")
    at.number_input(key="checklist_meeting_attendance").set_value(9)
    at.text_area(key="checklist_meeting_research").input("会前深入村居调研")
    at.text_area(key="checklist_meeting_deliberation").input("审议镇政府专项工作报告")
    at.text_area(key="checklist_meeting_follow_up").input("审议意见交办并跟踪")
    at.text_area(key="checklist_meeting_topics").input("听取和审议农村饮水安全工作报告")
    at.button(key="checklist_meeting_submit").click()
    at.run()
    no_exceptions(at)
    assert [s.value for s in at.success] == ["会议已保存。"]
    assert not at.error
    after2, after4 = _task(app_env, daxing, "T02"), _task(app_env, daxing, "T04")
    assert after2.value == t02.value + 1
    assert (after4.numerator, after4.denominator) == (t04.numerator + 1, t04.denominator + 1)
    # The form is empty again for the next entry.
    assert at.text_input(key="checklist_meeting_title").value == ""

    # The clerk's own task screen shows the new count.
    at.switch_page("pages/checklist_township.py")
    at.run()
    no_exceptions(at)
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"已完成 {after2.value}，") for c in captions), captions


def test_a_presidium_meeting_without_topic_is_held_and_a_t04_gap_until_topics_are_added(app_env):
    daxing = _unit_id(app_env, "daxing")
    t02, t04 = _task(app_env, daxing, "T02"), _task(app_env, daxing, "T04")
    at = _open("clerk03", "pages/meeting_forms.py")
    # A town's form opens on the presidium meeting, and warns what a meeting without a topic
    # counts for.
    assert at.radio(key="checklist_meeting_kind").value == MeetingKind.presidium
    assert any("任务四将其计为缺少监督议题" in w.value for w in at.warning)
    at.date_input(key="checklist_meeting_held_on").set_value(date(2026, 8, 2))
    at.text_input(key="checklist_meeting_title").input("无议题会议")
    at.button(key="checklist_meeting_submit").click()
    at.run()
    no_exceptions(at)
    # Before saving, the form says what will not count, and the clerk decides.
    assert not at.success
    notes = [w.value for w in at.warning]
    assert any("这次会议不计入任务T03" in w for w in notes), notes
    at.checkbox(key="checklist_meeting_form_confirm").check()
    at.button(key="checklist_meeting_submit").click()
    at.run()
    no_exceptions(at)
    assert at.success[0].value.startswith("会议已按已召开保存")
    mid2, mid4 = _task(app_env, daxing, "T02"), _task(app_env, daxing, "T04")
    assert mid2.value == t02.value + 1
    assert (mid4.numerator, mid4.denominator) == (t04.numerator, t04.denominator + 1)
    assert any(
        m["kind"] == "meeting_without_topic" and m["title"] == "无议题会议" for m in mid4.missing
    )

    with session_scope(app_env) as session:
        mid = session.exec(select(Meeting.id).where(Meeting.title == "无议题会议")).one()
    at.selectbox(key="checklist_add_topics_pick").set_value(mid)
    at.text_area(key="checklist_add_topics_topics").input("听取和审议秸秆禁烧工作报告")
    at.button(key="checklist_add_topics_submit").click()
    at.run()
    no_exceptions(at)
    done2, done4 = _task(app_env, daxing, "T02"), _task(app_env, daxing, "T04")
    assert done2.value == t02.value + 1
    assert (done4.numerator, done4.denominator) == (t04.numerator + 1, t04.denominator + 1)


@pytest.mark.parametrize(
    ("fill", "message"),
    [
        ({"title": "", "topics": "议题"}, "请填写会议名称。"),
        (
            {"title": "<script>alert(1)</script>", "topics": "议题"},
            "名称：内容不能包含 HTML 标签、脚本或控制字符。",
        ),
    ],
)
def test_a_bad_meeting_shows_the_message_and_writes_nothing(app_env, fill, message):
    daxing = _unit_id(app_env, "daxing")
    before = _count(app_env, Meeting, daxing)
    at = _open("clerk03", "pages/meeting_forms.py")
    at.radio(key="checklist_meeting_kind").set_value(MeetingKind.presidium)
    at.date_input(key="checklist_meeting_held_on").set_value(date(2026, 8, 15))
    at.text_input(key="checklist_meeting_title").input(fill["title"])
    at.text_area(key="checklist_meeting_topics").input(fill["topics"])
    at.button(key="checklist_meeting_submit").click()
    at.run()
    no_exceptions(at)
    assert [e.value for e in at.error] and at.error[0].value.startswith(message)
    assert not at.success
    assert _count(app_env, Meeting, daxing) == before
    # What was typed stays, so the clerk can correct it.
    assert at.text_input(key="checklist_meeting_title").value == fill["title"]


def test_a_duplicate_session_is_refused(app_env):
    daxing = _unit_id(app_env, "daxing")
    t01 = _task(app_env, daxing, "T01")

    def submit():
        # Each entry on a freshly opened screen: the same values clicked again on the screen
        # that just saved them are a repeated click, which saves nothing and says nothing new.
        at = _open("clerk03", "pages/meeting_forms.py")
        at.radio(key="checklist_meeting_kind").set_value(MeetingKind.congress_session)
        at.date_input(key="checklist_meeting_held_on").set_value(date(2026, 8, 9))
        at.text_input(key="checklist_meeting_title").input("大兴镇人民代表大会临时会议")
        for part in ("research", "deliberation", "follow_up"):
            at.text_area(key=f"checklist_meeting_{part}").input("已记录")
        at.button(key="checklist_meeting_submit").click()
        at.run()
        no_exceptions(at)
        return at

    at = submit()
    assert at.success and not at.error
    assert _task(app_env, daxing, "T01").value == t01.value + 1
    before = _count(app_env, Meeting, daxing)
    at = submit()
    assert at.error[0].value == "2026-08-09已登记过同类型的会议，不能重复登记。"
    assert _count(app_env, Meeting, daxing) == before


def test_a_subdistrict_records_a_supervision_activity(app_env):
    shunhe = _unit_id(app_env, "shunhe")
    t05 = _task(app_env, shunhe, "T05")
    at = _open("clerk09", "pages/meeting_forms.py")
    # A sub-district has no congress: no meeting form, only the notice.
    assert not [r for r in at.radio if r.key == "checklist_meeting_kind"]
    assert at.info[0].value.startswith("街道不召开人代会")
    at.selectbox(key="checklist_activity_kind").set_value(SupervisionKind.survey)
    at.date_input(key="checklist_activity_held_on").set_value(date(2026, 8, 22))
    at.text_input(key="checklist_activity_subject").input("背街小巷改造提升专题调研")
    at.number_input(key="checklist_activity_participants").set_value(14)
    at.button(key="checklist_activity_submit").click()
    at.run()
    no_exceptions(at)
    assert [s.value for s in at.success] == ["监督活动已保存。"]
    assert _task(app_env, shunhe, "T05").value == t05.value + 1

    before = _count(app_env, SupervisionActivity, shunhe)
    at.selectbox(key="checklist_activity_kind").set_value(SupervisionKind.survey)
    at.date_input(key="checklist_activity_held_on").set_value(date(2026, 8, 23))
    at.text_input(key="checklist_activity_subject").input("   ")
    at.button(key="checklist_activity_submit").click()
    at.run()
    no_exceptions(at)
    assert at.error[0].value == "请填写活动主题。"
    assert _count(app_env, SupervisionActivity, shunhe) == before


def test_admin_marks_a_task_by_hand_and_withdraws_it(app_env):
    daxing = _unit_id(app_env, "daxing")
    at = _open("admin", "pages/rules_admin.py")
    at.selectbox(key="checklist_mark_unit").set_value(daxing)
    at.selectbox(key="checklist_mark_task").set_value("T07")
    at.button(key="checklist_mark_submit").click()
    at.run()
    no_exceptions(at)
    assert at.error[0].value == "请填写证明材料。"
    assert _count(app_env, TaskMark, daxing) == 0

    at.text_area(key="checklist_mark_evidence").input("区人大常委会核查意见（宿豫人〔2026〕5号）")
    at.button(key="checklist_mark_submit").click()
    at.run()
    no_exceptions(at)
    assert _task(app_env, daxing, "T07").hand_mark is True

    town = _open("admin", "pages/checklist_township.py")
    town.selectbox(key="checklist_township_unit").set_value(daxing)
    town.run()
    assert any(i.value.startswith("手工认定") for i in town.info)
    assert "区人大常委会核查意见（宿豫人〔2026〕5号）" in [x.value for x in town.text]

    at.selectbox(key="checklist_unmark_pick").set_value((daxing, "T07"))
    at.button(key="checklist_unmark").click()
    at.run()
    no_exceptions(at)
    assert _task(app_env, daxing, "T07").hand_mark is False


def test_admin_saves_the_rules_as_a_new_version(app_env):
    with session_scope(app_env) as session:
        before = checklist.rules_version(session, DEMO_YEAR)
    at = _open("admin", "pages/rules_admin.py")
    # Saving the form unchanged stores an identical new version: the numbers stay as they are.
    at.button(key="checklist_rules_submit").click()
    at.run()
    no_exceptions(at)
    with session_scope(app_env) as session:
        assert checklist.rules_version(session, DEMO_YEAR) == before + 1
    assert at.success[0].value == f"已保存为第{before + 1}版。"
