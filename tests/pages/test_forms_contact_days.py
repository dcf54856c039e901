"""The contact-day, visit and notification forms a clerk can trust: what is typed is what is
stored or refused with a message in the user's language, one save makes one record, what T07
will not count is said before saving, and a saved record is corrected or withdrawn with a
reason.

Writes go into 新庄镇 (clerk05) on dates the demo data never uses (contact days are on the
20th or its nearest working day there); assertions compare before with after.
"""

from datetime import date

import pytest
from sqlmodel import func, select

from models import (
    AuditLog,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Notification,
    Township,
    Visit,
)
from models.db import session_scope
from models.enums import DeputyLevel
from tests.pages.apptest import no_exceptions, signed_in

PAGE = "pages/contact_days.py"
CLERK = "clerk05"
FUTURE = {
    "zh": "日期不能晚于今天（2026-11-27）。",
    "en": "The date cannot be later than today (2026-11-27).",
}


def _open(lang: str = "zh"):
    at = signed_in(CLERK, lang)
    at.run()
    at.switch_page(PAGE)
    at.run()
    no_exceptions(at)
    return at


def _unit(url: str) -> int:
    with session_scope(url) as session:
        return session.exec(select(Township.id).where(Township.code == "xinzhuang")).one()


def _deputies(url: str) -> list[int]:
    """The unit's township deputies, whom a town's contact day expects."""
    with session_scope(url) as session:
        return list(
            session.exec(
                select(Deputy.id)
                .where(
                    Deputy.township_id == _unit(url),
                    Deputy.level == DeputyLevel.township,
                    Deputy.active,
                )
                .order_by(Deputy.id)
            ).all()
        )


def _rows(url: str, model, **where) -> list:
    with session_scope(url) as session:
        query = select(model).where(model.township_id == _unit(url))
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.exec(query).all())


def _submit(at, form_id: str):
    next(b for b in at.button if b.form_id == form_id).click().run()
    no_exceptions(at)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_future_contact_day_is_refused_not_stored_as_today(app_env, lang):
    before = len(_rows(app_env, ContactDay))
    at = _open(lang)
    at.date_input(key="linkage_contact_date").set_value(date(2027, 1, 15))
    at.checkbox(key="linkage_contact_everyone").check()
    _submit(at, "linkage_contact_form")
    assert [e.value for e in at.error] == [FUTURE[lang]]
    assert len(_rows(app_env, ContactDay)) == before
    assert at.date_input(key="linkage_contact_date").value == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("lang", "field", "message"),
    [
        ("zh", "linkage_contact_voters", "接待选民人次：不能为负数。"),
        ("en", "linkage_contact_voters", "Voters met: Must not be negative."),
        ("zh", "linkage_contact_opinions_count", "收集意见条数：不能为负数。"),
        ("en", "linkage_contact_opinions_count", "Opinions collected: Must not be negative."),
    ],
)
def test_a_negative_count_is_refused_with_a_message(app_env, lang, field, message):
    before = len(_rows(app_env, ContactDay))
    at = _open(lang)
    at.date_input(key="linkage_contact_date").set_value(date(2026, 6, 6))
    at.checkbox(key="linkage_contact_everyone").check()
    at.number_input(key=field).set_value(-3)
    _submit(at, "linkage_contact_form")
    assert [e.value for e in at.error] == [message]
    assert at.number_input(key=field).value == -3
    assert len(_rows(app_env, ContactDay)) == before


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh", "情况摘要：内容过长，最多 2000 个字。"),
        ("en", "Summary: Too long: at most 2000 characters."),
    ],
)
def test_an_over_long_summary_is_kept_and_refused(app_env, lang, message):
    at = _open(lang)
    at.date_input(key="linkage_contact_date").set_value(date(2026, 6, 6))
    at.checkbox(key="linkage_contact_everyone").check()
    at.text_area(key="linkage_contact_summary").input("长" * 2001)
    _submit(at, "linkage_contact_form")
    assert [e.value for e in at.error] == [message]
    assert at.text_area(key="linkage_contact_summary").value == "长" * 2001


