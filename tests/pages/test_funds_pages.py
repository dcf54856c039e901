"""Funding screens: they render for every role in both languages; a clerk's expense over the
approval threshold is refused with the rule's message and saved with the approval; a justified
exception shows in the leader's violation list; the budget form and the rule editor check input.

Writes go only to the units of clerk06 (皂河镇) and clerk12 (陆集街道), and assertions compare
before and after rather than demo totals.
"""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from models import Expense, RuleSet, UnitFigure
from models.db import session_scope
from models.figures import EVERY_UNIT
from services import clock, fund_reports, funds, rules, unit_figures, users
from services.errors import ValidationError
from services.fund_rules import LOST_WORK, violation_counts
from services.permissions import Actor
from tests.pages.apptest import (
    DEMO_AS_OF,
    DEMO_YEAR,
    no_exceptions,
    page_as,
    signed_in,
    visible_text,
)
from tests.unit.test_unit_figures import KINDS
from ui.i18n import error_text, t

PAGES = Path(__file__).resolve().parents[2] / "pages"
OVERVIEW = "pages/funds_overview.py"
ENTRY = "pages/funds_entry.py"


def _open(username: str, page: str, lang: str = "zh") -> AppTest:
    at = signed_in(username, lang)
    at.run()
    at.switch_page(page)
    at.run()
    no_exceptions(at)
    return at


def _actor(username: str) -> Actor:
    with session_scope() as session:
        return users.get_actor(session, username)


def _no_raw_keys(text: str) -> None:
    assert not re.search(r"\[[a-z_]+\.[a-z_.0-9A-Z]+\]", text), text


@pytest.mark.parametrize(
    ("username", "screen", "charts"),
    [
        ("leader", OVERVIEW, 3),
        ("admin", OVERVIEW, 3),
        ("clerk06", OVERVIEW, 2),
        ("clerk12", OVERVIEW, 2),
        ("clerk06", ENTRY, 0),
        ("admin", ENTRY, 0),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_funds_pages_render(app_env, username, screen, charts, lang):
    at = _open(username, screen, lang)
    title = at.title[0].value
    assert bool(re.search(r"[\u4e00-\u9fff]", title)) == (lang == "zh"), title
    _no_raw_keys(visible_text(at))
    assert len(at.get("vega_lite_chart")) == charts
    if screen == OVERVIEW:
        assert t("funds.overview.rewards", lang) in visible_text(at)
        assert all(m.value for m in at.metric)


def test_the_leader_cannot_open_the_entry_page(app_env):
    at = signed_in("leader")
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(ENTRY)


def test_a_clerk_sees_only_their_own_unit(app_env):
    at = _open("clerk12", OVERVIEW)
    text = visible_text(at)
    rewards = next(d.value for d in at.dataframe if "考评等次" in d.value.columns)
    assert list(rewards["单位"]) == ["陆集街道"]
    assert "全区奖补合计" not in text and "本单位奖补合计" in text


def _roomy_category(username: str, need: Decimal) -> str:
    """A category of the clerk's unit with at least ``need`` left in this year's budget."""
    actor = _actor(username)
    with session_scope() as session:
        table = fund_reports.budget_vs_actual(session, actor, year=DEMO_YEAR)
    table = table[table["category"] != LOST_WORK]
    room = [(r.budget - r.spent, r.category) for r in table.itertuples()]
    left, category = max(room)
    assert left >= need, room
    return category


def _expense_count(township_id: int) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count(Expense.id)).where(Expense.township_id == township_id)
        ).one()


def _fill_expense(at: AppTest, *, category: str, amount: str, receipt: str, purpose: str) -> None:
    at.selectbox(key="funds_exp_category_zh").select(category)
    at.text_input(key="funds_exp_amount").input(amount)
    at.text_input(key="funds_exp_payee").input("宿迁恒达文印部")
    at.text_input(key="funds_exp_purpose").input(purpose)
    at.text_input(key="funds_exp_receipt").input(receipt)


