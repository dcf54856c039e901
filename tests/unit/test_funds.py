"""Fund rules F01–F11 at their boundaries, exact sums, exceptions, rule changes and reports."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from sqlmodel import select

from models import AuditLog, Budget, Deputy, Expense, Township
from models.enums import DeputyLevel, Role, UnitType
from services import fund_reports, funds, overview, rules
from services.errors import PermissionDenied, ValidationError
from services.fund_rules import FUND_RULES, Severity, violation_counts
from services.funds import ExpenseDraft, RuleViolationError
from services.permissions import Actor
from tests.factories import ADMIN, LEADER

Y = 2025  # the budget year under test; the seed rule set of 2025 applies
TODAY = date(2026, 3, 1)  # the clock of the writes, so no test depends on the real date
_receipts = count(1)


def receipt() -> str:
    return f"R{next(_receipts):08d}"


@pytest.fixture
def world(session):
    """Two units: a town with 3 active township deputies (2 without a fixed income) and a
    sub-district with 2 active district-level deputies; every category budgeted generously."""
    rules.install_defaults(session)
    town = Township(code="jia", name_zh="甲镇", name_en="Jia", unit_type=UnitType.town)
    sub = Township(code="yi", name_zh="乙街道", name_en="Yi", unit_type=UnitType.subdistrict)
    session.add_all([town, sub])
    session.flush()
    people = [
        (town.id, DeputyLevel.township, True, True),
        (town.id, DeputyLevel.township, False, True),
        (town.id, DeputyLevel.township, False, True),
        (town.id, DeputyLevel.township, False, False),  # retired: not counted
        (town.id, DeputyLevel.county, False, True),  # district level in a town: not counted
        (sub.id, DeputyLevel.county, True, True),
        (sub.id, DeputyLevel.county, False, True),
    ]
    for tid, level, income, active in people:
        session.add(
            Deputy(
                township_id=tid, name="代表", level=level, has_fixed_income=income, active=active
            )
        )
    session.commit()
    for tid in (town.id, sub.id):
        for c in rules.get_rules(session, Y).funds.categories:
            if c.code != "lost_work":
                budget(session, tid, c.code, "100000.00")
    return {
        "town": town.id,
        "sub": sub.id,
        "clerk": Actor(id=None, username="c1", role=Role.township_staff, township_id=town.id),
        "clerk2": Actor(id=None, username="c2", role=Role.township_staff, township_id=sub.id),
    }


def budget(session, tid, category, amount, district=None, township=None, year=Y, actor=ADMIN, **kw):
    return funds.set_budget(
        session,
        actor,
        township_id=tid,
        year=year,
        category=category,
        amount=amount,
        district_share=district,
        township_share=township,
        today=TODAY,
        **kw,
    )


def typed(tid, amount, **kw) -> ExpenseDraft:
    """An expense as a clerk types it into the form: a meeting's printing in June."""
    fields = {
        "township_id": tid,
        "occurred_on": date(Y, 6, 1),
        "budget_year": Y,
        "category": "meetings",
        "amount": amount,
        "payee": "宿豫区文印部",
        "purpose": "会议材料印刷",
        "receipt_no": receipt(),
    } | kw
    return ExpenseDraft(**fields)


def spend(session, actor, tid, amount, exception_reason=None, **kw):
    return funds.record_expense(
        session, actor, typed(tid, amount, **kw), exception_reason=exception_reason, today=TODAY
    )


def draft(tid, amount="100.00", **kw):
    return funds.prepare_expense(typed(tid, amount, **kw), today=TODAY)


def codes(violations) -> list[str]:
    return [v.code for v in violations]


def check(session, d) -> list[str]:
    return codes(funds.check_expense(session, d, rules.get_rules(session, d.budget_year)))


def stored(session, actor=LEADER, year=Y, **kw):
    return fund_reports.fund_violations(session, actor, year=year, **kw)


# --- exact sums ---------------------------------------------------------------------------------


