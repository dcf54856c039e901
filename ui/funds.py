"""Funding screens: cached reads, message and table formatting, charts and the Excel export."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session

from models.db import session_scope
from services import fund_reports, funds, reads
from services.errors import ServiceError
from services.fund_rules import RecordRef, Severity, Violation, violation_counts
from services.permissions import Actor
from services.rewards import RewardReport, rewards
from services.rules import RuleSet, get_rules
from services.spreadsheets import writer
from ui.cache_keys import copied, shared
from ui.charts import layered, wan_axis
from ui.format import day, number, percent, yuan
from ui.forms import saving
from ui.i18n import current_lang, error_text, local_name, name_column, t
from ui.theme import PRIMARY, STATUS_COLORS

BUDGET_TINT = "#C9D9EA"
SEVERITY_ICON = {Severity.error: ":material/error:", Severity.warning: ":material/warning:"}


# ---------------------------------------------------------------------------------------------
# Cached reads (first argument: the data version, so every audited write refreshes them)


# Shared by every viewer: a rule set is frozen (``services.rules``), read and never changed.
@shared(32)
def rules_for(version: int, year: int) -> RuleSet:
    with session_scope() as session:
        return get_rules(session, year)


# Shared, not copied, by every viewer of the same data version: a province's violations are
# thousands of frozen records that a copy per viewer would unpickle on every run.
@shared(32)
def violations(version: int, actor: Actor, year: int) -> tuple[Violation, ...]:
    with session_scope() as session:
        found = reads.fund_violations(session, actor, year=year, reads=reads.bundle(version))
        return tuple(found)


@shared(64)
def budget_table(version: int, actor: Actor, year: int, township_id: int | None = None):
    with session_scope() as session:
        return fund_reports.budget_vs_actual(session, actor, year=year, township_id=township_id)


@shared(64)
def monthly(version: int, actor: Actor, year: int, township_id: int | None = None):
    with session_scope() as session:
        return fund_reports.monthly_execution(session, actor, year=year, township_id=township_id)


@copied(64)
def expenses(version: int, actor: Actor, year: int, township_id: int | None = None):
    with session_scope() as session:
        return fund_reports.list_expenses(session, actor, year=year, township_id=township_id)


@copied(64)
def exception_claims(version: int, actor: Actor, year: int) -> list[funds.ExceptionClaim]:
    with session_scope() as session:
        return funds.exception_claims(session, actor, year=year)


# Shared, not copied, by every viewer of the same data version (frozen rows, read, never changed):
# a province's report is a row per unit that a copy per viewer would unpickle on every run.
@shared(64)
def reward_report(version: int, actor: Actor, year: int, as_of: date) -> RewardReport:
    with session_scope() as session:
        return rewards(session, actor, year=year, as_of=as_of, reads=reads.bundle(version))


# ---------------------------------------------------------------------------------------------
# Texts


def category_label(rules: RuleSet, code: str, lang: str | None = None) -> str:
    """Category names are data of the rule set, in both languages."""
    lang = lang or current_lang()
    for c in rules.funds.categories:
        if c.code == code:
            return c.zh if lang == "zh" else c.en
    return code


def _param(name: str, value: Any, rules: RuleSet, lang: str) -> str:
    if name == "category":
        return category_label(rules, value, lang)
    if name.endswith("_pct"):
        return percent(value, lang)
    if isinstance(value, Decimal):
        return yuan(value, lang)
    if isinstance(value, date):
        return day(value, lang)
    if isinstance(value, tuple | list):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and "year" not in name:
        return number(value, lang)
    return str(value)


def violation_text(v: Violation, rules: RuleSet, lang: str | None = None) -> str:
    lang = lang or current_lang()
    params = {k: _param(k, val, rules, lang) for k, val in v.params.items()}
    return t(v.key, lang, **params)


def rule_title(code: str, lang: str | None = None) -> str:
    return f"{code} {t(f'funds.rule.{code}.title', lang)}"


def severity_label(severity: Severity, lang: str | None = None) -> str:
    return t(f"funds.severity.{severity.value}", lang)


def record_text(ref: RecordRef, rules: RuleSet, lang: str | None = None) -> str:
    lang = lang or current_lang()
    if ref.kind == "budget":
        return t("funds.record.budget", lang, category=category_label(rules, ref.ref, lang))
    if ref.id is None:
        return t("funds.record.draft", lang)
    receipt = ref.ref or t("funds.record.no_receipt", lang)
    return t("funds.record.expense", lang, id=ref.id, receipt=receipt)


@dataclass(frozen=True)
class OverviewHead:
    """The fund screen's totals and counts."""

    budget: Decimal
    spent: Decimal
    rewards: Decimal
    counts_text: str
    standing: int
    pending: int
    warnings: int
    excepted: int


