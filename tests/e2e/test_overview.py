"""The leader's overview and presentation mode at 1920×1080, as shown on a meeting-room screen."""

import re

from playwright.sync_api import Browser, expect

from tests.e2e.steps import go, idle, sign_in


def _signed_in_page(browser: Browser, app_url: str, username: str):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, app_url, username)
    return context, page


def test_overview_and_presentation_mode(browser: Browser, app_url, artifacts):
    context, page = _signed_in_page(browser, app_url, "leader")
    expect(page.get_by_role("heading", name="全区工作总览")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stMetric']")).to_have_count(6)
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("下一个代表联系选民日").first).to_be_visible()
    page.screenshot(path=str(artifacts / "overview_leader_zh.png"), full_page=True)

    go(page, "会议展示", "会议展示")
    page.get_by_role("spinbutton", name="每页停留（秒）").fill("5")
    page.get_by_role("button", name="开始展示").click()
    # A slide is drawn over the whole window (its box is fixed to the viewport).
    first = page.locator(".deck-slide[data-view='headline']")
    expect(first).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
    expect(first.locator("svg text").first).to_be_visible()
    page.screenshot(path=str(artifacts / "present_headline_zh.png"))
    # Without any click, the next view replaces the first within its interval.
    second = page.locator(".deck-slide[data-view='ranking']")
    expect(second).to_be_visible(timeout=30_000)
    expect(first).to_have_count(0)
    expect(second.get_by_text("2026年考评得分")).to_be_visible(timeout=20_000)
    page.screenshot(path=str(artifacts / "present_ranking_zh.png"))
    expect(page.locator(".deck-slide[data-view='heatmap']")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "present_heatmap_zh.png"))
    page.get_by_role("button", name="退出展示").click()
    expect(page.get_by_role("button", name="开始展示")).to_be_visible(timeout=30_000)
    context.close()


def test_clicking_a_unit_in_the_ranking_opens_its_scorecard(browser: Browser, app_url, artifacts):
    context, page = _signed_in_page(browser, app_url, "leader")
    chart = page.locator("[class*='st-key-overview_ranking'] .vega-embed").first
    expect(chart).to_be_visible(timeout=30_000)
    first_unit = page.locator(
        "[class*='st-key-overview_ranking'] canvas, [class*='st-key-overview_ranking'] svg.marks"
    ).first
    expect(first_unit).to_be_visible()
    idle(page)
    chart.scroll_into_view_if_needed()  # below the list of units that need a call
    box = chart.bounding_box()
    # The top bar is the first-ranked unit, just below the chart's two-line title.
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + 58)
    expect(page.get_by_role("heading", name="考评明细")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("第 1 / 14 名")).to_be_visible(timeout=30_000)
    # The first-ranked unit's facts (T05 applies to towns and sub-districts alike: which unit
    # leads depends on the day the demo data are read as of).
    expect(page.get_by_text(re.compile(r"^T05 开展监督活动：完成 \d+ / \d+ → "))).to_be_visible()
    page.screenshot(path=str(artifacts / "scorecard_leader_zh.png"), full_page=True)
    context.close()


def test_a_unit_that_needs_a_call_opens_its_task_list(browser: Browser, app_url, artifacts):
    """The overview lists every unit that needs a call; a row opens that unit's ten tasks."""
    context, page = _signed_in_page(browser, app_url, "leader")
    calls = page.locator("[class*='st-key-overview_calls']")
    expect(calls).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="需要督促的单位")).to_be_visible()
    idle(page)
    page.screenshot(path=str(artifacts / "overview_calls_zh.png"), full_page=True)
    heading = page.get_by_role("heading", name="本单位十项任务")
    # The first row's selection box: left of the first column, one row below the header. The
    # table is drawn on a canvas, so the click goes to a point; a click that lands while the
    # screen is still rerunning can be dropped: click again.
    for _ in range(3):
        calls.scroll_into_view_if_needed()
        idle(page)
        box = calls.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        try:
            expect(heading).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            continue
    expect(heading).to_be_visible(timeout=30_000)
    idle(page)
    page.screenshot(path=str(artifacts / "township_from_call_zh.png"), full_page=True)
    context.close()