def test_many_small_amounts_sum_exactly(session, world):
    # 1,000 × ¥0.01 is ¥10.00 exactly; as floats the sum is 9.999999999999831.
    assert sum([0.01] * 1000) != 10.0
    tid = world["town"]
    budget(session, tid, "other", "10.00")
    session.add_all(
        Expense(
            township_id=tid,
            occurred_on=date(Y, 3, 1),
            budget_year=Y,
            category="other",
            amount_fen=1,
            payee="p",
            purpose="邮寄",
            receipt_no=f"S{i:05d}",
        )
        for i in range(1000)
    )
    session.commit()
    table = fund_reports.budget_vs_actual(session, LEADER, year=Y, township_id=tid)
    other = table[table["category"] == "other"].iloc[0]
    assert other["spent"] == Decimal("10.00") and other["budget"] == Decimal("10.00")
    assert "F08" not in codes(stored(session))
    # One more fen is over: 10.01 > 10.00.
    assert "F08" in check(session, draft(tid, "0.01", category="other"))


def test_point_one_plus_point_two_is_not_over_a_budget_of_point_three(session, world):
    # As floats 0.1 + 0.2 = 0.30000000000000004 > 0.3 would report an overspend.
    tid = world["town"]
    budget(session, tid, "other", "0.30")
    spend(session, world["clerk"], tid, "0.10", category="other")
    assert "F08" not in check(session, draft(tid, "0.20", category="other"))
    spend(session, world["clerk"], tid, "0.20", category="other")
    assert "F08" not in codes(stored(session))
    spent = fund_reports.budget_vs_actual(session, LEADER, year=Y, township_id=tid)
    assert spent[spent["category"] == "other"]["spent"].iloc[0] == Decimal("0.30")


# --- rules at their boundaries -------------------------------------------------------------------


def test_f05_approval_threshold_boundary(session, world):
    tid = world["town"]
    assert "F05" not in check(session, draft(tid, "5000.00"))
    assert "F05" in check(session, draft(tid, "5000.01"))
    ok = draft(tid, "5000.01", presidium_approved=True, approval_ref="纪要〔2025〕3号")
    assert "F05" not in check(session, ok)
    # The flag without its reference is no recorded approval.
    assert "F05" in check(session, draft(tid, "5000.01", presidium_approved=True))
    assert "F05" in check(session, draft(tid, "5000.01", approval_ref="纪要〔2025〕3号"))


def test_f05_on_stored_expenses(session, world):
    clerk, tid = world["clerk"], world["town"]
    spend(session, clerk, tid, "5000.00")
    claimed = spend(session, clerk, tid, "5000.01", exception_reason="紧急维修，会后补审")
    spend(session, clerk, tid, "9000", presidium_approved=True, approval_ref="纪要3号")
    found = [v for v in stored(session) if v.code == "F05"]
    assert len(found) == 1
    assert found[0].params["amount"] == Decimal("5000.01")
    # Justified by the clerk, the exception waits for the district admin: still open.
    assert found[0].severity == Severity.error and found[0].pending and found[0].standing
    funds.decide_exception(session, ADMIN, "expense", claimed.id, approve=True)
    (f05,) = [v for v in stored(session) if v.code == "F05"]
    assert f05.excepted and not f05.standing and not f05.pending


@pytest.mark.parametrize(
    ("occurred", "inside"),
    [
        (date(Y, 1, 1), True),
        (date(Y, 12, 31), True),
        (date(Y - 1, 12, 31), False),
        (date(Y + 1, 1, 1), False),
    ],
)
def test_f06_budget_year_boundaries(session, world, occurred, inside):
    assert ("F06" not in check(session, draft(world["town"], occurred_on=occurred))) == inside


def test_f06_on_a_stored_expense_from_last_december(session, world):
    tid = world["town"]
    spend(
        session, world["clerk"], tid, "12.00", occurred_on=date(Y - 1, 12, 31), exception_reason="x"
    )
    spend(session, world["clerk"], tid, "12.00", occurred_on=date(Y, 12, 31))
    found = [v for v in stored(session) if v.code == "F06"]
    assert [v.params["occurred_on"] for v in found] == [date(Y - 1, 12, 31)]