def test_required_fields_look_required(app_env):
    at = _open("zh")
    assert at.date_input(key="linkage_contact_date").label == "举行日期 *"
    assert at.multiselect(key="linkage_contact_deputies").label == "参加的代表 *"
    assert at.text_input(key="linkage_notice_title").label == "通报标题 *"
    at.date_input(key="linkage_contact_date").set_value(date(2026, 6, 6))
    _submit(at, "linkage_contact_form")
    assert [e.value for e in at.error] == ["请至少选择一名参加的代表。"]


def test_a_thin_off_day_second_contact_day_is_flagged_then_corrected_and_withdrawn(app_env):
    people = _deputies(app_env)
    n = len(people)
    before = _rows(app_env, ContactDay)
    # A month whose contact day the demo holds; the 3rd of it is no contact day.
    held = min(d.held_on for d in before if d.held_on.year == 2026)
    off_day = held.replace(day=3)
    at = _open("zh")
    at.date_input(key="linkage_contact_date").set_value(off_day)
    at.multiselect(key="linkage_contact_deputies").set_value(people[:5])
    at.number_input(key="linkage_contact_voters").set_value(30)
    _submit(at, "linkage_contact_form")
    assert not at.error and len(_rows(app_env, ContactDay)) == len(before)
    warnings = [w.value for w in at.warning]
    share = round(5 / n * 100)
    assert f"参加代表 5/{n} 名（{share}%），低于本年度规则要求的 80%：这次不计入任务T07。" in (
        warnings
    )
    assert any(w.startswith("这一天不是规则允许的联系选民日（本月为 ") for w in warnings)
    second = f"本月已登记过联系选民日（{held.year}年{held.month}月{held.day}日），这是本月的第二次"
    assert any(w.startswith(second) for w in warnings), warnings
    at.checkbox(key="linkage_contact_form_confirm").check()
    _submit(at, "linkage_contact_form")
    assert [s.value for s in at.success] == [
        f"已登记{off_day.year}年{off_day.month}月{off_day.day}日的联系选民日。"
    ]
    (saved,) = _rows(app_env, ContactDay, held_on=off_day)
    assert saved.voters_met == 30
    # The form is empty: the same click again saves nothing.
    assert at.multiselect(key="linkage_contact_deputies").value == []
    _submit(at, "linkage_contact_form")
    assert len(_rows(app_env, ContactDay)) == len(before) + 1

    at.selectbox(key="linkage_fix_contact_pick").set_value(saved.id)
    at.run()
    form = f"linkage_fix_contact_{saved.id}"
    assert at.multiselect(key=f"{form}_deputies").value == people[:5]
    assert at.number_input(key=f"{form}_voters").value == 30
    at.checkbox(key=f"{form}_everyone").check()
    at.text_input(key=f"{form}_reason").input("漏登参加代表")
    _submit(at, form)
    # Still off its day and the second of July: the clerk confirms again.
    at.checkbox(key=f"{form}_confirm").check()
    _submit(at, form)
    assert "已更正。" in [s.value for s in at.success]
    with session_scope(app_env) as session:
        taking_part = session.exec(
            select(func.count(ContactDayParticipant.id)).where(
                ContactDayParticipant.contact_day_id == saved.id
            )
        ).one()
        log = session.exec(
            select(AuditLog)
            .where(AuditLog.entity == "contact_day", AuditLog.entity_id == saved.id)
            .order_by(AuditLog.id.desc())
        ).first()
    assert taking_part == n
    assert (log.action, log.reason) == ("update", "漏登参加代表")
    assert len(log.before["deputy_ids"]) == 5 and len(log.after["deputy_ids"]) == n

    at.text_input(key=f"linkage_withdraw_contact_{saved.id}_reason").input("日期登记错误")
    _submit(at, f"linkage_withdraw_contact_{saved.id}")
    assert "已撤回。" in [s.value for s in at.success]
    assert _rows(app_env, ContactDay, id=saved.id) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_visit_and_notice_dates_in_the_future_are_refused(app_env, lang):
    visits, notes = len(_rows(app_env, Visit)), len(_rows(app_env, Notification))
    at = _open(lang)
    at.date_input(key="linkage_visit_date").set_value(date(2027, 1, 15))
    _submit(at, "linkage_visit_form")
    assert [e.value for e in at.error] == [FUTURE[lang]]
    at.date_input(key="linkage_notice_date").set_value(date(2027, 1, 15))
    at.text_input(key="linkage_notice_title").input("通报")
    _submit(at, "linkage_notice_form")
    assert FUTURE[lang] in [e.value for e in at.error]
    assert (len(_rows(app_env, Visit)), len(_rows(app_env, Notification))) == (visits, notes)


