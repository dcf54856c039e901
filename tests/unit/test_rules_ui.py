"""A refused rule set is explained by key path in the user's language, whatever editor sent it."""

import pytest

from services import rules
from ui import rules as urules


def _refused(data: dict) -> rules.RuleSetError:
    with pytest.raises(rules.RuleSetError) as err:
        rules.parse(data, source="editor")
    return err.value


def _shown(exc: rules.RuleSetError, lang: str) -> list[tuple[str, str]]:
    """The rows of the problem table an editor shows."""
    frame = urules.problems_frame(urules.problem_rows(exc, lang), lang)
    return list(frame.itertuples(index=False, name=None))


def _defaults() -> dict:
    return rules.to_content(rules.load_toml(rules.RULES_DIR / "2026.toml"))


def test_field_problems_read_in_both_languages_with_their_figures():
    data = _defaults()
    data["funds"]["approval_threshold_yuan"] = "-1"
    data["funds"]["per_deputy_activity_yuan"] = "1000.001"
    data["funds"]["categories"].append({"code": "Bad Code", "zh": "", "en": "x"})
    data["checklist"]["tasks"][0]["schedule"][0]["by"] = "13-01"
    data["checklist"]["tasks"][1]["target"] = "两次"
    data["contact_day"]["tolerance"] = "sometimes"
    exc = _refused(data)
    zh = dict(_shown(exc, "zh"))
    # Each problem is placed by the label its editor shows, with the table row in a list.
    assert zh["须经主席团审议的单笔限额（元）"] == "不能小于 0。"
    assert zh["代表活动经费标准（元/人·年）"] == "最多 2 位小数。"
    assert zh["代码（第 9 行）"] == "代码只能用小写英文字母和下划线。"
    assert zh["中文名称（第 9 行）"] == "此项为必填项。"
    assert zh["进度要求（第 1 行）"] == "日期须写成“月-日”，如 06-30。"
    assert zh["目标（第 2 行）"] == "须为数字。"
    assert zh["遇非工作日"].startswith("只能取以下值之一：")
    en = dict(_shown(exc, "en"))
    assert en["Single expense needing presidium approval above (yuan)"] == (
        "Must not be less than 0."
    )
    # No message is left in pydantic's English in the Chinese table.
    assert not any("Input should" in text or "String should" in text for text in zh.values())


def test_rule_set_wide_problems_carry_their_figures():
    data = _defaults()
    data["funds"]["district_share"] = "0.5"
    assert _shown(_refused(data), "zh") == [("经费管理", "区级与乡镇分担比例之和须为 1。")]
    data = _defaults()
    data["checklist"]["tasks"][0]["weight"] = 7
    (path, text) = _shown(_refused(data), "zh")[0]
    # The defaults give 10 tasks × 6 points = 60; one task at 7 makes 61.
    assert (path, text) == (
        "整套规则",
        "十项任务的权重合计为 61，与考评中“一张清单”的权重 60 不一致。",
    )


def test_an_unknown_kind_of_problem_gets_a_plain_message():
    exc = rules.RuleSetError("x", [rules.RuleProblem("a.b", "something_new", "something new")])
    assert _shown(exc, "zh") == [("a.b", "此项的值不符合要求。")]
    assert exc.problems == [("a.b", "something new")]
    frame = urules.problems_frame(urules.problem_rows(exc, "en"), "en")
    assert list(frame.columns) == ["Where", "Problem"]


def test_the_task_list_editors_own_problems_are_placed_the_same_way():
    # rules_from_form reports a schedule it cannot read by its key path, like the rule set does.
    frame = urules.problems_frame([("checklist.tasks[0].schedule", "看不懂")], "zh")
    assert list(frame.itertuples(index=False, name=None)) == [("进度要求（第 1 行）", "看不懂")]