def test_over_the_threshold_needs_the_presidium_approval(app_env):
    clerk = _actor("clerk06")
    category = _roomy_category("clerk06", Decimal("6000"))
    receipt = f"T{uuid.uuid4().hex[:18]}"
    before = _expense_count(clerk.township_id)

    at = _open("clerk06", ENTRY)
    assert at.date_input(key="funds_exp_date").value <= clock.today()
    _fill_expense(
        at, category=category, amount="5000.01", receipt=receipt, purpose="代表之家设施维护"
    )
    at.button(key="funds_exp_check").click().run()
    no_exceptions(at)
    rule_message = "单笔支出 ¥5,000.01 超过 ¥5,000.00，须记录主席团（工委）审议决定及文号。"
    assert any(rule_message in e.value and "F05" in e.value for e in at.error)
    at.button(key="funds_exp_save").click().run()
    no_exceptions(at)
    assert any(rule_message in e.value for e in at.error)
    assert any(t("funds.entry.need_reason", "zh") == e.value for e in at.error)
    assert _expense_count(clerk.township_id) == before

    at.checkbox(key="funds_exp_approved").check()
    at.text_input(key="funds_exp_ref").input("皂河镇人大主席团会议纪要〔2026〕9号")
    at.button(key="funds_exp_save").click().run()
    no_exceptions(at)
    assert not at.error, [e.value for e in at.error]
    assert any("已保存支出#" in s.value for s in at.success)
    assert _expense_count(clerk.township_id) == before + 1
    # The form is cleared for the next entry.
    assert at.text_input(key="funds_exp_receipt").value == ""
    with session_scope() as session:
        row = session.exec(select(Expense).where(Expense.receipt_no == receipt)).one()
    assert row.amount_fen == 500001 and row.presidium_approved and row.exception_reason == ""
    # The save kept its unit's figures: the next viewer of a dashboard reads them, current.
    assert _current_kinds(clerk.township_id) == KINDS


def _current_kinds(township_id: int) -> set[str]:
    """The kinds of this year's kept figures of the unit that are current."""
    with session_scope() as session:
        now = unit_figures.stamps(session)
        return set(
            session.exec(
                select(UnitFigure.kind).where(
                    UnitFigure.township_id == township_id,
                    UnitFigure.year == DEMO_YEAR,
                    UnitFigure.unit_stamp == now.get(township_id, 0),
                    UnitFigure.every_stamp == now.get(EVERY_UNIT, 0),
                    UnitFigure.code == unit_figures.CODE,
                )
            ).all()
        )


def test_a_banned_purpose_cannot_be_excused_by_a_reason(app_env):
    category = _roomy_category("clerk06", Decimal("100"))
    receipt = f"X{uuid.uuid4().hex[:18]}"
    clerk = _actor("clerk06")
    before = _expense_count(clerk.township_id)
    at = _open("clerk06", ENTRY)
    _fill_expense(at, category=category, amount="88.80", receipt=receipt, purpose="座谈会购物卡")
    at.text_area(key="funds_exp_reason").input("上级慰问活动统一采购，经主席团同意")
    at.button(key="funds_exp_save").click().run()
    no_exceptions(at)
    assert any("F04" in e.value and "购物卡" in e.value for e in at.error)
    assert any(e.value == t("funds.entry.not_excusable", "zh") for e in at.error)
    assert _expense_count(clerk.township_id) == before
    # Nothing typed is lost: the form still holds the entry to correct.
    assert at.text_input(key="funds_exp_purpose").value == "座谈会购物卡"


def test_a_justified_exception_is_open_until_the_admin_approves_it(app_env):
    category = _roomy_category("clerk06", Decimal("6000"))
    receipt = f"X{uuid.uuid4().hex[:18]}"
    leader = _open("leader", OVERVIEW)
    before = len(_violation_table(leader))
    with session_scope() as session:
        found = fund_reports.fund_violations(session, _actor("leader"), year=DEMO_YEAR)
    open_before, excused_before = violation_counts(found)

    at = _open("clerk06", ENTRY)
    _fill_expense(at, category=category, amount="5000.01", receipt=receipt, purpose="防汛应急物资")
    at.button(key="funds_exp_save").click().run()
    assert any(e.value == t("funds.entry.need_reason", "zh") for e in at.error)
    at.text_area(key="funds_exp_reason").input("防汛应急，会后补审")
    at.button(key="funds_exp_save").click().run()
    no_exceptions(at)
    assert any("报区人大审核" in s.value for s in at.success)

    leader = _open("leader", OVERVIEW)
    table = _violation_table(leader)
    assert len(table) == before + 1
    row = table[table["涉及记录"].str.contains(receipt)].iloc[0]
    assert row["单位"] == "皂河镇" and row["规则"].startswith("F05") and row["级别"] == "违规"
    assert row["例外说明"] == "防汛应急，会后补审（待审核）"
    headline = t("funds.violation_counts", "zh", open=open_before + 1, excused=excused_before)
    assert any(m.value == headline for m in leader.metric)

    # The district admin approves it on the overview: it is excused, no longer open.
    admin = _open("admin", OVERVIEW)
    with session_scope() as session:
        expense_id = session.exec(select(Expense.id).where(Expense.receipt_no == receipt)).one()
    admin.selectbox(key="funds_claim_pick_zh").set_value(("expense", expense_id)).run()
    admin.button(key=f"funds_claim_approve_expense_{expense_id}").click().run()
    no_exceptions(admin)
    assert any(s.value == t("funds.exception_approved", "zh") for s in admin.success)
    leader = _open("leader", OVERVIEW)
    headline = t("funds.violation_counts", "zh", open=open_before, excused=excused_before + 1)
    assert any(m.value == headline for m in leader.metric)
    row = _violation_table(leader)
    row = row[row["涉及记录"].str.contains(receipt)].iloc[0]
    assert row["例外说明"] == "防汛应急，会后补审（已认可）"


