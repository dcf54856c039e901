"""In the browser: a clerk records an integrated activity with deputies of three levels on a
phone-width screen; the leader's task matrix, open in a second browser context, shows T10 of
that unit one higher after a refresh."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.steps import go, idle, sign_in
from tests.e2e.test_checklist import _cell_caption, _choose

CLERK, UNIT = "clerk07", "侍岭镇"  # the 7th unit of seed/units.toml
T10 = "T10 五级代表一体化活动"
TITLE = "五级代表进网格 共话乡村振兴"


def _t10_done(page: Page) -> int:
    return int(re.match(r"已完成 (\d+)", _cell_caption(page, T10)).group(1))


def test_an_integrated_activity_of_three_levels_moves_t10(browser: Browser, app_url, artifacts):
    leader = browser.new_context(viewport={"width": 1440, "height": 2200}, locale="zh-CN")
    phone = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    board, clerk = leader.new_page(), phone.new_page()

    sign_in(board, app_url, "leader")
    go(board, "任务清单总表", "十项任务完成情况总览")
    _choose(board, "单位", UNIT)
    before = _t10_done(board)

    sign_in(clerk, app_url, CLERK)
    clerk.set_viewport_size({"width": 390, "height": 844})  # a phone, once signed in
    clerk.goto(f"{app_url}/guarantees_entry")
    expect(clerk.get_by_role("heading", name="阵地与一体化录入")).to_be_visible(timeout=30_000)
    idle(clerk)
    clerk.get_by_role("tab", name="一体化活动").click()
    form = clerk.locator(".st-key-g_act_form, [data-testid='stForm']").filter(
        has_text="记录一体化活动"
    )
    form.get_by_role("textbox", name="活动名称").fill(TITLE)
    # One township deputy of the unit's roster, and one city and one national deputy from
    # outside the roster: three levels.
    deputies = form.get_by_role("combobox", name="参加的本单位名册代表")
    deputies.click()
    clerk.get_by_role("option", name=re.compile("乡镇人大代表")).first.click()
    clerk.keyboard.press("Escape")
    form.get_by_role("spinbutton", name="市人大代表人数").fill("1")
    form.get_by_role("spinbutton", name="全国人大代表人数").fill("1")
    # Phone width: the form fits the screen, nothing scrolls sideways.
    assert clerk.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    clerk.screenshot(path=str(artifacts / "guarantees_activity_phone_zh.png"), full_page=True)
    form.get_by_role("button", name="保存活动").click()
    expect(clerk.get_by_text("一体化活动已保存。")).to_be_visible(timeout=30_000)
    idle(clerk)
    clerk.get_by_role("tab", name="一体化活动").click()
    card = clerk.locator("[class*='st-key-g_act_card_']").filter(has_text=TITLE)
    expect(card).to_contain_text("3 个层级：全国人大代表、市人大代表、乡镇人大代表", timeout=30_000)
    expect(card).to_contain_text("计入 T10")

    board.reload()
    expect(board.get_by_role("heading", name="十项任务完成情况总览")).to_be_visible(timeout=30_000)
    _choose(board, "单位", UNIT)
    assert _t10_done(board) == before + 1
    board.screenshot(path=str(artifacts / "guarantees_t10_leader_zh.png"), full_page=True)

    go(board, "保障与一体化", "保障与一体化")
    expect(board.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    board.screenshot(path=str(artifacts / "guarantees_board_leader_zh.png"), full_page=True)
    leader.close()
    phone.close()
