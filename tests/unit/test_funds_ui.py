"""Fund messages in both languages for every rule, the Excel export and the rule editor's texts."""

import io
import re
from datetime import date
from decimal import Decimal
from itertools import count

import pandas as pd
from openpyxl import load_workbook
from sqlmodel import select

from models import Budget, Deputy, Expense, Township
from models.enums import DeputyLevel, Role, UnitType
from services import fund_reports, rules
from services.fund_rules import FUND_RULES
from services.permissions import Actor
from ui import funds as ufunds

Y = 2025
TODAY = date(2026, 3, 1)


def _every_rule_broken(session) -> tuple[int, int]:
    """Two units whose stored records break each rule F01–F11 at least once."""
    rules.install_defaults(session)
    a = Township(code="a", name_zh="甲镇", name_en="Jia", unit_type=UnitType.town)
    b = Township(code="b", name_zh="乙镇", name_en="Yi", unit_type=UnitType.town)
    session.add_all([a, b])
    session.flush()
    session.add(Deputy(township_id=a.id, name="甲", level=DeputyLevel.township))
    session.add(
        Deputy(township_id=a.id, name="乙", level=DeputyLevel.township, has_fixed_income=False)
    )
    session.commit()

    def line(category, amount_fen, district_fen=None):
        district = amount_fen * 2 // 5 if district_fen is None else district_fen
        session.add(
            Budget(
                township_id=a.id,
                year=Y,
                category=category,
                amount_fen=amount_fen,
                district_share_fen=district,
                township_share_fen=amount_fen - district,
            )
        )

    line("meetings", 10_000_000)
    line("training", 100_000)
    line("deputy_activities", 100, district_fen=1)  # F09 share, F10 floor
    line("lost_work", 1_000_000)

    serial = count(1)

    def expense(tid, **kw):
        row = {
            "township_id": tid,
            "occurred_on": date(Y, 5, 5),
            "budget_year": Y,
            "category": "meetings",
            "amount_fen": 1000,
            "payee": "宿迁商贸",
            "purpose": "会议材料",
            "receipt_no": f"N{next(serial)}",
            "exception_reason": "说明",
        } | kw
        session.add(Expense(**row))

    expense(a.id, amount_fen=0)  # F01
    expense(a.id, receipt_no="")  # F02
    expense(a.id, receipt_no="DUP")  # F03, on both units
    expense(b.id, receipt_no="DUP", exception_reason="")
    expense(a.id, purpose="宴请代表")  # F04
    expense(a.id, amount_fen=600_000)  # F05
    expense(a.id, occurred_on=date(Y + 1, 1, 1))  # F06
    expense(a.id, category="unknown_code")  # F07 unknown
    expense(a.id, category="platforms")  # F07 no budget
    expense(a.id, category="training", amount_fen=100_001)  # F08
    expense(a.id, category="lost_work", amount_fen=360_001)  # F11: 300 × 12 × 1 = 3,600.00
    session.commit()
    return a.id, b.id


def test_every_rule_has_a_message_in_both_languages(session):
    _every_rule_broken(session)
    leader = Actor(id=None, username="leader", role=Role.district_leader)
    found = fund_reports.fund_violations(session, leader, year=Y)
    assert {v.code for v in found} == set(FUND_RULES)
    keys = {v.key for v in found}
    assert {"funds.rule.F07.unknown", "funds.rule.F07.no_budget"} <= keys
    r = rules.get_rules(session, Y)
    for lang in ("zh", "en"):
        for v in found:
            text = ufunds.violation_text(v, r, lang)
            assert "[" not in text and "{" not in text, text
            assert not ufunds.rule_title(v.code, lang).endswith("]")
            assert bool(re.search(r"[\u4e00-\u9fff]", text)) == (lang == "zh") or v.code in {
                "F04",  # quotes the banned word itself
                "F07",
            }
    f05 = next(v for v in found if v.code == "F05")
    assert ufunds.violation_text(f05, r, "zh") == (
        "单笔支出 ¥6,000.00 超过 ¥5,000.00，须记录主席团（工委）审议决定及文号。"
    )
    assert "¥6,000.00" in ufunds.violation_text(f05, r, "en")
    f09 = next(v for v in found if v.code == "F09")
    assert "40%" in ufunds.violation_text(f09, r, "zh")  # shares as percentages
    f06 = next(v for v in found if v.code == "F06")
    assert "2025 " in ufunds.violation_text(f06, r, "en")  # a year is no "2,025"
    f08 = next(v for v in found if v.code == "F08")
    assert "“培训”" in ufunds.violation_text(f08, r, "zh")
    assert "“Training”" in ufunds.violation_text(f08, r, "en")