def overview_head(
    table: pd.DataFrame, found: list[Violation], report: RewardReport
) -> OverviewHead:
    zero = Decimal("0.00")
    return OverviewHead(
        budget=sum(table["budget"], zero),
        spent=sum(table["spent"], zero),
        rewards=report.total_yuan,
        counts_text=counts_text(found),
        standing=sum(1 for v in found if v.standing),
        pending=sum(1 for v in found if v.pending),
        warnings=sum(1 for v in found if v.severity == Severity.warning),
        excepted=sum(1 for v in found if v.excepted),
    )


def counts_text(found: Iterable[Violation], lang: str | None = None) -> str:
    """The headline of error-level violations, e.g. "7 项未解决，2 项已认可例外"."""
    open_, excused = violation_counts(found)
    return t(
        "funds.violation_counts", lang, open=number(open_, lang), excused=number(excused, lang)
    )


def status_label(status: str, lang: str | None = None) -> str:
    return t(f"funds.exception_status.{status}", lang) if status else ""


def exception_text(reason: str, status: str, lang: str | None = None) -> str:
    """An exception reason with where it stands, e.g. "防汛应急（待审核）"."""
    if not reason:
        return ""
    if not status:
        return reason
    return (
        f"{reason}（{status_label(status, lang)}）"
        if (lang or current_lang()) == "zh"
        else (f"{reason} ({status_label(status, lang)})")
    )


def _violation_exception(v: Violation, lang: str | None) -> str:
    if not v.exception_reasons:
        return ""
    if v.excepted:
        status = "approved"
    elif any(r.exception_status == "returned" for r in v.records):
        status = "returned"
    else:
        status = "pending"
    return exception_text(v.exception_reasons, status, lang)


def claim_text(
    claim: funds.ExceptionClaim, rules: RuleSet, names: dict[int, str], lang: str | None = None
) -> str:
    """One record waiting for the admin's decision, e.g. "新庄镇 · 支出#12 · 6,000.00 元 · …"."""
    unit = names.get(claim.township_id, str(claim.township_id))
    if claim.kind == "expense":
        receipt = claim.ref or t("funds.record.no_receipt", lang)
        what = t("funds.record.expense", lang, id=claim.id, receipt=receipt)
        detail = claim.text
    else:
        what = t("funds.record.budget", lang, category=category_label(rules, claim.ref, lang))
        detail = ""
    parts = [unit, what, yuan(claim.amount, lang), detail]
    return " · ".join(p for p in parts if p)


def violation_message(v: Violation, rules: RuleSet) -> str:
    """A message box's text: the rule's code and title in bold, then why."""
    return f"**{rule_title(v.code)}** · {violation_text(v, rules)}"


def show_violations(found: Iterable[Violation], rules: RuleSet) -> None:
    """Each violation as a message box that names the rule and says why."""
    for v in found:
        body = violation_message(v, rules)
        if v.severity == Severity.error:
            st.error(body, icon=SEVERITY_ICON[v.severity])
        else:
            st.warning(body, icon=SEVERITY_ICON[v.severity])


def violations_table(
    found: list[Violation],
    rules: RuleSet,
    names: dict[int, str],
    *,
    codes: list[str],
    severities: list[Severity],
) -> tuple[list[Violation], pd.DataFrame]:
    """The violations of the chosen rules and severities (all when none is chosen), and their
    table."""
    shown = [
        v
        for v in found
        if (not codes or v.code in codes) and (not severities or v.severity in severities)
    ]
    return shown, violations_frame(shown, rules, names)


def violations_frame(
    found: Iterable[Violation], rules: RuleSet, names: dict[int, str], lang: str | None = None
) -> pd.DataFrame:
    lang = lang or current_lang()
    sep = "；" if lang == "zh" else "; "
    rows = [
        {
            t("funds.col.township", lang): names.get(v.township_id, str(v.township_id)),
            t("funds.col.rule", lang): rule_title(v.code, lang),
            t("funds.col.severity", lang): severity_label(v.severity, lang),
            t("funds.col.message", lang): violation_text(v, rules, lang),
            t("funds.col.records", lang): sep.join(record_text(r, rules, lang) for r in v.records),
            t("funds.col.exception", lang): _violation_exception(v, lang),
        }
        for v in found
    ]
    columns = [
        t(f"funds.col.{c}", lang)
        for c in ("township", "rule", "severity", "message", "records", "exception")
    ]
    return pd.DataFrame(rows, columns=columns)