def _violation_table(at: AppTest):
    return next(d.value for d in at.dataframe if "涉及记录" in d.value.columns)


def _budget_input(at: AppTest, field: str):
    return next(w for w in at.text_input if str(w.key).startswith(f"funds_bud_{field}_"))


def test_the_budget_form_refuses_wrong_shares_and_saves_the_rule_split(app_env):
    clerk = _actor("clerk12")
    leader = _open("leader", OVERVIEW)
    before = len(_violation_table(leader))
    at = _open("clerk12", ENTRY)
    at.selectbox(key="funds_bud_category_zh").select("publicity").run()
    with session_scope() as session:
        existing = fund_reports.budget_lines(
            session, clerk, year=DEMO_YEAR, township_id=clerk.township_id
        )
    correcting = "publicity" in existing

    def fill_wrong_shares():
        _budget_input(at, "amount").input("12345.67")
        _budget_input(at, "district").input("5000")
        _budget_input(at, "township").input("7345.67")
        if correcting:
            _budget_input(at, "why").input("追加预算")

    fill_wrong_shares()
    at.button(key="funds_bud_save").click().run()
    no_exceptions(at)
    assert any("F09" in e.value and "¥4,938.27" in e.value for e in at.error)
    assert any(e.value.startswith("违反经费管理规则（F09）") for e in at.error)
    with session_scope() as session:
        unsaved = fund_reports.budget_vs_actual(session, clerk, year=DEMO_YEAR)
    assert unsaved[unsaved["category"] == "publicity"].iloc[0]["budget"] != Decimal("12345.67")

    # With a reason the same line is saved, pending approval, and the leader sees it.
    next(a for a in at.text_area if str(a.key).startswith("funds_bud_reason_")).input(
        "区里追加宣传专项，按5000元分担"
    )
    at.button(key="funds_bud_save").click().run()
    no_exceptions(at)
    assert any(s.value == t("funds.entry.budget_saved_pending", "zh") for s in at.success)
    table = _violation_table(_open("leader", OVERVIEW))
    assert len(table) == before + 1
    row = table[table["例外说明"] == "区里追加宣传专项，按5000元分担（待审核）"].iloc[0]
    assert row["单位"] == "陆集街道" and row["规则"].startswith("F09")

    # Corrected to the rule's split (the line now exists: a correction states its reason).
    with session_scope() as session:
        line = fund_reports.budget_lines(
            session, clerk, year=DEMO_YEAR, township_id=clerk.township_id
        )["publicity"]
    _budget_input(at, "district").input("")
    _budget_input(at, "township").input("")
    next(a for a in at.text_area if str(a.key).startswith("funds_bud_reason_")).input("")
    at.button(key="funds_bud_save").click().run()
    no_exceptions(at)
    assert any(t("error.reason_required", "zh") in e.value for e in at.error)
    assert line.category == "publicity"
    _budget_input(at, "why").input("按规定比例分担")
    at.button(key="funds_bud_save").click().run()
    no_exceptions(at)
    assert any(s.value == t("common.saved", "zh") for s in at.success)
    assert len(_violation_table(_open("leader", OVERVIEW))) == before
    with session_scope() as session:
        table = fund_reports.budget_vs_actual(session, clerk, year=DEMO_YEAR)
    line = table[table["category"] == "publicity"].iloc[0]
    # 40 % of 12,345.67 is 4,938.268 → 4,938.27 for the district, the remainder for the unit.
    assert (line["budget"], line["district_share"], line["township_share"]) == (
        Decimal("12345.67"),
        Decimal("4938.27"),
        Decimal("7407.40"),
    )


def _rules_page(lang: str = "zh") -> AppTest:
    at = page_as("funds_rules.py", "admin", lang).run()
    no_exceptions(at)
    return at


