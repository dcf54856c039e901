"""Justified exceptions of the fund rules (set per rule, approved by the district admin) and the
correction and withdrawal of budgets and expenses."""

from datetime import date

import pytest
from sqlmodel import func, select

from models import AuditLog, Budget, Expense, Township
from models.enums import Role, UnitType
from services import fund_reports, funds, overview, rules, years
from services.errors import InUse, PermissionDenied, ValidationError
from services.fund_rules import violation_counts
from services.funds import ExpenseDraft, RuleViolationError
from services.permissions import Actor
from tests.factories import ADMIN, LEADER

Y = 2025
TODAY = date(2026, 3, 1)


@pytest.fixture
def town(session):
    rules.install_defaults(session)
    row = Township(code="xz", name_zh="新庄镇", name_en="Xinzhuang", unit_type=UnitType.town)
    other = Township(code="ll", name_zh="来龙镇", name_en="Lailong", unit_type=UnitType.town)
    session.add_all([row, other])
    session.commit()
    funds.set_budget(
        session,
        ADMIN,
        township_id=row.id,
        year=Y,
        category="meetings",
        amount="10000.00",
        today=TODAY,
    )
    return {
        "id": row.id,
        "clerk": Actor(id=None, username="c1", role=Role.township_staff, township_id=row.id),
        "stranger": Actor(id=None, username="c2", role=Role.township_staff, township_id=other.id),
    }


def draft(tid, amount="100.00", **kw) -> ExpenseDraft:
    fields = {
        "township_id": tid,
        "occurred_on": date(Y, 6, 1),
        "budget_year": Y,
        "category": "meetings",
        "amount": amount,
        "payee": "宿豫区文印部",
        "purpose": "会议材料印刷",
        "receipt_no": "FP-001",
    } | kw
    return ExpenseDraft(**fields)


def spend(session, actor, d, reason=None):
    return funds.record_expense(session, actor, d, exception_reason=reason, today=TODAY)


def found(session):
    return fund_reports.fund_violations(session, LEADER, year=Y)


# --- exceptions set per rule ------------------------------------------------------------------


def test_the_default_rules_allow_exceptions_except_for_the_prohibitions(session, town):
    allowed = rules.get_rules(session, Y).funds.exception_allowed
    assert allowed == ["F02", "F03", "F05", "F06", "F07", "F08", "F09", "F11"]
    assert "F04" not in allowed and "F01" not in allowed


def test_a_clerk_cannot_excuse_a_banned_purpose(session, town):
    gift = draft(town["id"], purpose="慰问代表购物卡")
    with pytest.raises(RuleViolationError) as refused:
        spend(session, town["clerk"], gift, reason="上级要求，经主席团同意")
    assert refused.value.key == "funds.error.rule_not_excusable"
    assert refused.value.params == {"codes": "F04"} and not refused.value.excusable
    session.rollback()
    assert session.exec(select(func.count(Expense.id))).one() == 0


def test_a_banned_purpose_beside_an_excusable_rule_still_refuses(session, town):
    both = draft(town["id"], amount="6000.00", purpose="宴请")  # F04 and F05
    with pytest.raises(RuleViolationError) as refused:
        spend(session, town["clerk"], both, reason="接待")
    assert refused.value.params == {"codes": "F04"}


def test_an_excusable_exception_is_open_until_the_admin_approves_it(session, town):
    # 6,000.00 over the 5,000.00 threshold without the presidium's approval: F05, excusable.
    saved = spend(session, town["clerk"], draft(town["id"], "6000.00"), reason="防汛应急，会后补审")
    row = session.get(Expense, saved.id)
    assert (row.exception_reason, row.exception_status) == ("防汛应急，会后补审", "pending")
    (f05,) = found(session)
    assert f05.code == "F05" and f05.pending and f05.standing and not f05.excepted
    assert violation_counts(found(session)) == (1, 0)
    h = overview.headline(session, LEADER, year=Y, as_of=date(Y, 12, 31))
    assert (h.violations, h.violations_excused) == (1, 0)

    # A clerk cannot approve; the admin can, once.
    with pytest.raises(PermissionDenied):
        funds.decide_exception(session, town["clerk"], "expense", saved.id, approve=True)
    funds.decide_exception(session, ADMIN, "expense", saved.id, approve=True)
    (f05,) = found(session)
    assert f05.excepted and not f05.standing and not f05.pending
    assert violation_counts(found(session)) == (0, 1)
    h = overview.headline(session, LEADER, year=Y, as_of=date(Y, 12, 31))
    assert (h.violations, h.violations_excused) == (0, 1)
    with pytest.raises(ValidationError) as refused:
        funds.decide_exception(session, ADMIN, "expense", saved.id, approve=True)
    assert refused.value.key == "funds.error.exception_not_pending"
    log = session.exec(
        select(AuditLog).where(AuditLog.entity == "expense").order_by(AuditLog.id.desc())
    ).first()
    assert (log.before["exception_status"], log.after["exception_status"]) == (
        "pending",
        "approved",
    )