def test_f03_receipt_reused_across_townships_flags_both(session, world):
    a, b = world["town"], world["sub"]
    spend(session, world["clerk"], a, "10.00", receipt_no="FP-1")
    # The second use is caught before saving, in another unit too.
    d = draft(b, receipt_no="FP-1")
    found = funds.check_expense(session, d, rules.get_rules(session, Y))
    f03 = next(v for v in found if v.code == "F03")
    assert f03.params == {"receipt": "FP-1", "uses": 2, "units": 2}
    spend(session, world["clerk2"], b, "10.00", receipt_no="FP-1", exception_reason="原票据复印件")
    both = [v for v in stored(session) if v.code == "F03"]
    assert sorted(v.township_id for v in both) == sorted([a, b])
    assert all(v.params["uses"] == 2 and len(v.records) == 1 for v in both)
    # A clerk sees the violation of their own unit, not the other unit's record.
    own = [v for v in stored(session, world["clerk"]) if v.code == "F03"]
    assert [v.township_id for v in own] == [a] and own[0].records[0].township_id == a
    assert not own[0].excepted


def test_f03_receipt_reused_inside_one_unit_is_one_violation_with_both_records(session, world):
    tid = world["town"]
    first = spend(session, world["clerk"], tid, "10.00", receipt_no="FP-9")
    second = spend(session, world["clerk"], tid, "11.00", receipt_no="FP-9", exception_reason="r")
    (f03,) = [v for v in stored(session) if v.code == "F03"]
    assert f03.expense_ids == [first.id, second.id] and f03.params["units"] == 1
    assert not f03.excepted  # the first use carries no reason


def test_f02_missing_receipt(session, world):
    assert "F02" in check(session, draft(world["town"], receipt_no="  "))
    assert "F02" not in check(session, draft(world["town"]))


@pytest.mark.parametrize(
    ("purpose", "payee", "words"),
    [
        ("春节走访慰问购买购物卡", "宿迁商贸", ("购物卡",)),
        ("乡村旅游产业调研", "宿迁商贸", ("旅游",)),  # substring, as the rule says
        ("代表座谈", "宿迁礼品店", ("礼品",)),  # the payee counts as well
        ("代表座谈", "宿迁商贸", None),
        # Hidden the ways a paste or a keyboard hides a word: still the banned word.
        ("宴\u200b请代表", "宿迁商贸", ("宴请",)),
        ("宴 请代表", "宿迁商贸", ("宴请",)),
        ("宴\u00ad请代表", "宿迁商贸", ("宴请",)),
        ("宴請代表", "宿迁商贸", ("宴请",)),
        ("代表座谈", "宿迁禮品店", ("礼品",)),
        ("年终购物·卡", "宿迁商贸", ("购物卡",)),
    ],
)
def test_f04_banned_purposes(session, world, purpose, payee, words):
    found = funds.check_expense(
        session,
        draft(world["town"], purpose=purpose, payee=payee),
        rules.get_rules(session, Y),
    )
    f04 = [v for v in found if v.code == "F04"]
    assert (f04[0].params["words"] if f04 else None) == words


def test_f07_unknown_category_and_category_without_budget(session, world):
    tid = world["town"]
    assert "F07" in check(session, draft(tid, category="banquet"))
    # lost_work has no budget line in the fixture.
    found = funds.check_expense(
        session, draft(tid, category="lost_work"), rules.get_rules(session, Y)
    )
    f07 = next(v for v in found if v.code == "F07")
    assert f07.key == "funds.rule.F07.no_budget"
    assert "F07" not in check(session, draft(tid, category="training"))
    # Stored rows charged to a category the rule set no longer has.
    session.add(
        Expense(
            township_id=tid,
            occurred_on=date(Y, 2, 2),
            budget_year=Y,
            category="retired_category",
            amount_fen=1234,
            payee="p",
            purpose="q",
            receipt_no="U1",
        )
    )
    session.commit()
    (v,) = [v for v in stored(session) if v.code == "F07"]
    assert v.key == "funds.rule.F07.unknown" and v.params["spent"] == Decimal("12.34")