def test_the_rule_editor_shows_problems_by_field_and_saves_nothing(app_env):
    with session_scope() as session:
        versions = session.exec(select(func.count(RuleSet.id))).one()
    at = _rules_page()
    assert at.title[0].value == f"{DEMO_YEAR}年经费规则"
    assert at.text_input(key="funds_rules_threshold").value == "5000.00"
    at.text_input(key="funds_rules_threshold").input("-1")
    at.text_input(key="funds_rules_per_deputy").input("1000.005")
    at.button(key="funds_rules_save").click().run()
    no_exceptions(at)
    assert at.error[0].value == t("funds.rules.invalid", "zh", n=2)
    problems = next(d.value for d in at.dataframe if "位置" in d.value.columns)
    assert dict(zip(problems["位置"], problems["问题"], strict=True)) == {
        "须经主席团审议的单笔限额（元）": "不能小于 0。",
        "代表活动经费标准（元/人·年）": "最多 2 位小数。",
    }
    with session_scope() as session:
        assert session.exec(select(func.count(RuleSet.id))).one() == versions


def test_the_rule_editor_saves_a_new_version(private_db):
    url = private_db
    at = page_as("funds_rules.py", "admin", "en", url).run()
    no_exceptions(at)
    at.text_input(key="funds_rules_threshold").input("8000.00")
    at.text_area(key="funds_rules_banned").input("宴请\n礼品\nKTV")
    at.text_input(key="funds_rules_excellent").input("60000")
    at.button(key="funds_rules_save").click().run()
    no_exceptions(at)
    assert at.success[0].value == t("funds.rules.saved", "en", year=DEMO_YEAR, version=2)
    with session_scope(url) as session:
        saved = rules.get_rules(session, DEMO_YEAR)
    assert saved.funds.approval_threshold_yuan == Decimal("8000.00")
    assert saved.funds.banned_purposes == ["宴请", "礼品", "KTV"]
    assert saved.rewards.excellent_yuan == Decimal("60000")
    assert saved.funds.categories[0].code == "meetings"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_with_no_unit_yet_the_rewards_say_so_instead_of_an_empty_table(private_db, lang):
    # A new district's database: rule sets and an account, no unit entered yet.
    at = page_as("funds_overview.py", "admin", lang, private_db).run()
    no_exceptions(at)
    assert t("funds.overview.no_reward_units", lang) in [i.value for i in at.info]
    assert [d for d in at.dataframe if d.key == "funds_rewards"] == []


def test_the_rule_editor_is_for_the_district_admin_only(app_env):
    at = page_as("funds_rules.py", "leader").run()
    no_exceptions(at)
    # The screen's guard draws nothing of it for another role (the service refuses as well).
    assert not at.title and not at.text_input and not at.button


# --- refusals, in both languages ---------------------------------------------------------------

FUTURE = DEMO_AS_OF + timedelta(days=1)


def _future(field: str, lang: str) -> str:
    return error_text(
        ValidationError("error.date_future", field=field, today=DEMO_AS_OF.isoformat()), lang
    )


def _widget(at: AppTest, kind: str, prefix: str):
    return next(w for w in at.get(kind) if str(w.key).startswith(prefix))