def test_the_export_holds_expenses_and_violations_with_chinese_headers(session):
    a, b = _every_rule_broken(session)
    leader = Actor(id=None, username="leader", role=Role.district_leader)
    r = rules.get_rules(session, Y)
    expenses = fund_reports.list_expenses(session, leader, year=Y)
    found = fund_reports.fund_violations(session, leader, year=Y)
    names = {a: "甲镇", b: "乙镇"}
    wb = load_workbook(io.BytesIO(ufunds.excel_bytes(expenses, found, r, names, "zh")))
    assert wb.sheetnames == ["支出", "违规"]
    ws = wb["支出"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["编号", "单位", "发生日期", "预算年度", "类别", "金额（元）"]
    assert ws.max_row == len(expenses) + 1
    amounts = {
        ws.cell(row=i, column=1).value: ws.cell(row=i, column=6).value
        for i in range(2, ws.max_row + 1)
    }
    training = session.exec(select(Expense.id).where(Expense.category == "training")).one()
    assert Decimal(str(amounts[training])) == Decimal("1000.01")
    assert ws.cell(row=2, column=6).number_format == "#,##0.00"
    wv = wb["违规"]
    assert [c.value for c in wv[1]] == ["单位", "规则", "级别", "说明", "涉及记录", "例外说明"]
    assert wv.max_row == len(found) + 1
    rows = [[c.value for c in row] for row in wv.iter_rows(min_row=2)]
    # The exception reason says where it stands: waiting for the district admin.
    assert any(
        row[1] == "F05 大额支出须经主席团审议" and row[5] == "说明（待审核）" for row in rows
    )
    en = load_workbook(io.BytesIO(ufunds.excel_bytes(expenses, found, r, names, "en")))
    assert en.sheetnames == ["Expenses", "Violations"]
    assert en["Expenses"].cell(row=1, column=6).value == "Amount (yuan)"


def test_category_rows_drop_blank_rows_and_keep_what_was_typed():
    edited = pd.DataFrame(
        [
            {"code": " meetings ", "zh": "会议", "en": "Meetings"},
            {"code": None, "zh": None, "en": None},
            {"code": "new", "zh": "", "en": "New"},
        ]
    )
    assert ufunds.category_rows(edited) == [
        {"code": "meetings", "zh": "会议", "en": "Meetings"},
        {"code": "new", "zh": "", "en": "New"},
    ]


def _budget_table(rows):
    """``budget_vs_actual``'s columns, amounts in Decimal yuan."""
    return pd.DataFrame(
        [
            (tid, name, name, cat, Decimal(budget), Decimal(0), Decimal(0), Decimal(spent))
            for tid, name, cat, budget, spent in rows
        ],
        columns=fund_reports.BUDGET_COLUMNS,
    )


class _Unit:
    def __init__(self, id, name, parent_id=None):
        self.id, self.name_zh, self.parent_id = id, name, parent_id

    def name(self, lang):
        return self.name_zh


def _bars(chart):
    spec = chart.to_dict()
    values = next(iter(spec["datasets"].values()))
    spent = [v for v in values if v["layer"] == "spent"]
    return spec["title"], [(v["label"], v["value"]) for v in spent]


BARS_TABLE = _budget_table(
    [
        (1, "甲镇", "meetings", 100, 80),
        (1, "甲镇", "training", 50, 0),
        (2, "乙镇", "meetings", 200, 50),
        (2, "乙镇", "training", 0, 10),
    ]
)


def test_the_unit_bars_sum_each_unit_or_district_and_name_the_highest_and_lowest_rate():
    units = [_Unit(1, "甲镇", parent_id=7), _Unit(2, "乙镇", parent_id=8)]
    # 甲镇 80 of 150 (53%), 乙镇 60 of 200 (30%); bars by budget, the larger first.
    title, bars = _bars(
        ufunds.unit_bars(BARS_TABLE, units, counties=[], category="", year=Y, lang="zh")
    )
    assert bars == [("乙镇", 60), ("甲镇", 80)]
    assert title == f"{Y}年各单位经费执行率：甲镇最高（53%），乙镇最低（30%）"

    counties = [_Unit(7, "东区"), _Unit(8, "西区")]
    title, bars = _bars(
        ufunds.unit_bars(BARS_TABLE, units, counties=counties, category="", year=Y, lang="zh")
    )
    assert bars == [("西区", 60), ("东区", 80)]
    assert title == f"{Y}年各区县经费执行率：东区最高（53%），西区最低（30%）"

    # One category: meetings only, 甲镇 80 of 100, 乙镇 50 of 200; one unit of a chosen district.
    title, bars = _bars(
        ufunds.unit_bars(BARS_TABLE, units, counties=[], category="meetings", year=Y, lang="zh")
    )
    assert bars == [("乙镇", 50), ("甲镇", 80)]
    _, bars = _bars(
        ufunds.unit_bars(BARS_TABLE, units[:1], counties=[], category="", year=Y, lang="zh")
    )
    assert bars == [("甲镇", 80)]


def test_the_category_bars_name_the_categories_over_budget_and_sum_the_scopes_spending(session):
    rules.install_defaults(session)
    r = rules.get_rules(session, Y)
    whole = ufunds.category_bars(BARS_TABLE, r, None, scope="全区", year=Y, lang="zh")
    title, bars = _bars(whole.chart)
    assert bars == [("会议", 130), ("培训", 10)]  # 300 and 50 budgeted: none over
    assert title == f"{Y}年全区各类别支出均未超预算"
    assert whole.spent == Decimal(140)

    one = ufunds.category_bars(BARS_TABLE, r, 2, scope="乙镇", year=Y, lang="zh")
    title, bars = _bars(one.chart)
    assert bars == [("会议", 50), ("培训", 10)]  # training: 10 spent of no budget
    assert title == f"{Y}年乙镇有 1 个类别超预算，首先是“培训”"
    assert one.spent == Decimal(60)

    nothing = ufunds.category_bars(BARS_TABLE.iloc[0:0], r, None, scope="全区", year=Y, lang="zh")
    assert (nothing.chart, nothing.spent) == (None, Decimal(0))


def test_the_monthly_view_draws_the_months_up_to_today_and_titles_what_was_spent():
    # Budget ¥100,000; ¥20,000 spent in January and ¥30,000 in March (cumulative 50,000).
    months = pd.DataFrame(
        {
            "month": list(range(1, 13)),
            "spent": [Decimal(v) for v in (20000, 0, 30000, *[0] * 9)],
            "cumulative": [Decimal(v) for v in (20000, 20000, *[50000] * 10)],
            "budget": [Decimal(100000)] * 12,
        }
    )
    # On 1 March of the year the months up to March are drawn; spent to date ¥50,000, 50%.
    view = ufunds.monthly_view(months, year=2026, today=TODAY, scope="甲镇", lang="zh")
    assert view.spent_to_date == Decimal(50000)
    spec = view.chart.to_dict()
    assert len(spec["datasets"][spec["layer"][0]["data"]["name"]]) == 3
    assert spec["title"] == "2026年甲镇截至3月累计支出 ¥50,000.00，执行率 50%"
    # A past year: every month, and the whole year's spending.
    past = ufunds.monthly_view(months, year=2025, today=TODAY, scope="Jia", lang="en")
    assert past.spent_to_date == Decimal(50000)
    assert past.chart.to_dict()["title"] == (
        "2025, Jia: ¥50,000.00 spent by the end of M12, 50% of the budget"
    )
    # A year not begun: nothing to draw.
    assert ufunds.monthly_view(months, year=2027, today=TODAY, scope="甲镇", lang="zh") is None