def test_f08_category_over_budget_names_the_crossing_expenses(session, world):
    tid, clerk = world["town"], world["clerk"]
    budget(session, tid, "training", "1000.00")
    spend(session, clerk, tid, "600.00", category="training", occurred_on=date(Y, 3, 1))
    assert "F08" not in check(session, draft(tid, "400.00", category="training"))
    assert "F08" in check(session, draft(tid, "400.01", category="training"))
    spend(session, clerk, tid, "400.00", category="training", occurred_on=date(Y, 4, 1))
    assert "F08" not in codes(stored(session))
    late = spend(
        session,
        clerk,
        tid,
        "0.01",
        category="training",
        occurred_on=date(Y, 5, 1),
        exception_reason="追加培训",
    )
    (f08,) = [v for v in stored(session) if v.code == "F08"]
    assert f08.params["over"] == Decimal("0.01") and f08.params["spent"] == Decimal("1000.01")
    assert f08.expense_ids == [late.id]
    assert [r.kind for r in f08.records] == ["expense", "budget"]


@pytest.mark.parametrize(
    ("amount", "district", "township", "variant"),
    [
        ("10000.00", "4000.00", "6000.00", None),
        ("10000.00", "4000.01", "5999.99", "share"),
        ("10000.00", "4000.00", "5999.99", "sum"),
        ("10000.00", "6000.00", "4000.00", "share"),
        # 40 % of 100.01 is 40.004: the district gets 40.00, the township the 0.01 remainder.
        ("100.01", "40.00", "60.01", None),
        ("100.01", "40.01", "60.00", None),  # rounding the other way is still under 0.01
        ("100.01", "39.99", "60.02", "share"),
    ],
)
def test_f09_budget_shares(session, world, amount, district, township, variant):
    d = funds.BudgetDraft(
        world["town"],
        Y,
        "training",
        Decimal(amount),
        Decimal(district),
        Decimal(township),
    )
    found = [
        v for v in funds.check_budget(session, d, rules.get_rules(session, Y)) if v.code == "F09"
    ]
    assert (found[0].key.rsplit(".", 1)[1] if found else None) == variant


def test_f09_shares_that_break_the_rule_are_refused_and_blank_shares_follow_it(session, world):
    tid = world["town"]
    before = session.exec(select(AuditLog.id)).all()
    with pytest.raises(RuleViolationError) as err:
        budget(session, tid, "training", "10000.00", "5000.00", "5000.00")
    assert [v.code for v in err.value.violations] == ["F09"]
    session.rollback()
    assert session.exec(select(AuditLog.id)).all() == before
    budget(session, tid, "training", "100.01")
    row = session.exec(
        select(Budget).where(Budget.township_id == tid, Budget.category == "training")
    ).one()
    assert (row.amount_fen, row.district_share_fen, row.township_share_fen) == (10001, 4000, 6001)
    budget(session, tid, "training", "500.00", district="200.00")
    session.refresh(row)
    assert (row.district_share_fen, row.township_share_fen) == (20000, 30000)
    # A stored line whose shares were edited elsewhere is reported.
    row.district_share_fen = 1
    session.add(row)
    session.commit()
    assert "F09" in codes(stored(session))