def _suffixed(at: AppTest, kind: str, prefix: str, suffix: str):
    return next(
        w for w in at.get(kind) if str(w.key).startswith(prefix) and str(w.key).endswith(suffix)
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_funds_form_refuses_with_its_message(app_env, lang):
    clerk = _actor("clerk06")
    before = _expense_count(clerk.township_id)
    at = _open("clerk06", ENTRY, lang)

    def refused(button: str, message: str) -> None:
        at.button(key=button).click().run()
        no_exceptions(at)
        assert message in [e.value for e in at.error], [e.value for e in at.error]
        assert _expense_count(clerk.township_id) == before

    # A new expense: required amount, no negative amount, required payee, no future date.
    refused("funds_exp_save", error_text(ValidationError("funds.error.amount_required"), lang))
    at.text_input(key="funds_exp_amount").input("-5")
    refused("funds_exp_save", t("funds.error.amount_negative", lang))
    at.text_input(key="funds_exp_amount").input("12.50")
    at.text_input(key="funds_exp_purpose").input("会议材料印刷")
    required = error_text(ValidationError("error.required", field="payee"), lang)
    refused("funds_exp_save", required)
    at.text_input(key="funds_exp_payee").input("宿迁文印部")
    at.date_input(key="funds_exp_date").set_value(FUTURE)
    refused("funds_exp_save", _future("occurred_on", lang))
    # What was typed is kept for the next try.
    assert at.text_input(key="funds_exp_amount").value == "12.50"
    assert at.text_input(key="funds_exp_payee").value == "宿迁文印部"

    # A correction of a saved expense: the reason is required, the date not after today.
    with session_scope() as session:
        expense_id = session.exec(
            select(func.min(Expense.id)).where(
                Expense.township_id == clerk.township_id, Expense.budget_year == DEMO_YEAR
            )
        ).one()
    at.selectbox(key=f"funds_fix_pick_{lang}").set_value(expense_id).run()
    prefix = f"funds_fix_{expense_id}_"
    save = next(b for b in at.button if b.label == t("funds.entry.fix_save", lang))
    save.click().run()
    reason = error_text(ValidationError("error.reason_required", field="reason"), lang)
    assert reason in [e.value for e in at.error]
    _suffixed(at, "text_input", prefix, "_why").input("金额录错")
    _suffixed(at, "date_input", prefix, "_date").set_value(FUTURE)
    next(b for b in at.button if b.label == t("funds.entry.fix_save", lang)).click().run()
    assert _future("occurred_on", lang) in [e.value for e in at.error]

    # A budget line: no negative amount.
    _widget(at, "text_input", "funds_bud_amount_").input("-1")
    for why in (w for w in at.text_input if str(w.key).startswith("funds_bud_why_")):
        why.input("预算录错")  # the line exists: a correction states its reason
    at.button(key="funds_bud_save").click().run()
    no_exceptions(at)
    assert t("funds.error.amount_negative", lang) in [e.value for e in at.error]
    assert _expense_count(clerk.township_id) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_admin_returns_an_exception_only_with_a_note(app_env, lang):
    with session_scope() as session:
        clerk = users.get_actor(session, "clerk06")
        table = fund_reports.budget_vs_actual(session, clerk, year=DEMO_YEAR)
        category = table.sort_values("budget").iloc[-1]["category"]
        saved = funds.record_expense(
            session,
            clerk,
            funds.ExpenseDraft(
                township_id=clerk.township_id,
                occurred_on=DEMO_AS_OF,
                budget_year=DEMO_YEAR,
                category=category,
                amount="5000.01",
                payee="宿迁文印部",
                purpose="防汛应急物资",
                receipt_no=f"R{uuid.uuid4().hex[:12]}",
            ),
            exception_reason="防汛应急，会后补审",
        )
    at = page_as("funds_overview.py", "admin", lang).run()
    no_exceptions(at)
    at.selectbox(key=f"funds_claim_pick_{lang}").set_value(("expense", saved.id)).run()
    at.button(key=f"funds_claim_return_expense_{saved.id}").click().run()
    no_exceptions(at)
    message = error_text(
        ValidationError("funds.error.return_note_required", field="exception_note"), lang
    )
    assert message in [e.value for e in at.error]
    at.text_input(key=f"funds_claim_note_expense_{saved.id}").input("请补主席团纪要")
    at.button(key=f"funds_claim_return_expense_{saved.id}").click().run()
    no_exceptions(at)
    assert t("funds.exception_returned", lang) in [s.value for s in at.success]
    with session_scope() as session:
        row = session.get(Expense, saved.id)
        assert (row.exception_status, row.exception_note) == ("returned", "请补主席团纪要")


def test_the_late_second_click_of_a_double_click_saves_nothing_and_says_saved_again(app_env):
    """The second click of a double click can arrive after the first save emptied the form: it
    stores nothing and shows the saved message again rather than an empty-form refusal."""
    clerk = _actor("clerk06")
    category = _roomy_category("clerk06", Decimal("100"))
    before = _expense_count(clerk.township_id)
    at = _open("clerk06", ENTRY)
    _fill_expense(
        at,
        category=category,
        amount="12.00",
        receipt=f"T{uuid.uuid4().hex[:18]}",
        purpose="代表活动资料复印",
    )
    at.button(key="funds_exp_save").click().run()
    no_exceptions(at)
    first = [s.value for s in at.success if "已保存支出#" in s.value]
    assert first and _expense_count(clerk.township_id) == before + 1
    assert at.text_input(key="funds_exp_amount").value == ""
    at.button(key="funds_exp_save").click().run()
    no_exceptions(at)
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success if "已保存支出#" in s.value] == first
    assert _expense_count(clerk.township_id) == before + 1
    # A third click on the empty form is an ordinary submit: refused, with its message.
    at.button(key="funds_exp_save").click().run()
    assert at.error and _expense_count(clerk.township_id) == before + 1
