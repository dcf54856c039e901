"""In the browser: a clerk's expense over the approval threshold is held back with the rule's
message and saved once the presidium approval is recorded; the leader's funding overview shows
its charts, violation list and rewards in both languages."""

import re
import uuid
from datetime import date
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlmodel import select

from models.db import session_scope
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
    # The meetings line exists: saving it again is a correction, with its reason.
    page.get_by_role("textbox", name="原因").first.fill("会议经费追加")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible(timeout=30_000)
    # The form shows the line as saved.
    expect(page.get_by_role("textbox", name=f"{year}年预算额（元）")).to_have_value("120000.00")
    idle(page)

    page.get_by_role("tab", name="录入支出").click()
    receipt = f"E2E{uuid.uuid4().hex[:16]}"
    page.get_by_role("textbox", name="金额（元）").fill("5000.01")
    page.get_by_role("textbox", name="收款方").fill("宿迁恒达文印部")
    page.get_by_role("textbox", name="用途 *", exact=True).fill("人代会会议材料印刷")
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


def _spent(page: Page) -> str:
    box = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']").get_by_text("已支出", exact=True)
    )
    value = box.locator("[data-testid='stMetricValue']")
    expect(value).to_have_count(1, timeout=30_000)
    return value.inner_text().strip()


def _yuan(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def _expense(db_url: str, receipt: str):
    from models import Expense

    with session_scope(db_url) as session:
        return session.exec(select(Expense).where(Expense.receipt_no == receipt)).all()


def _audit(db_url: str, entity_id: int) -> list[tuple[str, str | None]]:
    from models import AuditLog

    with session_scope(db_url) as session:
        rows = session.exec(
            select(AuditLog.action, AuditLog.reason)
            .where(AuditLog.entity == "expense", AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        ).all()
    return [(str(a), r) for a, r in rows]


def test_clerk_enters_corrects_and_withdraws_an_expense(page: Page, app_url, tmp_path_factory):
    db_url = f"sqlite:///{next(tmp_path_factory.getbasetemp().glob('e2e*/app.db'))}"
    sign_in(page, app_url, "clerk06")
    go(page, "经费使用", "本单位经费使用")
    spent = _yuan(_spent(page))

    # Entered with a double click: one expense.
    go(page, "预算与支出录入", "预算与支出录入")
    receipt = f"E2E{uuid.uuid4().hex[:16]}"
    page.get_by_role("textbox", name="金额（元）").fill("123.45")
    page.get_by_role("textbox", name="收款方").fill("宿迁恒达文印部")
    page.get_by_role("textbox", name="用途 *", exact=True).fill("代表小组活动资料印刷")
    page.get_by_role("textbox", name="票据号").fill(receipt)
    page.get_by_role("button", name="保存", exact=True).dblclick()
    expect(page.get_by_text(re.compile(r"已保存支出#\d+。"))).to_be_visible(timeout=30_000)
    idle(page)
    (row,) = _expense(db_url, receipt)
    assert row.amount_fen == 12345
    assert _audit(db_url, row.id) == [("create", None)]
    go(page, "经费使用", "本单位经费使用")
    assert _yuan(_spent(page)) == spent + Decimal("123.45")

    # Corrected to 200.00, with a reason.
    go(page, "预算与支出录入", "预算与支出录入")
    page.get_by_role("tab", name="本年支出").click()
    pick = page.get_by_role("combobox", name="选择已保存的支出")
    pick.click()
    pick.fill(f"#{row.id} ")
    page.keyboard.press("Enter")
    idle(page)
    fix = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name="保存更正")
    )
    expect(fix.get_by_role("textbox", name="金额（元）")).to_have_value("123.45")
    fix.get_by_role("textbox", name="金额（元）").fill("200.00")
    fix.get_by_role("textbox", name="原因").fill("金额录错")
    fix.get_by_role("button", name="保存更正").click()
    expect(page.get_by_text(f"已更正支出#{row.id}。")).to_be_visible(timeout=30_000)
    idle(page)
    (row,) = _expense(db_url, receipt)
    assert row.amount_fen == 20000
    assert _audit(db_url, row.id)[-1] == ("update", "金额录错")
    go(page, "经费使用", "本单位经费使用")
    assert _yuan(_spent(page)) == spent + Decimal("200.00")

    # Withdrawn, with a reason: it leaves the figures.
    go(page, "预算与支出录入", "预算与支出录入")
    page.get_by_role("tab", name="本年支出").click()
    pick = page.get_by_role("combobox", name="选择已保存的支出")
    pick.click()
    pick.fill(f"#{row.id} ")
    page.keyboard.press("Enter")
    idle(page)
    gone = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name="撤回这条记录")
    )
    gone.get_by_role("textbox", name="原因").fill("重复录入")
    gone.get_by_role("button", name="撤回这条记录").click()
    expect(page.get_by_text("支出已撤回。")).to_be_visible(timeout=30_000)
    idle(page)
    assert _expense(db_url, receipt) == []
    assert _audit(db_url, row.id)[-1] == ("delete", "重复录入")
    go(page, "经费使用", "本单位经费使用")
    assert _yuan(_spent(page)) == spent
