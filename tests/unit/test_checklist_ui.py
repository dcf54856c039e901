"""The task list's sentences, Excel export and rules form, without a running app."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from models.enums import MeetingKind, NotificationKind, SupervisionStage, UnitType
from services import checklist as ck
from services import rules
from services import task_status as ts
from services.task_status import STATUSES
from tests.factories import YEAR, add_meeting, add_unit, setup_rules
from ui import checklist as ui


@pytest.mark.parametrize(
    ("item", "zh", "en"),
    [
        (
            {
                "kind": "meetings_needed",
                "n": 1,
                "deadline": date(2026, 9, 30),
                "quarter": 3,
                "overdue": False,
            },
            "还需召开1次主席团会议，第三季度截止 9月30日",
            "1 more presidium meeting needed, Q3 deadline Sep 30",
        ),
        (
            {
                "kind": "sessions_needed",
                "n": 2,
                "deadline": date(2026, 12, 31),
                "quarter": None,
                "overdue": False,
            },
            "还需召开2次人代会，截止 12月31日",
            "2 more congress sessions needed, deadline Dec 31",
        ),
        (
            {
                "kind": "activities_needed",
                "n": 1,
                "deadline": date(2026, 6, 30),
                "quarter": 2,
                "overdue": True,
            },
            "还需开展1次监督活动，第二季度截止 6月30日（已逾期）",
            "1 more supervision activity needed, Q2 deadline Jun 30 (overdue)",
        ),
        (
            {"kind": "quarter_without_meeting", "quarter": 2},
            "第二季度未召开主席团会议",
            "No presidium meeting in Q2",
        ),
        (
            {
                "kind": "meeting_without_topic",
                "title": "主席团会议",
                "held_on": date(2026, 5, 10),
            },
            "2026年5月10日“主席团会议”没有监督议题",
            "May 10, 2026 “主席团会议” has no supervision topic",
        ),
        (
            {
                "kind": "meeting_incomplete",
                "title": "人代会",
                "held_on": date(2026, 1, 20),
                "parts": ["research", "follow_up"],
            },
            "2026年1月20日“人代会”未记录会前调研、会后督办",
            "Jan 20, 2026 “人代会”: no record of research, follow-up",
        ),
        (
            {
                "kind": "item_not_closed",
                "title": "道路",
                "due_on": date(2026, 5, 10),
                "stage": SupervisionStage.follow_up,
            },
            "“道路”2026年5月10日到期，仍处于跟踪问效阶段",
            "“道路” was due May 10, 2026 and is still at follow-up",
        ),
        (
            {"kind": "contact_day_low", "month": 2, "share": 0.7, "min": 0.8},
            "2月联系选民日代表参与率70%，低于80%",
            "M2 contact day: deputy participation 70%, below 80%",
        ),
        (
            {
                "kind": "contact_day_missed",
                "month": 9,
                "day": date(2026, 9, 20),
                "held_on": date(2026, 9, 19),
            },
            "9月的活动于9月19日开展，不在联系选民日（应为9月20日）",
            "M9: held on Sep 19, not on the contact day (Sep 20)",
        ),
        (
            {
                "kind": "notification_needed",
                "notification": NotificationKind.deputy_performance,
                "half": 1,
                "deadline": date(2026, 6, 30),
                "overdue": True,
            },
            "上半年还需通报代表履职情况，6月30日前（已逾期）",
            "First half: a notification on deputies' performance is needed by Jun 30 (overdue)",
        ),
        (
            {"kind": "member_links_short", "name": "张三", "have": 3, "need": 5},
            "主席团成员张三联系代表3名，应不少于5名",
            "Presidium member 张三 keeps contact with 3 deputies; at least 5 needed",
        ),
    ],
)
def test_missing_items_read_as_plain_sentences(item, zh, en):
    assert ui.missing_text(item, "zh") == zh
    assert ui.missing_text(item, "en") == en


def test_every_status_and_task_has_a_label_in_both_languages():
    for lang in ("zh", "en"):
        for code in STATUSES:
            assert not ui.status_label(code, lang).startswith("[")
        for code in rules.TASK_CODES:
            assert not ui.task_name(code, lang).startswith("[")


def test_the_matrix_exports_to_excel_with_chinese_headers(session):
    setup_rules(session)
    town = add_unit(session, "a", order=1)
    add_unit(session, "s", UnitType.subdistrict, order=2)
    add_meeting(session, town, MeetingKind.congress_session, date(2026, 3, 2))
    result = ck.checklist_status(session, YEAR, date(2026, 6, 30))
    data = ui.matrix_xlsx(list(result.units), "zh", year=YEAR, as_of=result.as_of)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.title == "任务清单"
    assert ws["A1"].value == "2026年乡镇人大十项任务完成情况（截至2026年6月30日）"
    assert [c.value for c in ws[2]][:3] == ["单位", "T01 召开人代会", "T02 召开主席团会议"]
    assert ws["A3"].value == "a镇"
    # T01 of the town: 1 session, 1 expected by 30 Jun.
    assert ws["B3"].value == "进度正常 1/2"
    assert ws["B3"].fill.fgColor.rgb.endswith("56B4E9")
    assert ws["B4"].value == "不适用 —"
    assert ws["A5"].value == "合计（完成或正常/适用）"
    assert ws["B5"].value == "1/1"
    en = load_workbook(
        io.BytesIO(ui.matrix_xlsx(list(result.units), "en", year=YEAR, as_of=result.as_of))
    ).active
    assert en["A2"].value == "Unit" and en["B2"].value == "T01 Congress sessions"


def test_sorting_the_matrix(session):
    setup_rules(session)
    a = add_unit(session, "a", order=1)
    b = add_unit(session, "b", order=2)
    add_meeting(session, b, MeetingKind.congress_session, date(2026, 3, 2))
    add_meeting(session, b, MeetingKind.congress_session, date(2026, 4, 2))
    result = ck.checklist_status(session, YEAR, date(2026, 6, 30))
    assert [u.township_id for u in ui.sort_units(result, "order")] == [a, b]
    assert [u.township_id for u in ui.sort_units(result, "met_desc")] == [b, a]
    assert [u.township_id for u in ui.sort_units(result, "met_asc")] == [a, b]


def test_schedule_text_round_trip():
    # A point without a kind is a deadline; the kind may be written in either language.
    assert ui.parse_schedule("06-30:1; 12-31:2") == [
        {"by": "06-30", "expected": 1.0, "kind": "deadline"},
        {"by": "12-31", "expected": 2.0, "kind": "deadline"},
    ]
    assert ui.parse_schedule(" 03-31 : 0.5 进度；12-31:4 deadline") == [
        {"by": "03-31", "expected": 0.5, "kind": "pace"},
        {"by": "12-31", "expected": 4.0, "kind": "deadline"},
    ]
    assert ui.parse_schedule("09-30:3 pace point; 12-31:4 截止") == [
        {"by": "09-30", "expected": 3.0, "kind": "pace"},
        {"by": "12-31", "expected": 4.0, "kind": "deadline"},
    ]
    assert ui.parse_schedule("") == []
    assert ui.parse_schedule("June:1") is None
    assert ui.parse_schedule("06-30=1") is None
    assert ui.parse_schedule("06-30:1 soon") is None
    r = rules.load_toml(rules.default_rules_path(YEAR))
    assert ui.schedule_text(r.task("T01"), "zh") == "06-30:1 截止; 12-31:2 截止"
    assert ui.schedule_text(r.task("T05"), "en") == (
        "03-31:1 pace point; 06-30:2 pace point; 09-30:3 pace point; 12-31:4 deadline"
    )
    for lang in ("zh", "en"):
        for task in r.checklist.tasks:
            parsed = ui.parse_schedule(ui.schedule_text(task, lang))
            assert parsed == [p.model_dump() for p in task.schedule], (lang, task.code)


def test_the_rules_form_takes_warning_days_and_local_calendar_exceptions():
    current = rules.load_toml(rules.default_rules_path(YEAR))
    rows = _rows(current)
    rows["T05"]["warn_days"] = 14
    data, problems = ui.rules_from_form(
        current,
        rows,
        day_of_month=20,
        tolerance="nearest_working_day",
        min_participation=0.8,
        local_holidays="2026-05-06, 2026-05-07",
        local_working_days="2026-05-09",
    )
    assert problems == []
    saved = rules.parse(data)
    assert saved.task("T05").warn_days == 14
    assert saved.contact_day.local_holidays == [date(2026, 5, 6), date(2026, 5, 7)]
    assert saved.contact_day.local_working_days == [date(2026, 5, 9)]
    _, problems = ui.rules_from_form(
        current,
        rows,
        day_of_month=20,
        tolerance="nearest_working_day",
        min_participation=0.8,
        local_holidays="5月6日",
    )
    assert [path for path, _ in problems] == ["contact_day.local_holidays"]


def test_every_verdict_names_the_point_that_decided_it():
    r = rules.load_toml(rules.default_rules_path(YEAR))

    def count(code, value, as_of, unreachable=None):
        task = r.task(code)
        return ts.count_task(
            task,
            1,
            value,
            task.target,
            year=YEAR,
            as_of=as_of,
            missing_kind="x",
            unreachable=unreachable,
        )

    # 2 Dec 2026: 29 days before 31 Dec.
    t01 = count("T01", 1, date(2026, 12, 2))
    assert ui.verdict_text(t01, "en") == (
        "Behind: 1 of 2; the deadline of Dec 31 asks for 2, 29 days left."
    )
    assert (
        ui.verdict_text(t01, "zh") == "进度滞后：已完成 1/2；12月31日截止节点要求 2，还剩 29 天。"
    )
    t05 = count("T05", 1, date(2026, 10, 15))
    assert ui.verdict_text(t05, "en") == "Behind: 1 of 4; the pace point of Sep 30 asked for 3."
    assert ui.verdict_text(count("T01", 0, date(2026, 7, 1)), "en") == (
        "Overdue: 0 of 2; the deadline of Jun 30 asked for 1."
    )
    t02 = count("T02", 2, date(2026, 7, 1), {"kind": "quarters_without_meeting", "quarters": [2]})
    assert ui.verdict_text(t02, "en") == (
        "Overdue: 2 of 4; the year's target can no longer be met: no presidium meeting in Q2."
    )
    t04 = ts.share_task(
        r.task("T04"),
        1,
        1,
        2,
        target=1.0,
        missing=[],
        year=YEAR,
        as_of=date(2026, 6, 1),
        unreachable=ts.final_miss(1.0, 1),
    )
    assert ui.verdict_text(t04, "zh") == (
        "已逾期：完成率 50%，目标 100%；全年目标已无法完成：已有 1 项未完成，无法补救。"
    )


def _rows(current):
    return {
        task.code: {
            "applies_to": [u.value for u in task.applies_to],
            "weight": task.weight,
            "target": task.target,
            "schedule": ui.schedule_text(task),
        }
        for task in current.checklist.tasks
    }


def test_the_rules_form_builds_a_valid_rule_set():
    current = rules.load_toml(rules.default_rules_path(YEAR))
    rows = _rows(current)
    rows["T02"]["schedule"] = "06-30:2; 12-31:4"
    rows["T06"]["target"] = 0.8
    data, problems = ui.rules_from_form(
        current, rows, day_of_month=15, tolerance="exact", min_participation=0.75
    )
    assert problems == []
    parsed = rules.parse(data)
    assert [(d.by, d.expected) for d in parsed.task("T02").schedule] == [("06-30", 2), ("12-31", 4)]
    assert parsed.supervision.closure_target == 0.8
    assert parsed.contact_day.day_of_month == 15 and parsed.contact_day.tolerance == "exact"


def test_the_rules_form_names_bad_entries_by_key_path():
    current = rules.load_toml(rules.default_rules_path(YEAR))
    rows = _rows(current)
    rows["T01"]["schedule"] = "6月30日:1"
    _, problems = ui.rules_from_form(
        current, rows, day_of_month=20, tolerance="exact", min_participation=0.8
    )
    assert [k for k, _ in problems] == ["checklist.tasks[0].schedule"]

    rows = _rows(current)
    rows["T03"]["applies_to"] = []
    rows["T04"]["weight"] = 7
    rows["T05"]["schedule"] = "06-30:3; 03-31:1"
    data, problems = ui.rules_from_form(
        current, rows, day_of_month=20, tolerance="exact", min_participation=0.8
    )
    assert problems == []
    with pytest.raises(rules.RuleSetError) as err:
        rules.parse(data)
    keys = [k for k, _ in err.value.problems]
    assert "checklist.tasks[2].applies_to" in keys
    assert "checklist.tasks[4].schedule" in keys
