"""In the browser: a clerk records an integrated activity with deputies of three levels, on a
desktop screen and on a phone (390 × 844, signed in there); the leader's task matrix, open in a
second browser context, shows T10 of that unit one higher after a refresh."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.steps import fill_login, go, idle, session_cookie, sign_in
from tests.e2e.test_checklist import _cell_caption, _choose
from ui.auth import SESSION_ROUTE

CLERK, UNIT = "clerk07", "侍岭镇"  # the 7th unit of seed/units.toml
T10 = "T10 五级代表一体化活动"
TITLE = "五级代表进网格 共话乡村振兴"
SCREENS = {
    "desktop": ({"width": 1440, "height": 900}, "电脑"),
    "phone": ({"width": 390, "height": 844}, "手机"),
}


def _t10_done(page: Page) -> int:
    return int(re.match(r"已完成 (\d+)", _cell_caption(page, T10, UNIT)).group(1))


def _fits(page: Page) -> bool:
    """Nothing scrolls sideways: the page is no wider than the screen."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_an_integrated_activity_of_three_levels_moves_t10(
    browser: Browser, app_url, artifacts, screen
):
    viewport, where = SCREENS[screen]
    title = f"{TITLE}（{where}录入）"
    leader = browser.new_context(viewport={"width": 1440, "height": 2200}, locale="zh-CN")
    device = browser.new_context(viewport=viewport, locale="zh-CN")
    board, clerk = leader.new_page(), device.new_page()

    sign_in(board, app_url, "leader")
    go(board, "任务清单总表", "十项任务完成情况总览")
    _choose(board, "单位", UNIT)
    before = _t10_done(board)

    # Signed in on the device itself (a phone shows no sidebar until it is opened).
    clerk.goto(app_url)
    with clerk.expect_response(lambda r: SESSION_ROUTE in r.url, timeout=60_000):
        fill_login(clerk, CLERK)
    idle(clerk)
    assert session_cookie(clerk) is not None
    clerk.goto(f"{app_url}/guarantees_entry")
    expect(clerk.get_by_role("heading", name="阵地与一体化录入")).to_be_visible(timeout=30_000)
    idle(clerk)
    assert _fits(clerk)
    clerk.get_by_role("tab", name="一体化活动").click()
    form = clerk.locator("[data-testid='stForm']").filter(has_text="记录一体化活动")
    form.get_by_role("textbox", name="活动名称").fill(title)
    # One township deputy of the unit's roster, and one city and one national deputy from
    # outside the roster: three levels.
    deputies = form.get_by_role("combobox", name="参加的本单位名册代表")
    deputies.click()
    deputies.fill("乡镇人大代表")  # the list is long: narrowed by typing, as a clerk would
    clerk.get_by_role("option", name=re.compile("乡镇人大代表")).first.click()
    clerk.keyboard.press("Escape")
    form.get_by_role("spinbutton", name="市人大代表人数").fill("1")
    form.get_by_role("spinbutton", name="全国人大代表人数").fill("1")
    # The form fits the screen: nothing scrolls sideways, the fields are as wide as the form.
    assert _fits(clerk)
    box = form.get_by_role("textbox", name="活动名称").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    clerk.screenshot(path=str(artifacts / f"guarantees_activity_{screen}_zh.png"), full_page=True)
    form.get_by_role("button", name="保存活动").click()
    expect(clerk.get_by_text("一体化活动已保存。")).to_be_visible(timeout=30_000)
    idle(clerk)
    clerk.get_by_role("tab", name="一体化活动").click()
    card = clerk.locator("[class*='st-key-g_act_card_']").filter(has_text=title)
    expect(card).to_contain_text("3 个层级：全国人大代表、市人大代表、乡镇人大代表", timeout=30_000)
    expect(card).to_contain_text("计入 T10")

    board.reload()
    expect(board.get_by_role("heading", name="十项任务完成情况总览")).to_be_visible(timeout=30_000)
    _choose(board, "单位", UNIT)
    assert _t10_done(board) == before + 1
    board.screenshot(path=str(artifacts / f"guarantees_t10_leader_{screen}_zh.png"), full_page=True)

    go(board, "保障与一体化", "保障与一体化")
    expect(board.locator("[data-testid='stVegaLiteChart']").first).to_be_visible(timeout=30_000)
    board.screenshot(path=str(artifacts / "guarantees_board_leader_zh.png"), full_page=True)
    leader.close()
    device.close()