def test_a_returned_exception_states_why_and_stays_open(session, town):
    saved = spend(session, town["clerk"], draft(town["id"], "6000.00"), reason="防汛应急")
    with pytest.raises(ValidationError) as refused:
        funds.decide_exception(session, ADMIN, "expense", saved.id, approve=False, note=" ")
    assert refused.value.key == "funds.error.return_note_required"
    session.rollback()
    funds.decide_exception(session, ADMIN, "expense", saved.id, approve=False, note="请补纪要")
    row = session.get(Expense, saved.id)
    assert (row.exception_status, row.exception_note) == ("returned", "请补纪要")
    assert violation_counts(found(session)) == (1, 0)
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert log.reason == "请补纪要"


def test_the_headline_counts_open_and_excused_by_hand(session, town):
    tid, clerk = town["id"], town["clerk"]
    # Three error-level violations: F05 approved, F02 pending (no receipt), F03 unexplained:
    # a receipt number used twice (the first use carries no reason).
    approved = spend(session, clerk, draft(tid, "6000.00", receipt_no="FP-1"), reason="应急")
    funds.decide_exception(session, ADMIN, "expense", approved.id, approve=True)
    spend(session, clerk, draft(tid, "10.00", receipt_no=""), reason="票据遗失，附说明")
    spend(session, clerk, draft(tid, "20.00", receipt_no="FP-2"))
    spend(session, clerk, draft(tid, "30.00", receipt_no="FP-2"), reason="同一发票分两次报销")
    codes = sorted((v.code, v.excepted) for v in found(session) if v.severity == "error")
    assert codes == [("F02", False), ("F03", False), ("F05", True)]
    assert violation_counts(found(session)) == (2, 1)


def test_which_rules_allow_an_exception_is_set_in_the_rule_set(session, town):
    data = rules.to_content(rules.get_rules(session, Y))
    data["funds"]["exception_allowed"] = ["F02", "F03", "F06", "F07", "F08", "F09", "F11"]
    rules.save_rules(session, ADMIN, data, note="F05 不再允许例外")
    with pytest.raises(RuleViolationError) as refused:
        spend(session, town["clerk"], draft(town["id"], "6000.00"), reason="应急")
    assert refused.value.key == "funds.error.rule_not_excusable"
    data["funds"]["exception_allowed"] = ["F99", "banquet"]
    with pytest.raises(rules.RuleSetError) as invalid:
        rules.save_rules(session, ADMIN, data)
    assert [d.type for d in invalid.value.details] == ["rule_fund_codes"]


def test_a_stored_rule_set_without_the_setting_reads_the_default(session, town):
    row = session.exec(select(rules.RuleSetRow).where(rules.RuleSetRow.year == Y)).one()
    content = dict(row.content)
    content["funds"] = {k: v for k, v in content["funds"].items() if k != "exception_allowed"}
    row.content = content
    session.add(row)
    session.commit()
    assert "F05" in rules.get_rules(session, Y).funds.exception_allowed


# --- corrections and withdrawals ----------------------------------------------------------------


def test_an_expense_is_corrected_with_its_reason_and_judged_without_its_old_self(session, town):
    saved = spend(session, town["clerk"], draft(town["id"], "100.00", receipt_no="FP-9"))
    # Same receipt number kept: not a reuse of itself.
    result = funds.correct_expense(
        session,
        town["clerk"],
        saved.id,
        draft(town["id"], "120.50", receipt_no="FP-9"),
        reason="金额录错",
        today=TODAY,
    )
    assert result.violations == () and not result.flagged
    row = session.get(Expense, saved.id)
    assert row.amount_fen == 12050
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.reason, log.before["amount_fen"], log.after["amount_fen"]) == (
        "update",
        "金额录错",
        10000,
        12050,
    )
    # A correction to a banned purpose is refused like an entry.
    with pytest.raises(RuleViolationError):
        funds.correct_expense(
            session,
            town["clerk"],
            saved.id,
            draft(town["id"], "120.50", receipt_no="FP-9", purpose="旅游"),
            reason="用途",
            exception_reason="经批准",
            today=TODAY,
        )
    session.rollback()
    assert session.get(Expense, saved.id).purpose == "会议材料印刷"