@pytest.mark.parametrize(("lang", "message"), [("zh", "至少为 1。"), ("en", "Must be at least 1.")])
def test_a_visit_with_no_one_visited_is_refused(app_env, lang, message):
    at = _open(lang)
    at.date_input(key="linkage_visit_date").set_value(date(2026, 6, 7))
    at.number_input(key="linkage_visit_people").set_value(-2)
    _submit(at, "linkage_visit_form")
    assert [e.value for e in at.error] == [message]
    assert at.number_input(key="linkage_visit_people").value == -2


def test_a_notification_is_corrected_and_withdrawn(app_env):
    at = _open("en")
    at.date_input(key="linkage_notice_date").set_value(date(2026, 6, 30))
    at.text_input(key="linkage_notice_title").input("上半年通报（草稿）")
    _submit(at, "linkage_notice_form")
    assert [s.value for s in at.success] == ["Notice of Jun 30, 2026 recorded."]
    assert at.text_input(key="linkage_notice_title").value == ""
    _submit(at, "linkage_notice_form")  # the same click again: nothing to save twice
    (note,) = _rows(app_env, Notification, title="上半年通报（草稿）")
    at.selectbox(key="linkage_fix_notice_pick").set_value(note.id)
    at.run()
    form = f"linkage_fix_notice_{note.id}"
    assert at.text_input(key=f"{form}_title").value == "上半年通报（草稿）"
    at.text_input(key=f"{form}_title").input("2026年上半年主席团工作通报")
    _submit(at, form)
    assert [e.value for e in at.error] == [
        "Reason: Please give the reason for the correction or withdrawal."
    ]
    at.text_input(key=f"{form}_reason").input("title was a draft")
    _submit(at, form)
    assert "Corrected." in [s.value for s in at.success]
    assert _rows(app_env, Notification, id=note.id)[0].title == "2026年上半年主席团工作通报"
    at.text_input(key=f"linkage_withdraw_notice_{note.id}_reason").input("entered by mistake")
    _submit(at, f"linkage_withdraw_notice_{note.id}")
    assert "Withdrawn." in [s.value for s in at.success]
    assert _rows(app_env, Notification, id=note.id) == []


@pytest.mark.parametrize(
    ("lang", "message"),
    [("zh", "走访人数：此项为必填项。"), ("en", "People visited: This field is required.")],
)
def test_an_untouched_visit_form_saves_nothing(app_env, lang, message):
    """The second click of a double click can arrive after the first save emptied the form: an
    empty form is refused with a message, never stored as a visit of one person."""
    visits = len(_rows(app_env, Visit))
    at = _open(lang)
    assert at.number_input(key="linkage_visit_people").value is None
    _submit(at, "linkage_visit_form")
    assert [e.value for e in at.error] == [message]
    assert len(_rows(app_env, Visit)) == visits
    # After a save the form is as untouched as at first.
    at.number_input(key="linkage_visit_people").set_value(4)
    at.text_input(key="linkage_visit_note").input(f"走访后清空（{lang}）")
    _submit(at, "linkage_visit_form")
    assert len(_rows(app_env, Visit)) == visits + 1
    assert at.number_input(key="linkage_visit_people").value is None
    _submit(at, "linkage_visit_form")
    assert [e.value for e in at.error] == [message]
    assert len(_rows(app_env, Visit)) == visits + 1