def test_budget_shares_saved_as_a_justified_exception_stay_flagged(session, world):
    tid, clerk = world["town"], world["clerk"]
    half = ("training", "10000.00", "5000.00", "5000.00")
    with pytest.raises(RuleViolationError):
        budget(session, tid, *half, actor=clerk, exception_reason="  ")
    session.rollback()
    saved = budget(session, tid, *half, actor=clerk, exception_reason="区财政专项补足一半")
    assert saved.flagged and codes(saved.violations) == ["F09"]
    row = session.get(Budget, saved.id)
    assert (row.district_share_fen, row.exception_reason) == (500000, "区财政专项补足一半")
    log = session.exec(
        select(AuditLog).where(AuditLog.entity == "budget", AuditLog.entity_id == saved.id)
    ).all()[-1]
    assert log.after["exception_reason"] == "区财政专项补足一半" and log.username == "c1"
    # The stored line is listed with its reason, open until the district admin approves it,
    # then excused.
    (f09,) = [v for v in stored(session) if v.code == "F09"]
    assert f09.pending and f09.standing and f09.exception_reasons == "区财政专项补足一半"
    funds.decide_exception(session, ADMIN, "budget", saved.id, approve=True)
    (f09,) = [v for v in stored(session) if v.code == "F09"]
    assert f09.excepted and not f09.standing
    # Saved again by the rule's shares, the line is clean and the reason is dropped.
    again = budget(session, tid, "training", "10000.00")
    assert not again.flagged and session.get(Budget, saved.id).exception_reason == ""
    assert "F09" not in codes(stored(session))


def test_f10_deputy_activity_floor_counts_active_deputies_of_the_units_own_level(session, world):
    town, sub = world["town"], world["sub"]
    # Town: 3 active township deputies → 3 × 1,000.00; sub-district: 2 district deputies.
    budget(session, town, "deputy_activities", "2999.99")
    budget(session, sub, "deputy_activities", "2000.00")
    (f10,) = [v for v in stored(session) if v.code == "F10"]
    assert f10.township_id == town and f10.severity == Severity.warning
    assert f10.params["deputies"] == 3 and f10.params["required"] == Decimal("3000.00")
    saved = budget(session, town, "deputy_activities", "3000.00")
    assert saved.violations == ()
    assert "F10" not in codes(stored(session))
    low = budget(session, sub, "deputy_activities", "1999.99")
    assert codes(low.violations) == ["F10"]  # saved, with the warning to show


def test_f11_lost_work_subsidy_cap(session, world):
    tid, clerk = world["town"], world["clerk"]
    # 2 active township deputies without a fixed income: 300.00 × 12 × 2 = 7,200.00.
    budget(session, tid, "lost_work", "8000.00")
    spend(
        session,
        clerk,
        tid,
        "7000.00",
        category="lost_work",
        presidium_approved=True,
        approval_ref="纪要1号",
    )
    assert "F11" not in check(session, draft(tid, "200.00", category="lost_work"))
    found = funds.check_expense(
        session, draft(tid, "200.01", category="lost_work"), rules.get_rules(session, Y)
    )
    f11 = next(v for v in found if v.code == "F11")
    assert f11.params["cap"] == Decimal("7200.00") and f11.params["deputies"] == 2
    spend(session, clerk, tid, "200.01", category="lost_work", exception_reason="补发")
    assert "F11" in codes(stored(session))


# --- rules are data ------------------------------------------------------------------------------


def test_a_rule_change_turns_violations_off(session, world):
    tid = world["town"]
    spend(session, world["clerk"], tid, "6000.00", exception_reason="r")
    # A banned purpose cannot be excused by a reason: the record as it might have been kept.
    gift = typed(tid, "12.00", purpose="代表活动纪念礼品")
    session.add(
        Expense(
            township_id=tid,
            occurred_on=gift.occurred_on,
            budget_year=Y,
            category=gift.category,
            amount_fen=1200,
            payee=gift.payee,
            purpose=gift.purpose,
            receipt_no=gift.receipt_no,
        )
    )
    session.commit()
    assert {"F04", "F05"} <= set(codes(stored(session)))
    data = rules.to_content(rules.get_rules(session, Y))
    data["funds"]["approval_threshold_yuan"] = "6000.00"
    data["funds"]["banned_purposes"] = ["宴请"]
    rules.save_rules(session, ADMIN, data)
    assert not {"F04", "F05"} & set(codes(stored(session)))
    # The check before saving reads the new rule set as well.
    assert "F05" not in check(session, draft(tid, "6000.00"))
    assert "F05" in check(session, draft(tid, "6000.01"))


