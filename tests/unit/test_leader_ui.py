"""Formatting and chart helpers of the leader's screens: money in 万元, every month on the axis,
every unit tied for the most overdue named, the tasks' names beside their codes."""

from decimal import Decimal

import pandas as pd

from models.enums import UnitType
from services.checklist import UnitChecklist
from services.task_status import TaskStatus
from ui import charts
from ui import checklist as ui
from ui.format import wan_yuan


def test_money_reads_in_wan_yuan_in_both_languages():
    assert wan_yuan(Decimal("123456.78"), "zh") == "12.3万元"
    assert wan_yuan(Decimal("123456.78"), "en") == "12.3 × 10,000 yuan"
    assert wan_yuan(Decimal("5000000"), "zh", digits=0) == "500万元"
    axis = charts.wan_axis("spent", title="万元").to_dict()
    assert axis["axis"]["labelExpr"] == "format(datum.value / 10000, ',.4~f')"


def test_a_small_amount_never_reads_as_zero():
    # Four expenses of ¥120.50 on a new district's screen: ¥482 = 0.0482万元.
    assert wan_yuan(Decimal("482.00"), "zh") == "0.05万元"
    assert wan_yuan(Decimal("482.00"), "en") == "0.05 × 10,000 yuan"
    assert wan_yuan(Decimal("1"), "zh") == "0.0001万元"
    assert wan_yuan(Decimal("0"), "zh") == "0.0万元"
    assert wan_yuan(Decimal("123456.78"), "zh") == "12.3万元"  # no more decimals than asked


def test_every_month_is_on_the_axis_a_gap_is_zero_a_month_to_come_is_empty():
    df = pd.DataFrame({"month": [1, 2, 4], "attendances": [30, 28, 35]})
    full = charts.all_months(df, month="month", value="attendances", through=5)
    assert list(full["month"]) == list(range(1, 13))
    values = list(full["attendances"])
    assert values[:5] == [30, 28, 0, 35, 0]  # March and May held none: a visible gap
    assert all(pd.isna(v) for v in values[5:])  # June on: not yet due, no bar


def _unit(name: str, overdue: int) -> UnitChecklist:
    tasks = tuple(
        TaskStatus(1, f"T{n:02d}", "A", "overdue" if n <= overdue else "done", "count", 1, 1, 1)
        for n in range(1, 11)
    )
    return UnitChecklist(1, name, name, name, UnitType.town, tasks)


def test_every_unit_tied_for_the_most_overdue_is_named():
    units = [_unit("来龙镇", 1), _unit("曹集乡", 3), _unit("井头街道", 3)]
    worst, most = ui.most_overdue(units)
    assert [u.name_zh for u in worst] == ["曹集乡", "井头街道"] and most == 3
    assert ui.names_list(["曹集乡", "井头街道"], "zh") == "曹集乡、井头街道"
    many = [f"单位{n}" for n in range(1, 6)]
    assert ui.names_list(many, "zh") == "单位1、单位2、单位3等 5 个单位"
    assert ui.most_overdue([_unit("甲", 0)]) == ([], 0)


def test_the_matrix_finding_runs_under_its_heading_in_short_lines_with_names_whole():
    names = ["Caoji Township 004", "Xinzhuang Town 005", "Caoji Township 006"]
    text = (
        "As of Nov 27, 761 of 1160 applicable tasks are done or on track: "
        f"{ui.names_list([*names, 'Zaohe Town 002'], 'en')} have the most overdue (4 each)"
    )
    heading = charts.title(text, font_size=16, wrap=60).to_dict()
    assert heading["text"] == "As of Nov 27, 761 of 1160 applicable tasks are done or on track"
    lines = heading["subtitle"]
    assert len(lines) == 2 and all(len(line) <= 60 for line in lines)
    assert " ".join(lines) == (
        "Caoji Township 004, Xinzhuang Town 005, Caoji Township 006 and others (4 units in all) "
        "have the most overdue (4 each)"
    )
    zh = charts.title(
        "截至11月27日：曹集乡004、新庄镇005、曹集乡006等 4 个单位逾期最多（各4项）",
        font_size=16,
        wrap=12,
    )
    assert zh.to_dict()["subtitle"] == [
        "曹集乡004、",
        "新庄镇005、",
        "曹集乡006等 4",
        "个单位逾期最多（各4项）",
    ]


def test_the_task_axis_names_every_task_under_its_code():
    expr = ui._code_and_name_expr("zh")
    assert "datum.value == 'T02' ? ['T02', '召开主席团', '会议']" in expr
    assert "['T02', 'Presidium', 'meetings']" in ui._code_and_name_expr("en")


def test_at_scale_a_chart_draws_the_first_and_last_units_not_all_of_them():
    from types import SimpleNamespace

    from ui import deck
    from ui import overview as overview_ui

    district = SimpleNamespace(units=list(range(14)))
    assert overview_ui.shown_units(district) == list(range(14))  # type: ignore[arg-type]
    province = SimpleNamespace(units=list(range(1400)))
    shown = overview_ui.shown_units(province)  # type: ignore[arg-type]
    assert shown == [*range(10), *range(1390, 1400)]
    assert deck._ends(list(range(42))) == list(range(42))  # three slides' worth: all
    assert deck._ends(list(range(140))) == [*range(14), *range(126, 140)]


def test_a_ranking_with_no_point_anywhere_names_no_leader():
    from types import SimpleNamespace

    from ui.format import ranking_title

    def unit(name, total):
        return SimpleNamespace(total=total, name=lambda lang, n=name: n)

    nothing = SimpleNamespace(units=[unit("来龙镇", 0.0), unit("新庄镇", 0.0)], median_total=0.0)
    assert ranking_title(nothing, 2026, "zh") == (
        "2026年考评得分：尚无单位得分，各单位录入工作记录后才有分数"
    )
    scored = SimpleNamespace(units=[unit("大兴镇", 94.9), unit("新庄镇", 47.6)], median_total=71.2)
    assert (
        ranking_title(scored, 2026, "zh") == "2026年考评得分：大兴镇第一（94.9 分），中位数 71.2 分"
    )


def test_the_heatmap_title_names_the_dimension_where_the_median_unit_stands_lowest():
    from datetime import date

    from services.scoring import DIMENSIONS, ScoreBoard, UnitScore
    from ui import overview

    full = dict(zip(DIMENSIONS, (40, 15, 15, 10, 10, 10), strict=True))

    def unit(n: int, **earned: float) -> UnitScore:
        points = {d: full[d] * 0.9 for d in DIMENSIONS} | earned
        return UnitScore(
            township_id=n,
            code=f"u{n}",
            name_zh=f"{n}镇",
            name_en=f"Unit {n}",
            unit_type="town",
            dimensions=points,
            max_points=full,
            adjustments=0,
            total=sum(points.values()),
            grade="good",
        )

    # Funds: medians 6 of 10 (60%); supervision: 10 of 15 (67%); every other dimension 90%.
    # One unit's 1 of 15 in supervision does not move the supervision median.
    board = ScoreBoard(
        year=2026,
        as_of=date(2026, 11, 27),
        units=(
            unit(1, funds=5, supervision=10),
            unit(2, funds=6, supervision=1),
            unit(3, funds=8, supervision=12),
        ),
    )
    assert overview.heatmap_title(board, "zh") == "分项得分率：经费管理最需加强"
    assert overview.heatmap_title(board, "en") == (
        "Share of points by dimension: Funding needs the most work"
    )
