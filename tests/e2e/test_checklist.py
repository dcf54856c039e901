"""In the browser: a clerk records a presidium meeting with one topic; the leader's task matrix,
open in a second browser context, shows T02 and T04 of that town updated after a refresh."""

import re
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect

from tests.e2e.steps import go, idle, sign_in

CLERK, UNIT = "clerk03", "大兴镇"  # the 3rd unit of seed/units.toml
TITLE = "大兴镇人大主席团临时会议"
TOPIC = "听取和审议镇政府关于农村饮水安全工作情况的报告"


def _choose(page: Page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label)
    idle(page)
    # A choice made while the app is still rerunning can be dropped: choose again.
    for _ in range(3):
        box.click()
        page.get_by_role("option", name=option).first.click()
        try:
            expect(box).to_have_value(option, timeout=10_000)
            return
        except AssertionError:
            continue
    expect(box).to_have_value(option)


def _cell_caption(page: Page, task: str, unit: str = UNIT) -> str:
    """The figures of the matrix's selected cell for ``unit`` and ``task``."""
    _choose(page, "任务", task)
    card = page.locator(".st-key-checklist_matrix_cell")
    expect(card).to_contain_text(f"{unit} · {task}", timeout=30_000)
    return card.locator("[data-testid='stCaptionContainer']").first.inner_text()


def _a_free_weekend_day() -> date:
    # The demo data dates official business on working days only, so a weekend day is free.
    today = date.today()
    d = today - timedelta(days=(today.weekday() - 5) % 7)
    return d if d.year == today.year else today


def test_a_presidium_meeting_shows_in_the_leaders_matrix(browser: Browser, app_url, artifacts):
    # Tall enough that a screenshot shows the whole screen (the main area scrolls by itself).
    size = {"width": 1440, "height": 2200}
    leader = browser.new_context(viewport=size, locale="zh-CN").new_page()
    clerk = browser.new_context(viewport=size, locale="zh-CN").new_page()

    sign_in(leader, app_url, "leader")
    go(leader, "任务清单总表", "十项任务完成情况总览")
    expect(leader.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    _choose(leader, "单位", UNIT)
    t02_before = _cell_caption(leader, "T02 召开主席团会议")
    t04_before = _cell_caption(leader, "T04 主席团会议有监督议题")
    expect(leader.locator("[data-testid='stTable']")).to_contain_text("监督议题数")
    leader.screenshot(path=str(artifacts / "checklist_matrix_leader_zh.png"), full_page=True)

    sign_in(clerk, app_url, CLERK)
    go(clerk, "会议与监督活动录入", "会议和监督活动登记")
    form = clerk.locator("[data-testid='stForm']").first
    held = _a_free_weekend_day()
    # The date field is a row of spin buttons (year, month, day); typing fills one and moves on.
    form.get_by_role("spinbutton", name="month, 召开日期").click()
    clerk.keyboard.type(f"{held.month:02d}")
    form.get_by_role("spinbutton", name="day, 召开日期").click()
    clerk.keyboard.type(f"{held.day:02d}")
    form.get_by_role("textbox", name="会议名称").fill(TITLE)
    form.get_by_role("textbox", name="监督议题（每行一个）").fill(TOPIC)
    clerk.screenshot(path=str(artifacts / "checklist_forms_clerk03_zh.png"), full_page=True)
    form.get_by_role("button", name="保存会议").click()
    # Without its research, deliberation and follow-up the meeting will not count for T03: the
    # form says so before saving, and the clerk confirms.
    expect(form.get_by_text("这次会议不计入任务T03")).to_be_visible(timeout=30_000)
    form.get_by_text("我已知悉以上提示，仍要保存").click()
    form.get_by_role("button", name="保存会议").click()
    expect(clerk.get_by_text("会议已保存。")).to_be_visible(timeout=30_000)

    go(clerk, "本单位任务", "本单位十项任务")
    expect(clerk.locator(".st-key-checklist_task_T10")).to_contain_text("T10", timeout=30_000)
    expect(clerk.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    clerk.screenshot(path=str(artifacts / "checklist_township_clerk03_zh.png"), full_page=True)

    leader.reload()
    expect(leader.get_by_role("heading", name="十项任务完成情况总览")).to_be_visible(timeout=30_000)
    _choose(leader, "单位", UNIT)
    t02_after = _cell_caption(leader, "T02 召开主席团会议")
    held_before = int(re.match(r"已完成 (\d+)", t02_before).group(1))
    assert t02_after.startswith(f"已完成 {held_before + 1}，"), (t02_before, t02_after)
    t04_after = _cell_caption(leader, "T04 主席团会议有监督议题")
    done, due = map(int, re.match(r"(\d+)/(\d+)", t04_before).groups())
    assert t04_after.startswith(f"{done + 1}/{due + 1}"), (t04_before, t04_after)
    records = leader.locator("[data-testid='stTable']")
    expect(records).to_contain_text(TITLE)
    expect(records).to_contain_text(TOPIC)

    # The same screens in English.
    leader.goto(f"{app_url}/checklist_matrix?lang=en")
    expect(leader.get_by_role("heading", name="The ten tasks across the district")).to_be_visible(
        timeout=30_000
    )
    expect(leader.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    leader.screenshot(path=str(artifacts / "checklist_matrix_leader_en.png"), full_page=True)
    clerk.goto(f"{app_url}/checklist_township?lang=en")
    expect(clerk.get_by_role("heading", name="Our ten tasks")).to_be_visible(timeout=30_000)
    expect(clerk.locator(".st-key-checklist_task_T10")).to_contain_text("T10", timeout=30_000)
    expect(clerk.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    clerk.screenshot(path=str(artifacts / "checklist_township_clerk03_en.png"), full_page=True)
    leader.context.close()
    clerk.context.close()


def test_the_rules_and_forms_screens_in_both_languages(browser: Browser, app_url, artifacts):
    admin = browser.new_context(viewport={"width": 1440, "height": 2200}, locale="zh-CN")
    page = admin.new_page()
    sign_in(page, app_url, "admin")
    # The admin's navigation is long enough to be folded: open the screen by its address.
    page.goto(f"{app_url}/rules_admin")
    expect(page.get_by_role("heading", name="年度任务清单与规则")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="保存为新版本")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="认定为已完成")).to_be_visible()
    expect(page.get_by_role("textbox", name="证明材料")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("spinbutton", name="每月日期")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "checklist_rules_admin_zh.png"), full_page=True)
    page.goto(f"{app_url}/rules_admin?lang=en")
    expect(page.get_by_role("button", name="Save as a new version")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("textbox", name="Evidence")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "checklist_rules_admin_en.png"), full_page=True)
    page.goto(f"{app_url}/meeting_forms?lang=en")
    expect(page.get_by_role("button", name="Save meeting")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("textbox", name="Supervision topics (one per line)")).to_be_visible()
    page.screenshot(path=str(artifacts / "checklist_forms_admin_en.png"), full_page=True)
    admin.close()
