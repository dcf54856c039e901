"""In the browser: a clerk's expense over the approval threshold is held back with the rule's
message and saved once the presidium approval is recorded; the leader's funding overview shows
its charts, violation list and rewards in both languages."""

import re
import uuid
from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.steps import go, idle, sign_in


def _shot(page: Page, path) -> None:
    # The app scrolls inside its own container, so a tall window shows the whole screen.
    page.set_viewport_size({"width": 1440, "height": 2600})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def _charts_drawn(page: Page, n: int) -> None:
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts).to_have_count(n, timeout=30_000)
    for i in range(n):
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible(timeout=30_000)


def test_leader_overview_in_both_languages(page: Page, app_url, artifacts):
    sign_in(page, app_url, "leader")
    go(page, "经费使用", "全区乡镇人大经费保障")
    _charts_drawn(page, 3)
    expect(page.get_by_role("heading", name="违规清单")).to_be_visible()
    expect(page.get_by_text("F05 大额支出须经主席团审议").first).to_be_attached()
    expect(page.get_by_role("button", name="导出支出和违规清单（Excel）")).to_be_visible()
    _shot(page, artifacts / "funds_overview_leader_zh.png")

    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Funding of the township congresses")).to_be_visible(
        timeout=30_000
    )
    _charts_drawn(page, 3)
    expect(page.get_by_role("heading", name="Rule violations")).to_be_visible()
    # A choice drawn in Chinese is shown in English after the switch.
    expect(page.get_by_role("combobox", name="Units by category")).to_match_aria_snapshot(
        '- combobox "Units by category": All categories'
    )
    _shot(page, artifacts / "funds_overview_leader_en.png")


def test_clerk_needs_the_presidium_approval_over_the_threshold(page: Page, app_url, artifacts):
    year = date.today().year
    sign_in(page, app_url, "clerk06")
    go(page, "预算与支出录入", "预算与支出录入")

    # Room in the meetings budget first, so only the approval rule is in play.
    page.get_by_role("tab", name="年度预算").click()
    # Town meeting budgets are 30,000–60,000 in the demo data: 120,000 leaves room.
    page.get_by_role("textbox", name=f"{year}年预算额（元）").fill("120000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("textbox", name=f"{year}年预算额（元）")).to_have_value("")
    idle(page)

    page.get_by_role("tab", name="录入支出").click()
    receipt = f"E2E{uuid.uuid4().hex[:16]}"
    page.get_by_role("textbox", name="金额（元）").fill("5000.01")
    page.get_by_role("textbox", name="收款方").fill("宿迁恒达文印部")
    page.get_by_role("textbox", name="用途", exact=True).fill("人代会会议材料印刷")
    page.get_by_role("textbox", name="票据号").fill(receipt)
    page.get_by_role("button", name="保存").click()
    message = page.get_by_text(
        "单笔支出 ¥5,000.01 超过 ¥5,000.00，须记录主席团（工委）审议决定及文号。"
    )
    expect(message).to_be_visible(timeout=30_000)
    expect(page.get_by_text("这笔支出违反上述规则，未保存。", exact=False)).to_be_visible()
    _shot(page, artifacts / "funds_entry_clerk06_zh.png")
    idle(page)

    page.get_by_text("已经主席团（工委）审议").click()
    page.get_by_role("textbox", name="审议文号").fill("皂河镇人大主席团会议纪要〔2026〕9号")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(re.compile(r"已保存支出#\d+。"))).to_be_visible(timeout=30_000)
    expect(message).to_have_count(0)
    expect(page.get_by_role("textbox", name="票据号")).to_have_value("")
    page.get_by_role("tab", name="本年支出").click()
    expect(page.get_by_text(re.compile(r"共 \d+ 笔支出"))).to_be_visible()
    _shot(page, artifacts / "funds_entry_list_clerk06_zh.png")
    idle(page)

    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Budget and expense entry")).to_be_visible(
        timeout=30_000
    )
    idle(page)
    page.get_by_role("tab", name="Budget of the year").click()
    expect(page.get_by_role("textbox", name=f"Budget {year} (yuan)")).to_be_visible()
    _shot(page, artifacts / "funds_entry_budget_clerk06_en.png")
    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("中文").click()
    expect(page.get_by_role("heading", name="预算与支出录入")).to_be_visible(timeout=30_000)
    go(page, "经费使用", "本单位经费使用")
    _charts_drawn(page, 2)
    _shot(page, artifacts / "funds_overview_clerk06_zh.png")
