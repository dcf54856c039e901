"""In the browser, as the clerk of 新庄镇: a meeting, a contact day and a visit are entered,
corrected with a reason and withdrawn; after each step the task list and the audit log say so.
A double click on a save button makes one record."""

import re
from datetime import date, timedelta

from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import select

from models import AuditLog, ContactDay, Meeting, Township, Visit
from models.db import session_scope
from services import rules
from services.task_status import contact_day_planned
from tests.e2e.steps import go, idle, sign_in

CLERK, CODE = "clerk05", "xinzhuang"  # the 5th unit of seed/units.toml
SIZE = {"width": 1440, "height": 2400}


def _unit(url: str) -> int:
    with session_scope(url) as session:
        return session.exec(select(Township.id).where(Township.code == CODE)).one()


def _log(url: str, entity: str, entity_id: int) -> list[tuple[str, str | None]]:
    with session_scope(url) as session:
        return list(
            session.exec(
                select(AuditLog.action, AuditLog.reason)
                .where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
                .order_by(AuditLog.id)
            ).all()
        )


def _caption(page: Page, code: str) -> str:
    """The measure of ``code`` on the clerk's task screen."""
    go(page, "本单位任务", "本单位十项任务")
    card = page.locator(f".st-key-checklist_task_{code}")
    expect(card).to_contain_text(code, timeout=30_000)
    return card.locator("[data-testid='stCaptionContainer']").first.inner_text()


def _count_done(caption: str) -> int:
    """The first figure of a task's measure: meetings held (T02), months met (T07)."""
    return int(re.search(r"(\d+)", caption).group(1))


def _form(page: Page, text: str) -> Locator:
    return page.locator("[data-testid='stForm']").filter(has_text=text).first


def _type_date(page: Page, form: Locator, label: str, day: date) -> None:
    # The date field is a row of spin buttons (year, month, day); typing fills one and moves on.
    form.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(f"{day.year:04d}")
    form.get_by_role("spinbutton", name=f"month, {label}").click()
    page.keyboard.type(f"{day.month:02d}")
    form.get_by_role("spinbutton", name=f"day, {label}").click()
    page.keyboard.type(f"{day.day:02d}")
    page.keyboard.press("Escape")  # close the calendar the field opened


def _choose(page: Page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label)
    idle(page)
    for _ in range(3):  # a choice made while the app still reruns can be dropped: choose again
        box.click()
        page.get_by_role("option", name=option).first.click()
        try:
            expect(box).to_have_value(option, timeout=10_000)
            idle(page)
            return
        except AssertionError:
            continue
    expect(box).to_have_value(option)


def _withdraw(page: Page, reason: str) -> None:
    form = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name="撤回这条记录")
    )
    form.get_by_role("textbox", name="原因").fill(reason)
    form.get_by_role("button", name="撤回这条记录").click()
    expect(page.get_by_text("已撤回。")).to_be_visible(timeout=30_000)
    idle(page)


def _zh(day: date) -> str:
    """A date as the Chinese screens write it."""
    return f"{day.year}年{day.month}月{day.day}日"


def _saturday_before(day: date, weeks: int = 0) -> date:
    # The demo data dates official business on working days only, so a weekend day is free.
    return day - timedelta(days=(day.weekday() - 5) % 7 + 7 * weeks)