def test_each_rule_is_one_function_found_by_its_code():
    for code, rule in FUND_RULES.items():
        assert rule.function.__name__.startswith(code.lower() + "_"), code
        assert rule.checks and rule.severity in Severity
    assert [c for c, r in FUND_RULES.items() if r.severity == Severity.warning] == ["F10"]


def test_only_unjustified_errors_stand_against_a_unit(session, world):
    clerk, tid = world["clerk"], world["town"]
    spend(session, clerk, tid, "10.00", receipt_no="FP-7")
    spend(session, clerk, tid, "10.00", receipt_no="FP-7", exception_reason="同一发票分两次报销")
    f05 = spend(session, clerk, tid, "6000.00", exception_reason="防汛应急，会后补审")
    budget(session, tid, "deputy_activities", "100.00")  # F10: a warning below 3 × 1,000
    found = {v.code: v for v in stored(session)}
    assert {"F03", "F05", "F10"} <= set(found)
    # F03 stands: its first use carries no reason. F05 is justified but not yet approved, so
    # it stands too; the warning does not.
    assert [v.code for v in found.values() if v.standing] == ["F03", "F05"]
    assert violation_counts(found.values()) == (2, 0)
    funds.decide_exception(session, ADMIN, "expense", f05.id, approve=True)
    found = {v.code: v for v in stored(session)}
    assert [v.code for v in found.values() if v.standing] == ["F03"]
    assert violation_counts(found.values()) == (1, 1)
    headline = overview.headline(session, LEADER, year=Y, as_of=date(Y, 12, 31))
    assert headline.violations == 1


# --- writes --------------------------------------------------------------------------------------


def test_an_error_level_violation_is_refused_without_a_reason(session, world):
    tid = world["town"]
    with pytest.raises(RuleViolationError) as err:
        spend(session, world["clerk"], tid, "5000.01")
    assert err.value.key == "funds.error.rule_broken" and err.value.params == {"codes": "F05"}
    session.rollback()
    assert session.exec(select(Expense)).all() == []
    assert session.exec(select(AuditLog).where(AuditLog.entity == "expense")).all() == []
    with pytest.raises(RuleViolationError):
        spend(session, world["clerk"], tid, "5000.01", exception_reason="   ")


def test_a_justified_exception_is_saved_flagged_and_audited(session, world):
    tid = world["town"]
    saved = spend(session, world["clerk"], tid, "5000.01", exception_reason="防汛应急，会后补审")
    assert saved.flagged and codes(saved.violations) == ["F05"]
    row = session.get(Expense, saved.id)
    assert row.amount_fen == 500001 and row.exception_reason == "防汛应急，会后补审"
    log = session.exec(select(AuditLog).where(AuditLog.entity == "expense")).one()
    assert log.entity_id == saved.id and log.after["amount_fen"] == 500001
    assert log.township_id == tid and log.username == "c1"
    # A reason with nothing to justify does not flag a clean expense.
    clean = spend(session, world["clerk"], tid, "10.00", exception_reason="无需说明")
    assert not clean.flagged and session.get(Expense, clean.id).exception_reason == ""


@pytest.mark.parametrize(
    ("change", "field", "key"),
    [
        ({"occurred_on": date(2026, 3, 2)}, "occurred_on", "error.date_future"),
        ({"occurred_on": date(2020, 12, 31)}, "occurred_on", "funds.error.date_far"),
        ({"occurred_on": None}, "occurred_on", "funds.error.date_required"),
        ({"budget_year": 2019}, "budget_year", "funds.error.year_range"),
        ({"budget_year": "2025"}, "budget_year", "funds.error.year_range"),
        ({"payee": "  "}, "payee", "error.required"),
        ({"purpose": "用" * 301}, "purpose", "error.too_long"),
        ({"receipt_no": "9" * 61}, "receipt_no", "error.too_long"),
        ({"amount": 12.5}, "amount", "funds.error.amount_invalid"),
        ({"amount": "-3"}, "amount", "funds.error.amount_negative"),
        ({"category": "会议"}, "category", "funds.error.category"),
        ({"exception_reason": "理" * 501}, "exception_reason", "error.too_long"),
    ],
)
def test_bad_expense_input_writes_nothing(session, world, change, field, key):
    with pytest.raises(ValidationError) as err:
        rest = dict(change)
        spend(session, world["clerk"], world["town"], rest.pop("amount", "10.00"), **rest)
    assert (err.value.field, err.value.key) == (field, key)
    session.rollback()
    assert session.exec(select(Expense)).all() == []