def test_a_corrected_exception_waits_for_approval_again(session, town):
    saved = spend(session, town["clerk"], draft(town["id"], "6000.00"), reason="应急")
    funds.decide_exception(session, ADMIN, "expense", saved.id, approve=True)
    funds.correct_expense(
        session,
        town["clerk"],
        saved.id,
        draft(town["id"], "7000.00"),
        reason="金额录错",
        exception_reason="应急",
        today=TODAY,
    )
    assert session.get(Expense, saved.id).exception_status == "pending"
    # Corrected with the presidium's approval, nothing is left to excuse.
    funds.correct_expense(
        session,
        town["clerk"],
        saved.id,
        draft(town["id"], "7000.00", presidium_approved=True, approval_ref="纪要3号"),
        reason="补录审议文号",
        exception_reason="应急",
        today=TODAY,
    )
    row = session.get(Expense, saved.id)
    assert (row.exception_status, row.exception_reason) == ("", "")
    assert violation_counts(found(session)) == (0, 0)


def test_corrections_need_the_units_writer_an_open_year_and_a_reason(session, town):
    saved = spend(session, town["clerk"], draft(town["id"]))
    fix = dict(reason="金额录错", today=TODAY)
    for stranger in (town["stranger"], LEADER):
        with pytest.raises(PermissionDenied):
            funds.correct_expense(session, stranger, saved.id, draft(town["id"], "1.00"), **fix)
        with pytest.raises(PermissionDenied):
            funds.withdraw_expense(session, stranger, saved.id, reason="重复")
    with pytest.raises(ValidationError) as refused:
        funds.withdraw_expense(session, town["clerk"], saved.id, reason="  ")
    assert refused.value.key == "error.reason_required"
    years.close_year(session, ADMIN, Y, reason="年终")
    with pytest.raises(PermissionDenied) as refused:
        funds.withdraw_expense(session, town["clerk"], saved.id, reason="重复")
    assert refused.value.key == "error.year_closed"
    with pytest.raises(PermissionDenied):
        funds.withdraw_expense(session, ADMIN, saved.id, reason="重复")
    years.reopen_year(session, ADMIN, Y, reason="更正")
    funds.withdraw_expense(session, ADMIN, saved.id, reason="重复录入")
    assert session.get(Expense, saved.id) is None
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.action, log.entity, log.reason) == ("delete", "expense", "重复录入")
    assert log.before["amount_fen"] == 10000


def test_a_budget_line_with_expenses_says_so_and_is_corrected_with_a_reason(session, town):
    line = session.exec(select(Budget).where(Budget.township_id == town["id"])).one()
    spend(session, town["clerk"], draft(town["id"], "100.00", receipt_no="FP-1"))
    spend(session, town["clerk"], draft(town["id"], "200.00", receipt_no="FP-2"))
    with pytest.raises(InUse) as refused:
        funds.withdraw_budget(session, town["clerk"], line.id, reason="录错")
    assert refused.value.dependents == {"expense": 2}
    with pytest.raises(ValidationError) as refused:
        funds.correct_budget(session, town["clerk"], line.id, amount="8000.00", reason="")
    assert refused.value.key == "error.reason_required"
    session.rollback()
    funds.correct_budget(session, town["clerk"], line.id, amount="8000.00", reason="预算调整")
    row = session.get(Budget, line.id)
    # 40 % of 8,000.00 for the district, the rest for the town.
    assert (row.amount_fen, row.district_share_fen, row.township_share_fen) == (
        800000,
        320000,
        480000,
    )
    log = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (log.reason, log.before["amount_fen"], log.after["amount_fen"]) == (
        "预算调整",
        1000000,
        800000,
    )
    # A line without expenses is withdrawn.
    funds.set_budget(
        session,
        ADMIN,
        township_id=town["id"],
        year=Y,
        category="training",
        amount="500.00",
        today=TODAY,
    )
    training = session.exec(select(Budget).where(Budget.category == "training")).one()
    funds.withdraw_budget(session, town["clerk"], training.id, reason="类别选错")
    assert session.get(Budget, training.id) is None