def expenses_frame(df: pd.DataFrame, rules: RuleSet, lang: str | None = None) -> pd.DataFrame:
    """The expense list with the user's language in headers and cells (money as text)."""
    lang = lang or current_lang()
    yes, no = t("funds.yes", lang), t("funds.no", lang)
    out = pd.DataFrame(
        {
            t("funds.col.id", lang): df["id"],
            t("funds.col.township", lang): df[name_column(lang)],
            t("funds.col.occurred_on", lang): [day(d, lang) for d in df["occurred_on"]],
            t("funds.col.category", lang): [category_label(rules, c, lang) for c in df["category"]],
            t("funds.col.amount", lang): [yuan(a, lang) for a in df["amount"]],
            t("funds.col.payee", lang): df["payee"],
            t("funds.col.purpose", lang): df["purpose"],
            t("funds.col.receipt_no", lang): df["receipt_no"],
            t("funds.col.approved", lang): [yes if a else no for a in df["presidium_approved"]],
            t("funds.col.approval_ref", lang): df["approval_ref"],
            t("funds.col.exception", lang): [
                exception_text(r, st_, lang)
                for r, st_ in zip(df["exception_reason"], df["exception_status"], strict=True)
            ],
        }
    )
    return out


def budget_frame(df: pd.DataFrame, rules: RuleSet, lang: str | None = None) -> pd.DataFrame:
    """One unit's budget lines: budget, shares, spent, remaining and the execution rate."""
    lang = lang or current_lang()
    rows = []
    for r in df.itertuples(index=False):
        rows.append(
            {
                t("funds.col.category", lang): category_label(rules, r.category, lang),
                t("funds.col.budget", lang): yuan(r.budget, lang),
                t("funds.col.district_share", lang): yuan(r.district_share, lang),
                t("funds.col.township_share", lang): yuan(r.township_share, lang),
                t("funds.col.spent", lang): yuan(r.spent, lang),
                t("funds.col.remaining", lang): yuan(r.budget - r.spent, lang),
                t("funds.col.rate", lang): rate_text(r.spent, r.budget, lang),
            }
        )
    return pd.DataFrame(rows)


def rate_text(spent: Decimal, budget: Decimal, lang: str | None = None) -> str:
    return percent(float(spent / budget), lang) if budget else "—"