def test_html_in_a_purpose_is_refused_and_a_less_than_sign_is_not(session, world):
    with pytest.raises(ValidationError) as err:
        spend(session, world["clerk"], world["town"], "1.00", purpose="<script>x</script>")
    assert (err.value.field, err.value.key) == ("purpose", "error.markup")
    session.rollback()
    assert session.exec(select(Expense)).all() == []
    saved = spend(session, world["clerk"], world["town"], "1.00", purpose="单价 < 5 元的小额耗材")
    assert session.get(Expense, saved.id).purpose == "单价 < 5 元的小额耗材"


def test_who_may_write_and_read(session, world):
    town, sub = world["town"], world["sub"]
    with pytest.raises(PermissionDenied):
        spend(session, LEADER, town, "1.00")
    with pytest.raises(PermissionDenied):
        spend(session, world["clerk"], sub, "1.00")
    with pytest.raises(PermissionDenied):
        funds.set_budget(
            session,
            world["clerk"],
            township_id=sub,
            year=Y,
            category="other",
            amount="1",
            today=TODAY,
        )
    spend(session, world["clerk2"], sub, "1.00", receipt_no="", exception_reason="遗失")
    spend(session, world["clerk"], town, "1.00", receipt_no="", exception_reason="遗失")
    assert {v.township_id for v in stored(session, world["clerk"])} == {town}
    assert {v.township_id for v in stored(session, LEADER)} == {town, sub}
    assert set(fund_reports.list_expenses(session, world["clerk2"], year=Y)["township_id"]) == {sub}


# --- reads ---------------------------------------------------------------------------------------


def test_budget_against_spending_and_the_months(session, world):
    tid, clerk = world["town"], world["clerk"]
    budget(session, tid, "publicity", "1000.00")
    spend(session, clerk, tid, "100.10", category="publicity", occurred_on=date(Y, 1, 31))
    spend(session, clerk, tid, "200.20", category="publicity", occurred_on=date(Y, 3, 1))
    spend(session, clerk, tid, "0.70", category="publicity", occurred_on=date(Y, 3, 31))
    # Charged to this year but dated last year (F06): in the totals, in no month.
    spend(
        session,
        clerk,
        tid,
        "9.00",
        category="publicity",
        occurred_on=date(Y - 1, 12, 30),
        exception_reason="r",
    )
    table = fund_reports.budget_vs_actual(session, clerk, year=Y)
    assert set(table["township_id"]) == {tid}
    row = table[table["category"] == "publicity"].iloc[0]
    assert (row["budget"], row["spent"]) == (Decimal("1000.00"), Decimal("310.00"))
    assert (row["district_share"], row["township_share"]) == (Decimal("400.00"), Decimal("600.00"))
    months = fund_reports.monthly_execution(session, clerk, year=Y)
    assert list(months["month"]) == list(range(1, 13))
    assert months["spent"].tolist()[:4] == [
        Decimal("100.10"),
        Decimal("0.00"),
        Decimal("200.90"),
        Decimal("0.00"),
    ]
    assert months["cumulative"].iloc[-1] == Decimal("301.00")
    # The fixture budgets 7 categories (all but lost_work) at 100,000.00; publicity is now
    # 1,000.00: 6 × 100,000.00 + 1,000.00.
    assert months["budget"].iloc[0] == Decimal("601000.00")
    listed = fund_reports.list_expenses(session, clerk, year=Y)
    assert listed["occurred_on"].iloc[0] == date(Y, 3, 31)  # newest first
    assert listed["amount"].map(type).eq(Decimal).all()
