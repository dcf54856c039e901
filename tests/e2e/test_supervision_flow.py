"""In the browser: a clerk opens a supervision item, advances it to feedback and closes it; the
board's counts and the unit's T06 follow. A leader sees the district board in both languages."""

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import func, select

from models import SupervisionItem
from models.db import session_scope
from services import rules as rules_service
from services.checklist import checklist_status
from services.permissions import SYSTEM
from services.supervision import STAGES
from services.supervision_reads import list_sources
from tests.e2e.steps import go, idle, sign_in
from ui.format import day

CLERK, UNIT = "clerk05", "新庄镇"  # the 5th unit of seed/units.toml


def _metric(page: Page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']").get_by_text(label, exact=True)
    )
    value = box.locator("[data-testid='stMetricValue']")
    expect(value).to_have_count(1, timeout=30_000)
    return value.inner_text().strip()


def _fraction(text: str) -> tuple[int, int]:
    n, d = re.search(r"(\d+)/(\d+)", text).groups()
    return int(n), int(d)


def _checklist_t06(db_url: str, township_code: str) -> tuple[int, int]:
    from models import Township

    with session_scope(db_url) as session:
        tid = session.exec(select(Township.id).where(Township.code == township_code)).one()
        task = checklist_status(session, date.today().year, date.today(), [tid]).unit(tid)
        t06 = task.task("T06")
        return t06.numerator or 0, t06.denominator or 0


def _oldest_source_label(db_url: str, township_code: str) -> str:
    """The label of the unit's oldest source of the default kind (topics, for a town)."""
    from models import Township

    with session_scope(db_url) as session:
        tid = session.exec(select(Township.id).where(Township.code == township_code)).one()
        options = list_sources(session, SYSTEM, township_id=tid, year=date.today().year)
    oldest = [o for o in options if o.kind == options[0].kind][-1]
    return f"{day(oldest.held_on, 'zh')} · {oldest.title}"