def _audit(url: str, entity: str) -> list[tuple[str, str | None]]:
    from sqlmodel import select

    from models import AuditLog
    from models.db import session_scope

    with session_scope(url) as session:
        return list(
            session.exec(
                select(AuditLog.action, AuditLog.reason)
                .where(AuditLog.entity == entity)
                .order_by(AuditLog.id)
            ).all()
        )


def test_a_recorded_activity_is_corrected_then_withdrawn(browser: Browser, app_url, demo_db):
    """The clerk records an activity, corrects its name with a reason and withdraws it; the audit
    log keeps each step with its reason, and the leader's T10 goes up by one, stays, and comes
    back down."""
    title, fixed = "代表联络站集中接待日（待更正）", "代表联络站集中接待日"
    leader = browser.new_context(viewport={"width": 1440, "height": 2200}, locale="zh-CN")
    desk = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    board, clerk = leader.new_page(), desk.new_page()
    sign_in(board, app_url, "leader")
    go(board, "任务清单总表", "十项任务完成情况总览")
    _choose(board, "单位", UNIT)
    before = _t10_done(board)

    def t10_now() -> int:
        board.reload()
        expect(board.get_by_role("heading", name="十项任务完成情况总览")).to_be_visible(
            timeout=30_000
        )
        _choose(board, "单位", UNIT)
        return _t10_done(board)

    sign_in(clerk, app_url, CLERK)
    go(clerk, "阵地与一体化录入", "阵地与一体化录入")
    clerk.get_by_role("tab", name="一体化活动").click()
    form = clerk.locator("[data-testid='stForm']").filter(has_text="记录一体化活动")
    form.get_by_role("textbox", name="活动名称").fill(title)
    deputies = form.get_by_role("combobox", name="参加的本单位名册代表")
    deputies.click()
    deputies.fill("乡镇人大代表")
    clerk.get_by_role("option", name=re.compile("乡镇人大代表")).first.click()
    clerk.keyboard.press("Escape")
    form.get_by_role("spinbutton", name="市人大代表人数").fill("1")
    form.get_by_role("spinbutton", name="全国人大代表人数").fill("1")
    form.get_by_role("button", name="保存活动").click()
    expect(clerk.get_by_text("一体化活动已保存。")).to_be_visible(timeout=30_000)
    idle(clerk)
    assert _audit(demo_db, "integrated_activity")[-1] == ("create", None)
    assert t10_now() == before + 1

    clerk.get_by_role("tab", name="一体化活动").click()
    _choose(clerk, "新增或更正", re.compile(re.escape(title)))
    idle(clerk)
    # The activities tab stays open when the saved message above the tabs goes away.
    fix = clerk.locator("[data-testid='stForm']").filter(has_text="更正活动")
    fix.get_by_role("textbox", name="活动名称").fill(fixed)
    fix.get_by_role("textbox", name="原因").fill("名称录错")
    fix.get_by_role("button", name="保存活动").click()
    expect(clerk.get_by_text("一体化活动已保存。")).to_be_visible(timeout=30_000)
    idle(clerk)
    assert _audit(demo_db, "integrated_activity")[-1] == ("update", "名称录错")
    assert t10_now() == before + 1

    clerk.get_by_role("tab", name="一体化活动").click()
    _choose(clerk, "新增或更正", re.compile(re.escape(fixed)))
    withdraw = clerk.locator("[data-testid='stForm']").filter(
        has=clerk.get_by_role("button", name="撤回这条记录")
    )
    withdraw.get_by_role("textbox", name="原因").fill("重复录入")
    withdraw.get_by_role("button", name="撤回这条记录").click()
    expect(clerk.get_by_text("已撤回。")).to_be_visible(timeout=30_000)
    idle(clerk)
    assert _audit(demo_db, "integrated_activity")[-1] == ("delete", "重复录入")
    assert t10_now() == before
    leader.close()
    desk.close()