def rewards_frame(report: RewardReport, rules: RuleSet, lang: str | None = None) -> pd.DataFrame:
    lang = lang or current_lang()
    rows = []
    for r in report.rows:
        share = r.platform_share
        rows.append(
            {
                t("funds.col.township", lang): local_name(r, lang),
                t("funds.rewards.col.grade", lang): (
                    t(f"funds.grade.{r.grade}", lang) if r.grade else "—"
                ),
                t("funds.rewards.col.excellent", lang): yuan(r.excellent_yuan, lang),
                t("funds.rewards.col.platform_share", lang): (
                    percent(float(share), lang) if share is not None else "—"
                ),
                t("funds.rewards.col.platform", lang): yuan(r.platform_yuan, lang),
                t("funds.rewards.col.activities", lang): t(
                    "funds.rewards.activities_cell", lang, n=r.activities, levels=r.max_levels
                ),
                t("funds.rewards.col.distinctive", lang): yuan(r.activities_yuan, lang),
                t("funds.rewards.col.total", lang): yuan(r.total_yuan, lang),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Charts (money as whole yuan: a chart needs no fen, and no float is involved)


def unit_bars(
    table: pd.DataFrame,
    units: list,
    *,
    counties: list,
    category: str,
    year: int,
    lang: str,
) -> alt.LayerChart:
    """Budget against spending of ``table`` (``fund_reports.budget_vs_actual``) per county-level
    district when ``counties`` are given, else per unit of ``units``; of one category, or of all
    when ``category`` is empty. Bars sorted by budget; the title names the highest and the
    lowest rate of spending."""
    part = table[table["township_id"].isin([u.id for u in units])]
    if category:
        part = part[part["category"] == category]
    if counties:
        parent = {u.id: u.parent_id for u in units}
        keys = part["township_id"].map(parent)
        label_of = {c.id: c.name(lang) for c in counties}
        label_title = t("linkage.county.col.county", lang)
    else:
        keys = part["township_id"]
        label_of = {u.id: u.name(lang) for u in units}
        label_title = t("funds.col.township", lang)
    sums = part[["budget", "spent"]].groupby(keys.values, sort=False).sum()
    rows = [
        {"label": label_of.get(k, str(k)), "budget": b, "spent": sp}
        for k, b, sp in zip(sums.index, sums["budget"], sums["spent"], strict=True)
    ]
    rated = [r for r in rows if r["budget"]]
    rated.sort(key=lambda r: r["spent"] / r["budget"], reverse=True)
    rows.sort(key=lambda r: r["budget"], reverse=True)
    if rated:
        title = t(
            "funds.chart.by_county_title" if counties else "funds.chart.by_township_title",
            lang,
            year=year,
            top=rated[0]["label"],
            top_rate=percent(rated[0]["spent"] / rated[0]["budget"], lang),
            bottom=rated[-1]["label"],
            bottom_rate=percent(rated[-1]["spent"] / rated[-1]["budget"], lang),
        )
    else:
        plain = "funds.chart.by_county_plain" if counties else "funds.chart.by_township_plain"
        title = t(plain, lang, year=year)
    return budget_bars(rows, label_title=label_title, title=title, lang=lang)


@dataclass(frozen=True)
class CategoryBars:
    chart: alt.LayerChart | None  # None when no category has a budget or spending
    spent: Decimal  # the scope's spending charged to the year, whatever month it occurred in


def category_bars(
    table: pd.DataFrame,
    rules: RuleSet,
    township_id: int | None,
    *,
    scope: str,
    year: int,
    lang: str,
) -> CategoryBars:
    """Budget against spending per category of one unit's rows of ``table`` (of every unit with
    ``township_id`` None), in the order of the rule set; the title names the categories spent
    past their budget. ``scope`` names the unit or the district in the title."""
    part = table if township_id is None else table[table["township_id"] == township_id]
    by_category = part[["budget", "spent"]].groupby(part["category"].values, sort=False).sum()
    rows = [
        {"label": category_label(rules, code, lang), "budget": budget, "spent": spent}
        for code, budget, spent in zip(
            by_category.index, by_category["budget"], by_category["spent"], strict=True
        )
        if budget or spent
    ]
    over = [r for r in rows if r["spent"] > r["budget"]]
    if over:
        title = t(
            "funds.chart.by_category_over",
            lang,
            year=year,
            scope=scope,
            n=len(over),
            first=over[0]["label"],
        )
    else:
        title = t("funds.chart.by_category_ok", lang, year=year, scope=scope)
    chart = (
        budget_bars(rows, label_title=t("funds.col.category", lang), title=title, lang=lang)
        if rows
        else None
    )
    return CategoryBars(chart, sum(part["spent"], Decimal("0.00")))


def budget_bars(
    rows: list[dict],
    *,
    label_title: str,
    title: str,
    lang: str | None = None,
) -> alt.LayerChart:
    """Budget (light, wide) behind spending (dark, narrow; orange-red when over budget), one
    row per label, labels on the vertical axis in the given order. ``rows`` hold ``label``,
    ``budget`` and ``spent`` (Decimal yuan)."""
    lang = lang or current_lang()
    s_budget, s_spent, s_over = (
        t("funds.chart.series_budget", lang),
        t("funds.chart.series_spent", lang),
        t("funds.chart.series_over", lang),
    )
    long = []
    for r in rows:
        budget, spent = r["budget"], r["spent"]
        common = {
            "label": r["label"],
            "budget_text": yuan(budget, lang),
            "spent_text": yuan(spent, lang),
            "rate_text": rate_text(spent, budget, lang),
            "end": int(max(budget, spent)),
        }
        long.append({**common, "layer": "budget", "series": s_budget, "value": int(budget)})
        series = s_over if spent > budget else s_spent
        long.append({**common, "layer": "spent", "series": series, "value": int(spent)})
    df = pd.DataFrame(long)
    order = [r["label"] for r in rows]
    # The chart title names what the rows are; a rotated CJK axis title is hard to read.
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    color = alt.Color(
        "series:N",
        scale=alt.Scale(
            domain=[s_budget, s_spent, s_over],
            range=[BUDGET_TINT, PRIMARY, STATUS_COLORS["overdue"]],
        ),
        legend=alt.Legend(orient="top", title=None),
    )
    tooltip = [
        alt.Tooltip("label:N", title=label_title),
        alt.Tooltip("budget_text:N", title=s_budget),
        alt.Tooltip("spent_text:N", title=s_spent),
        alt.Tooltip("rate_text:N", title=t("funds.col.rate", lang)),
    ]
    x = wan_axis("value", title=t("funds.chart.wan", lang))
    base = alt.Chart()
    back = (
        base.transform_filter(alt.datum.layer == "budget")
        .mark_bar(height={"band": 0.8}, cornerRadiusEnd=2)
        .encode(y=y, x=x, color=color, tooltip=tooltip)
    )
    front = (
        base.transform_filter(alt.datum.layer == "spent")
        .mark_bar(height={"band": 0.4}, cornerRadiusEnd=2)
        .encode(y=y, x=x, color=color, tooltip=tooltip)
    )
    labels = (
        base.transform_filter(alt.datum.layer == "spent")
        .mark_text(align="left", dx=4, color="#333")
        .encode(y=y, x=alt.X("end:Q"), text=alt.Text("rate_text:N"))
    )
    # Streamlit fits title, legend and axis into the height as well.
    height = 110 + 28 * len(order)
    return layered(df, back, front, labels).properties(title=title, height=height)


@dataclass(frozen=True)
class MonthlyView:
    """Spending to date by month on the fund screen: the chart, and what the caption compares."""

    chart: alt.Chart | alt.LayerChart
    spent_to_date: Decimal


def monthly_view(
    months: pd.DataFrame, *, year: int, today: date, scope: str, lang: str
) -> MonthlyView | None:
    """The months of ``year`` up to ``today`` (every month of a past year, none of a future
    one) drawn against the budget, titled with the scope and what was spent; None without a
    month to draw."""
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    months = months[months["month"] <= last_month]
    if months.empty:
        return None
    spent_to_date = months["cumulative"].iloc[-1]
    budget = months["budget"].iloc[0]
    title = t(
        "funds.chart.monthly_title",
        lang,
        year=year,
        scope=scope,
        spent=yuan(spent_to_date, lang),
        rate=rate_text(spent_to_date, budget, lang),
        month=t("common.month_n", lang, n=int(months["month"].iloc[-1])),
    )
    return MonthlyView(monthly_line(months, title=title, lang=lang), spent_to_date)


def monthly_line(
    df: pd.DataFrame, *, title: str, lang: str | None = None
) -> alt.Chart | alt.LayerChart:
    """Spending to date by month against the year's budget (a dashed rule)."""
    lang = lang or current_lang()
    data = pd.DataFrame(
        {
            "month": [t("common.month_n", lang, n=int(m)) for m in df["month"]],
            "cumulative": [int(c) for c in df["cumulative"]],
            "spent_text": [yuan(s, lang) for s in df["spent"]],
            "cumulative_text": [yuan(c, lang) for c in df["cumulative"]],
        }
    )
    month_title = t("funds.chart.month", lang)
    x = alt.X("month:O", sort=None, title=month_title, axis=alt.Axis(labelAngle=0))
    line = (
        alt.Chart(data)
        .mark_line(point=True, color=PRIMARY)
        .encode(
            x=x,
            y=wan_axis("cumulative", title=t("funds.chart.wan", lang), y=True),
            tooltip=[
                alt.Tooltip("month:O", title=month_title),
                alt.Tooltip("spent_text:N", title=t("funds.chart.month_spent", lang)),
                alt.Tooltip("cumulative_text:N", title=t("funds.chart.cumulative", lang)),
            ],
        )
    )
    budget = df["budget"].iloc[0] if len(df) else Decimal("0.00")
    if not budget:
        return line.properties(title=title, height=300)
    label = t("funds.chart.budget_line", lang, amount=yuan(budget, lang))
    # The label sits at the right end of the rule, clear of the axis labels on the left.
    rule_df = pd.DataFrame(
        {"budget": [int(budget)], "text": [label], "month": [data["month"].iloc[-1]]}
    )
    rule = alt.Chart(rule_df).mark_rule(strokeDash=[6, 4], color="#888").encode(y=alt.Y("budget:Q"))
    text = (
        alt.Chart(rule_df)
        .mark_text(align="right", baseline="bottom", dy=-4, color="#555")
        .encode(y=alt.Y("budget:Q"), x=alt.X("month:O", sort=None), text=alt.Text("text:N"))
    )
    return alt.LayerChart(layer=[line, rule, text]).properties(title=title, height=300)


# ---------------------------------------------------------------------------------------------
# Excel export


def _autosize(ws) -> None:
    for idx, column in enumerate(ws.columns, start=1):
        width = max((len(str(c.value)) if c.value is not None else 0) for c in column)
        ws.column_dimensions[get_column_letter(idx)].width = min(60, max(10, width * 1.6))


def excel_bytes(
    expense_df: pd.DataFrame,
    found: list[Violation],
    rules: RuleSet,
    names: dict[int, str],
    lang: str,
) -> bytes:
    """A workbook with the expenses (amounts as exact numbers in yuan) and the violations."""
    wb = Workbook()
    ws = wb.active
    ws.title = t("funds.export.sheet_expenses", lang)
    headers = [
        t(f"funds.col.{c}", lang)
        for c in (
            "id",
            "township",
            "occurred_on",
            "budget_year",
            "category",
            "amount_yuan",
            "payee",
            "purpose",
            "receipt_no",
            "approved",
            "approval_ref",
            "exception",
            "entered_at",
        )
    ]
    ws.append(headers)
    yes, no = t("funds.yes", lang), t("funds.no", lang)
    for r in expense_df.itertuples(index=False):
        entered = r.entered_at
        if isinstance(entered, datetime) and entered.tzinfo is not None:
            entered = entered.replace(tzinfo=None)
        ws.append(
            [
                int(r.id),
                names.get(r.township_id, local_name(r, lang)),
                r.occurred_on,
                int(r.budget_year),
                category_label(rules, r.category, lang),
                r.amount,  # Decimal: written as the exact number
                r.payee,
                r.purpose,
                r.receipt_no,
                yes if r.presidium_approved else no,
                r.approval_ref,
                r.exception_reason,
                entered,
            ]
        )
    for row in ws.iter_rows(min_row=2):
        row[2].number_format = "yyyy-mm-dd"
        row[5].number_format = "#,##0.00"
        row[12].number_format = "yyyy-mm-dd hh:mm"
    ws2 = wb.create_sheet(t("funds.export.sheet_violations", lang))
    frame = violations_frame(found, rules, names, lang)
    ws2.append(list(frame.columns))
    for values in frame.itertuples(index=False):
        ws2.append(list(values))
    for sheet in (ws, ws2):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="center")
        sheet.freeze_panes = "A2"
        _autosize(sheet)
    return writer.save(wb)


# ---------------------------------------------------------------------------------------------
# The rule editor


def _cell(value: Any) -> str:
    # A row added in the editor holds None or NaN in the cells left empty.
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def category_rows(edited: pd.DataFrame) -> list[dict[str, str]]:
    """The category table as typed, blank rows dropped (validation names what is missing)."""
    rows = []
    for rec in edited.to_dict("records"):
        row = {k: _cell(rec.get(k)) for k in ("code", "zh", "en")}
        if any(row.values()):
            rows.append(row)
    return rows


@copied(64)
def budget_lines(version: int, actor: Actor, year: int, township_id: int) -> dict[str, Any]:
    with session_scope() as session:
        return fund_reports.budget_lines(session, actor, year=year, township_id=township_id)


def precheck(
    draft: funds.ExpenseDraft, rules: RuleSet, *, exclude: int | None = None
) -> list[Violation] | None:
    """The rules an expense as typed would break, or None when the input itself is refused
    (the message is shown where the form is)."""
    try:
        prepared = funds.prepare_expense(draft)
        with session_scope() as session:
            return funds.check_expense(session, prepared, rules, exclude=exclude)
    except ServiceError as exc:
        st.error(error_text(exc))
        return None


def may_save(found: list[Violation], reason: str, *, budget: bool = False) -> bool:
    """Shows the violations; False (with the message why) when a save would be refused: an
    error no reason may excuse, or an excusable error without a reason."""
    errors = [v for v in found if v.severity == Severity.error]
    if not errors:
        return True
    if any(not v.excusable for v in errors):
        st.error(t("funds.entry.not_excusable"))
        return False
    if not reason.strip():
        st.error(t("funds.entry.budget_need_reason" if budget else "funds.entry.need_reason"))
        return False
    return True


@contextmanager
def rule_saving(rules: RuleSet, message: str = "", *, slot: str = "") -> Iterator[Session]:
    """``ui.forms.saving`` for a fund record: a refusal for broken fund rules also lists each
    rule and why, above the refusal's message."""
    with saving(message, slot=slot) as session:
        try:
            yield session
        except funds.RuleViolationError as exc:
            show_violations(exc.violations, rules)
            raise