def _shot(page: Page, path) -> None:
    """A screenshot of the whole screen: Streamlit scrolls inside its main block, not the page."""
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(height + 60, 8000)})
    idle(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def _saved(page: Page, stage: str) -> None:
    expect(page.get_by_text(f"已保存，事项现处于“{stage}”。")).to_be_visible(timeout=30_000)
    idle(page)


def test_clerk_closes_an_item_and_the_board_and_t06_follow(
    page: Page, app_url, artifacts, tmp_path_factory
):
    db_url = f"sqlite:///{next(tmp_path_factory.getbasetemp().glob('e2e*/app.db'))}"
    sign_in(page, app_url, CLERK)
    go(page, "监督事项看板", "监督事项看板")
    before = {k: _metric(page, k) for k in ("事项总数", "已办结", "T06 闭环完成率")}
    t06_before = _checklist_t06(db_url, "xinzhuang")

    go(page, "监督事项办理", "监督事项办理")
    # The oldest source of the default kind, so that the item is due for T06 when possible.
    oldest = _oldest_source_label(db_url, "xinzhuang")
    source = page.get_by_role("combobox", name="选择来源")
    # A list opened while the screen still redraws can close under the typing: open it again.
    for _ in range(3):
        idle(page)
        source.click()
        source.fill(oldest)
        try:
            expect(page.get_by_role("option", name=oldest)).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    page.keyboard.press("Enter")  # the one option left by the filter
    expect(source).to_have_value(oldest)
    # The name field takes the source's title once the server has run with the choice.
    opening = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name="立项", exact=True)
    )
    name = opening.get_by_role("textbox", name="事项名称")
    expect(name).to_have_value(oldest.split(" · ", 1)[1], timeout=30_000)
    idle(page)
    opening.get_by_role("textbox", name="责任单位").fill("新庄镇城建办")
    page.get_by_role("button", name="立项", exact=True).click()
    expect(page.get_by_text("已立项，事项进入“调查研究”环节。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(db_url) as session:
        item = session.get(
            SupervisionItem, session.exec(select(func.max(SupervisionItem.id))).one()
        )
        opened_on, title = item.opened_on, item.title
    expect(page.get_by_role("combobox", name="选择在办事项")).to_have_value(
        re.compile("^" + re.escape(title))
    )

    steps = [
        ("调查研究", "调研报告：走访 6 个村", "审议审查"),
        ("审议审查", "主席团审议意见书", "交办督办"),
        ("交办督办", "镇城建办办理答复", "跟踪问效"),
        ("跟踪问效", "跟踪督办记录", "反馈评价"),
    ]
    # The move form comes first on the screen, above the form that opens items.
    move = page.locator("[data-testid='stForm']").first
    for stage, evidence, nxt in steps:
        move.get_by_role("textbox", name=f"“{stage}”环节佐证材料").fill(evidence)
        move.get_by_role("textbox", name="责任单位").fill("新庄镇城建办")
        move.get_by_role("button", name="推进", exact=True).click()
        _saved(page, nxt)

    page.get_by_role("textbox", name="“反馈评价”环节佐证材料").fill("满意度测评表")
    page.get_by_role("radiogroup", name="评价结果").get_by_text("满意", exact=True).click()
    page.get_by_role("spinbutton", name="参评人数（代表和选民）").fill("24")
    answer = page.get_by_role("textbox", name="向选民的反馈答复")
    if answer.count():
        answer.fill("已当面答复提出意见的选民")
    page.get_by_role("button", name="保存评价").click()
    _saved(page, "已办结")
    _shot(page, artifacts / "supervision_items_clerk05_zh.png")

    go(page, "监督事项看板", "监督事项看板")
    expect(page.locator("[data-testid='stMetric']").first).to_be_visible()
    assert int(_metric(page, "事项总数")) == int(before["事项总数"]) + 1
    assert int(_metric(page, "已办结")) == int(before["已办结"]) + 1
    # T06 counts an item once the first four stages' days have run from its opening.
    with session_scope(db_url) as session:
        limits = rules_service.get_rules(session, date.today().year).supervision.stage_deadline_days
    due = opened_on + timedelta(days=sum(limits[s] for s in STAGES[:-1])) <= date.today()
    n, d = _fraction(before["T06 闭环完成率"])
    expected = (n + 1, d + 1) if due else (n, d)
    assert _fraction(_metric(page, "T06 闭环完成率")) == expected
    assert _checklist_t06(db_url, "xinzhuang") == (
        (t06_before[0] + 1, t06_before[1] + 1) if due else t06_before
    )
    expect(page.get_by_text(UNIT).first).to_be_visible()
    _shot(page, artifacts / "supervision_board_clerk05_zh.png")

    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Supervision board")).to_be_visible(timeout=30_000)
    idle(page)
    _shot(page, artifacts / "supervision_board_clerk05_en.png")


def test_leader_sees_the_district_board_in_both_languages(page: Page, app_url, artifacts):
    sign_in(page, app_url, "leader")
    go(page, "监督事项看板", "监督事项看板")
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(3, timeout=30_000)
    assert int(_metric(page, "事项总数")) > 0
    _shot(page, artifacts / "supervision_board_leader_zh.png")
    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Supervision board")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(3, timeout=30_000)
    _shot(page, artifacts / "supervision_board_leader_en.png")


def _audit(db_url: str, entity: str, entity_id: int) -> list[tuple[str, str | None]]:
    from models import AuditLog

    with session_scope(db_url) as session:
        rows = session.exec(
            select(AuditLog.action, AuditLog.reason)
            .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
            .order_by(AuditLog.id)
        ).all()
    return [(str(a), r) for a, r in rows]


def _board_total(page: Page) -> int:
    go(page, "监督事项看板", "监督事项看板")
    return int(_metric(page, "事项总数"))


def test_clerk_enters_corrects_and_withdraws_an_item(page: Page, app_url, tmp_path_factory):
    from models import SupervisionStageEvent

    db_url = f"sqlite:///{next(tmp_path_factory.getbasetemp().glob('e2e*/app.db'))}"
    sign_in(page, app_url, CLERK)
    total = _board_total(page)
    go(page, "监督事项办理", "监督事项办理")

    # Open an item with a double click: one item, opened today, with its responsible unit.
    opening = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name="立项", exact=True)
    )
    title = f"浏览器更正检验{date.today():%m%d}"
    opening.get_by_role("textbox", name="事项名称").fill(title)
    opening.get_by_role("textbox", name="责任单位").fill("新庄镇城建办")
    opening.get_by_role("button", name="立项", exact=True).dblclick()
    expect(page.get_by_text("已立项，事项进入“调查研究”环节。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(db_url) as session:
        items = session.exec(select(SupervisionItem).where(SupervisionItem.title == title)).all()
    assert len(items) == 1
    item = items[0]
    assert (item.opened_on, item.responsible_unit) == (date.today(), "新庄镇城建办")
    assert _audit(db_url, "supervision_item", item.id) == [("create", None)]
    assert _board_total(page) == total + 1

    # Move it on with a double click: one move; the next stage's form is empty.
    go(page, "监督事项办理", "监督事项办理")
    expect(page.get_by_role("combobox", name="选择在办事项")).to_have_value(
        re.compile("^" + re.escape(title))
    )
    move = page.locator("[data-testid='stForm']").first
    move.get_by_role("textbox", name="“调查研究”环节佐证材料").fill("调研报告：走访 3 个村")
    move.get_by_role("button", name="推进", exact=True).dblclick()
    _saved(page, "审议审查")
    with session_scope(db_url) as session:
        events = session.exec(
            select(func.count(SupervisionStageEvent.id)).where(
                SupervisionStageEvent.item_id == item.id
            )
        ).one()
        assert events == 2
        assert session.get(SupervisionItem, item.id).stage == "deliberation"
    expect(
        page.locator("[data-testid='stForm']").first.get_by_role(
            "textbox", name="“审议审查”环节佐证材料"
        )
    ).to_have_value("")

    # Correct its title, with a reason.
    pick = page.get_by_role("combobox", name="选择事项")
    pick.click()
    pick.fill(title)
    page.keyboard.press("Enter")
    idle(page)
    fix = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_text("更正事项", exact=True)
    )
    expect(fix).to_have_count(1, timeout=30_000)  # the form of the item chosen before is gone
    # While the rerun draws the chosen item's form, the earlier item's fields may still stand
    # beside the new ones: wait for one title field, then read it.
    expect(fix.get_by_role("textbox", name="事项名称")).to_have_count(1, timeout=30_000)
    expect(fix.get_by_role("textbox", name="事项名称")).to_have_value(title, timeout=30_000)
    idle(page)
    fix.get_by_role("textbox", name="事项名称").fill(title + "（更正）")
    fix.get_by_role("textbox", name="原因").fill("名称录错")
    fix.get_by_role("button", name="更正").click()
    expect(page.get_by_text("已更正。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(db_url) as session:
        assert session.get(SupervisionItem, item.id).title == title + "（更正）"
    assert _audit(db_url, "supervision_item", item.id)[-1] == ("update", "名称录错")

    # Withdraw the latest stage entry: the item steps back to investigation.
    withdraw_entry = (
        page.locator("[data-testid='stForm']").filter(has=page.get_by_text("撤回“")).first
    )
    withdraw_entry.get_by_role("textbox", name="原因").fill("推进错了")
    withdraw_entry.get_by_role("button", name="撤回这条记录").click()
    expect(page.get_by_text("已撤回该办理记录，事项现处于“调查研究”。")).to_be_visible(
        timeout=30_000
    )
    idle(page)
    with session_scope(db_url) as session:
        assert session.get(SupervisionItem, item.id).stage == "investigation"

    # Withdraw the item itself: it leaves the board's figures.
    page.locator("[data-testid='stForm']").filter(has=page.get_by_text("撤回“")).get_by_role(
        "textbox", name="原因"
    ).fill("重复立项")
    page.get_by_role("button", name="撤回这条记录").click()
    expect(page.get_by_text("事项已撤回。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(db_url) as session:
        assert session.get(SupervisionItem, item.id) is None
    assert _audit(db_url, "supervision_item", item.id)[-1] == ("delete", "重复立项")
    assert _board_total(page) == total