def test_a_meeting_is_entered_corrected_and_withdrawn(
    browser: Browser, app_url, demo_db, artifacts
):
    page = browser.new_context(viewport=SIZE, locale="zh-CN").new_page()
    sign_in(page, app_url, CLERK)
    held_before = _count_done(_caption(page, "T02"))
    held = _saturday_before(date.today(), weeks=1)

    go(page, "会议与监督活动录入", "会议和监督活动登记")
    form = _form(page, "会议信息")
    _type_date(page, form, "召开日期 *", held)
    form.get_by_role("textbox", name="会议名称").fill("新庄镇人大主席团会议（待更正）")
    form.get_by_role("textbox", name="会前调研情况").fill("走访了三个村")
    form.get_by_role("textbox", name="监督议题（每行一个）").fill("听取关于垃圾分类的报告")
    form.get_by_role("button", name="保存会议").click()
    # Without deliberation and follow-up the meeting will not count for T03: said before saving.
    expect(page.get_by_text("这次会议不计入任务T03").first).to_be_visible(timeout=30_000)
    idle(page)
    page.screenshot(path=str(artifacts / "forms_meeting_warning_zh.png"), full_page=True)
    form.get_by_text("我已知悉以上提示，仍要保存").click()
    expect(form.get_by_role("checkbox", name="我已知悉以上提示，仍要保存")).to_be_checked()
    form.get_by_role("button", name="保存会议").click()
    expect(page.get_by_text("会议已保存。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(demo_db) as session:
        meeting = session.exec(
            select(Meeting).where(Meeting.title == "新庄镇人大主席团会议（待更正）")
        ).one()
    assert meeting.held_on == held and meeting.research == "走访了三个村"
    assert _log(demo_db, "meeting", meeting.id) == [("create", None)]
    assert _count_done(_caption(page, "T02")) == held_before + 1

    # Correct it: the date a week earlier, the title, the missing parts of its record.
    go(page, "会议与监督活动录入", "会议和监督活动登记")
    page.get_by_role("tab", name="本年度记录").click()
    idle(page)
    _choose(page, "选择会议", f"{_zh(held)} 主席团会议 新庄镇人大主席团会议（待更正）")
    fix = _form(page, "类型录错的会议请撤回后重新登记")
    expect(fix.get_by_role("textbox", name="会议名称")).to_have_value(
        "新庄镇人大主席团会议（待更正）"
    )
    earlier = held - timedelta(days=7)
    _type_date(page, fix, "召开日期 *", earlier)
    fix.get_by_role("textbox", name="会议名称").fill("新庄镇人大主席团第五次会议")
    fix.get_by_role("textbox", name="会中审议情况").fill("审议了垃圾分类工作报告")
    fix.get_by_role("textbox", name="会后督办情况").fill("意见交办镇政府")
    fix.get_by_role("textbox", name="原因").fill("补录审议和督办，改正日期")
    page.screenshot(path=str(artifacts / "forms_meeting_correct_zh.png"), full_page=True)
    fix.get_by_role("button", name="保存更正").click()
    expect(page.get_by_text("已更正。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(demo_db) as session:
        fixed = session.get(Meeting, meeting.id)
    assert (fixed.held_on, fixed.title) == (earlier, "新庄镇人大主席团第五次会议")
    assert _log(demo_db, "meeting", meeting.id) == [
        ("create", None),
        ("update", "补录审议和督办，改正日期"),
    ]
    assert _count_done(_caption(page, "T02")) == held_before + 1

    # Withdraw it.
    go(page, "会议与监督活动录入", "会议和监督活动登记")
    page.get_by_role("tab", name="本年度记录").click()
    idle(page)
    _choose(page, "选择会议", f"{_zh(earlier)} 主席团会议 新庄镇人大主席团第五次会议")
    _withdraw(page, "重复登记")
    with session_scope(demo_db) as session:
        assert session.get(Meeting, meeting.id) is None
    assert _log(demo_db, "meeting", meeting.id)[-1] == ("delete", "重复登记")
    assert _count_done(_caption(page, "T02")) == held_before
    page.context.close()


def _month_without_contact_day(url: str) -> date:
    """The planned day of a month of this year, already past, that has no contact day."""
    today = date.today()
    with session_scope(url) as session:
        rule = rules.get_rules(session, today.year).contact_day
        held = set(
            session.exec(
                select(ContactDay.held_on).where(ContactDay.township_id == _unit(url))
            ).all()
        )
    for month in range(today.month - 1, 0, -1):
        planned = contact_day_planned(rule, today.year, month)
        if planned < today and not any((d.year, d.month) == (today.year, month) for d in held):
            return planned
    raise AssertionError("every month of the demo has its contact day")


def test_a_contact_day_is_entered_corrected_and_withdrawn(
    browser: Browser, app_url, demo_db, artifacts
):
    page = browser.new_context(viewport=SIZE, locale="zh-CN").new_page()
    sign_in(page, app_url, CLERK)
    held = _month_without_contact_day(demo_db)
    met_before = _count_done(_caption(page, "T07"))

    go(page, "联系选民日与走访通报", "联系选民日与一访双通报")
    form = _form(page, "登记联系选民日")
    _type_date(page, form, "举行日期 *", held)
    form.get_by_text("全体代表参加").click()
    expect(form.get_by_role("checkbox", name="全体代表参加")).to_be_checked()
    form.get_by_role("spinbutton", name="接待选民（人次）").fill("42")
    form.get_by_role("spinbutton", name="收集意见建议（条）").fill("1")
    form.get_by_role("textbox", name="意见摘要").fill("村口路灯不亮")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("的联系选民日。").first).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(demo_db) as session:
        day = session.exec(
            select(ContactDay).where(
                ContactDay.township_id == _unit(demo_db), ContactDay.held_on == held
            )
        ).one()
    assert day.voters_met == 42
    assert _log(demo_db, "contact_day", day.id) == [("create", None)]
    assert _count_done(_caption(page, "T07")) == met_before + 1

    go(page, "联系选民日与走访通报", "联系选民日与一访双通报")
    _choose(page, "联系选民日", _zh(held))
    fix = _form(page, "保存更正")
    fix.get_by_role("spinbutton", name="接待选民（人次）").fill("24")
    fix.get_by_role("textbox", name="原因").fill("人次录反了")
    page.screenshot(path=str(artifacts / "forms_contact_correct_zh.png"), full_page=True)
    fix.get_by_role("button", name="保存更正").click()
    expect(page.get_by_text("已更正。")).to_be_visible(timeout=30_000)
    idle(page)
    with session_scope(demo_db) as session:
        assert session.get(ContactDay, day.id).voters_met == 24
    assert _log(demo_db, "contact_day", day.id)[-1] == ("update", "人次录反了")
    assert _count_done(_caption(page, "T07")) == met_before + 1

    go(page, "联系选民日与走访通报", "联系选民日与一访双通报")
    _choose(page, "联系选民日", _zh(held))
    _withdraw(page, "误登")
    with session_scope(demo_db) as session:
        assert session.get(ContactDay, day.id) is None
    assert _log(demo_db, "contact_day", day.id)[-1] == ("delete", "误登")
    assert _count_done(_caption(page, "T07")) == met_before
    page.context.close()


def _visits(url: str, note: str) -> list[Visit]:
    with session_scope(url) as session:
        return list(session.exec(select(Visit).where(Visit.note == note)).all())


def _t09_visits(page: Page) -> int:
    """Visits of the second half-year as the visits tab's T09 line counts them."""
    line = page.locator("[data-testid='stCaptionContainer']").filter(has_text="下半年").first
    return int(re.search(r"下半年：走访 (\d+) 次", line.inner_text()).group(1))


def test_a_double_click_saves_one_visit_which_is_corrected_and_withdrawn(
    browser: Browser, app_url, demo_db, artifacts
):
    page = browser.new_context(viewport=SIZE, locale="zh-CN").new_page()
    sign_in(page, app_url, CLERK)
    go(page, "联系选民日与走访通报", "联系选民日与一访双通报")
    page.get_by_role("tab", name="走访").click()
    idle(page)
    before = _t09_visits(page)
    form = _form(page, "走访对象")
    form.get_by_role("spinbutton", name="走访人数").fill("3")
    form.get_by_role("textbox", name="备注").fill("双击保存的走访")
    form.get_by_role("button", name="保存").dblclick()
    expect(page.get_by_text("的走访。").first).to_be_visible(timeout=30_000)
    idle(page)
    (visit,) = _visits(demo_db, "双击保存的走访")
    assert _log(demo_db, "visit", visit.id) == [("create", None)]
    # The form is empty again.
    expect(form.get_by_role("textbox", name="备注")).to_have_value("")
    page.get_by_role("tab", name="走访").click()
    idle(page)
    assert _t09_visits(page) == before + 1
    option = f"{_zh(visit.held_on)} 走访代表 双击保存的走访"

    _choose(page, "选择走访", option)
    fix = _form(page, "保存更正")
    fix.get_by_role("spinbutton", name="走访人数").fill("5")
    fix.get_by_role("textbox", name="原因").fill("人数录错")
    fix.get_by_role("button", name="保存更正").click()
    expect(page.get_by_text("已更正。")).to_be_visible(timeout=30_000)
    idle(page)
    assert _visits(demo_db, "双击保存的走访")[0].people_visited == 5
    assert _log(demo_db, "visit", visit.id)[-1] == ("update", "人数录错")

    page.get_by_role("tab", name="走访").click()
    idle(page)
    _choose(page, "选择走访", option)
    _withdraw(page, "误登")
    assert _visits(demo_db, "双击保存的走访") == []
    assert _log(demo_db, "visit", visit.id)[-1] == ("delete", "误登")
    page.get_by_role("tab", name="走访").click()
    idle(page)
    assert _t09_visits(page) == before
    page.context.close()


def test_an_over_long_paste_is_kept_and_refused(browser: Browser, app_url, artifacts):
    context = browser.new_context(
        viewport=SIZE, locale="zh-CN", permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    sign_in(page, app_url, CLERK)
    go(page, "会议与监督活动录入", "会议和监督活动登记")
    form = _form(page, "会议信息")
    title = form.get_by_role("textbox", name="会议名称")
    long = "很长的会议名称" * 40  # 280 characters; a title takes at most 200
    page.evaluate("(text) => navigator.clipboard.writeText(text)", long)
    title.click()
    page.keyboard.press("Control+V")
    # The paste is kept whole (no box limit cuts it or empties it) ...
    expect(title).to_have_value(long)
    form.get_by_role("button", name="保存会议").click()
    # ... and refused with a message; the text stays for the clerk to shorten.
    expect(page.get_by_text("会议名称最多200个字。")).to_be_visible(timeout=30_000)
    idle(page)
    expect(title).to_have_value(long)
    page.screenshot(path=str(artifacts / "forms_meeting_too_long_zh.png"), full_page=True)
    context.close()
