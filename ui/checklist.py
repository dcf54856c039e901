"""Widgets of the task list: cached reads, status labels, sentences of what is still owed, the
matrix chart and its Excel export."""

import re
from datetime import date
from typing import Literal

import altair as alt
import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from models.db import session_scope
from services import checklist, clock, meetings, reads, rules, task_marks
from services.checklist import ChecklistResult, UnitChecklist
from services.permissions import Actor
from services.spreadsheets import writer
from services.task_status import STATUSES, TaskStatus, clamp_as_of
from ui import charts
from ui.cache_keys import copied, shared
from ui.format import day, month_day, number, percent
from ui.i18n import LANGUAGES, current_lang, label, t
from ui.theme import STATUS_COLORS

TASK_CODES = rules.TASK_CODES
ASPECTS = ("meetings", "supervision", "deputies", "guarantees")
RECORD_PARTS = ("research", "deliberation", "follow_up")


# ---------------------------------------------------------------------------------------------
# Cached reads


# Shared, not copied, by every viewer of the same data version (a frozen result; a province's
# is 14,000 task statuses that a copy per viewer would unpickle on every run).
@shared(32)
def status(
    version: int, actor: Actor, year: int, as_of: date, township_id: int | None = None
) -> ChecklistResult:
    with session_scope() as session:
        return checklist.readable_checklist(
            session,
            actor,
            year=year,
            as_of=as_of,
            township_id=township_id,
            reads=reads.bundle(version),
        )


@copied(64)
def cell_records(
    version: int, actor: Actor, year: int, as_of: date, township_id: int, code: str
) -> pd.DataFrame:
    with session_scope() as session:
        return checklist.cell_records(
            session, actor, year=year, as_of=as_of, township_id=township_id, task_code=code
        )


@copied(64)
def meeting_list(version: int, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return meetings.list_meetings(session, actor, township_id=township_id, year=year)


@copied(64)
def activity_list(version: int, actor: Actor, township_id: int, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return meetings.list_supervision_activities(
            session, actor, township_id=township_id, year=year
        )


@copied(16)
def marks(version: int, actor: Actor, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return task_marks.list_task_marks(session, actor, year=year)


@copied(16)
def rule_set(version: int, year: int) -> rules.RuleSet:
    with session_scope() as session:
        return rules.get_rules(session, year)


# ---------------------------------------------------------------------------------------------
# Dates


def default_as_of(year: int, today: date | None = None) -> date:
    return clamp_as_of(year, today or clock.today())


def as_of_picker(year: int, *, key: str) -> date:
    """The as-of date, kept inside the selected year (a new year resets it)."""
    default = default_as_of(year)
    bounds = (date(year, 1, 1), date(year, 12, 31))
    current = st.session_state.get(key)
    if not isinstance(current, date) or not bounds[0] <= current <= bounds[1]:
        st.session_state[key] = default
    return st.date_input(
        t("checklist.as_of"),
        min_value=bounds[0],
        max_value=bounds[1],
        key=key,
        format="YYYY-MM-DD",
        help=t("checklist.as_of_help"),
    )


# ---------------------------------------------------------------------------------------------
# Texts


def task_name(code: str, lang: str | None = None) -> str:
    return t(f"checklist.task.{code}", lang)


def status_label(code: str, lang: str | None = None) -> str:
    return t(f"checklist.status.{code}", lang)


def _plural(key: str, n: int, lang: str | None, **params) -> str:
    form = "one" if n == 1 else "other"
    return t(f"{key}.{form}", lang, n=n, **params)


def missing_text(item: dict, lang: str | None = None) -> str:
    """One plain sentence of what is still owed, from the service's structured item."""
    lang = lang or current_lang()
    kind = item.get("kind", "")
    base = f"checklist.missing.{kind}"
    if kind in (
        "sessions_needed",
        "meetings_needed",
        "activities_needed",
        "integrated_needed",
        "halves_needed",
    ):
        quarter = item.get("quarter")
        params = {"deadline": month_day(item["deadline"], lang)}
        if quarter:
            params["quarter"] = t(f"checklist.quarter.{quarter}", lang)
            text = _plural(f"{base}_q", item["n"], lang, **params)
        else:
            text = _plural(base, item["n"], lang, **params)
        return text + (t("checklist.missing.overdue_suffix", lang) if item["overdue"] else "")
    if kind == "no_presidium_meeting":
        return t(base, lang)
    if kind == "quarter_without_meeting":
        return t(base, lang, quarter=t(f"checklist.quarter.{item['quarter']}", lang))
    if kind == "meeting_incomplete":
        sep = t("checklist.list_sep", lang)
        parts = sep.join(t(f"checklist.part.{p}", lang) for p in item["parts"])
        return t(base, lang, date=day(item["held_on"], lang), title=item["title"], parts=parts)
    if kind == "meeting_without_topic":
        return t(f"{base}.held", lang, date=day(item["held_on"], lang), title=item["title"])
    if kind == "items_needed":
        return _plural(base, item["n"], lang, due=item["due"])
    if kind == "item_not_closed":
        stage = label("checklist.stage", item["stage"], lang)
        return t(base, lang, title=item["title"], date=day(item["due_on"], lang), stage=stage)
    if kind == "contact_day_missed":
        month = t("common.month_n", lang, n=item["month"])
        if item.get("held_on"):
            return t(
                f"{base}.off_day",
                lang,
                month=month,
                held=month_day(item["held_on"], lang),
                date=month_day(item["day"], lang),
            )
        return t(f"{base}.none", lang, month=month, date=month_day(item["day"], lang))
    if kind == "contact_day_low":
        return t(
            base,
            lang,
            month=t("common.month_n", lang, n=item["month"]),
            share=percent(item["share"], lang),
            min=percent(item["min"], lang),
        )
    if kind == "contact_day_next":
        return t(base, lang, date=month_day(item["day"], lang))
    if kind in ("member_links_short", "deputy_voters_short"):
        return t(base, lang, name=item["name"], have=item["have"], need=item["need"])
    if kind == "more":
        return t(base, lang, n=item["n"])
    if kind in ("visit_needed", "notification_needed"):
        params = {
            "half": t(f"checklist.half.{item['half']}", lang),
            "deadline": month_day(item["deadline"], lang),
        }
        if kind == "notification_needed":
            params["notification"] = label("checklist.notification", item["notification"], lang)
        text = t(base, lang, **params)
        return text + (t("checklist.missing.overdue_suffix", lang) if item["overdue"] else "")
    return t("checklist.missing.other", lang)


def metric_text(task: TaskStatus, lang: str | None = None) -> str:
    """The measure of a task in words: counts against the target, or a share."""
    lang = lang or current_lang()
    if task.status == "not_applicable":
        return t("checklist.metric.not_applicable", lang)
    if task.measure == "count":
        key = "checklist.metric.halves" if task.code == "T09" else "checklist.metric.count"
        params: dict[str, object] = {}
        if task.expected_on is not None:  # held to a point still to come (the verdict's)
            key, params = f"{key}_by", {"date": month_day(task.expected_on, lang)}
        return t(
            key,
            lang,
            value=number(task.value or 0, lang),
            target=number(task.target, lang),
            expected=number(task.expected or 0, lang),
            **params,
        )
    if task.value is None:
        return t("checklist.metric.nothing_due", lang)
    return t(
        "checklist.metric.share",
        lang,
        share=percent(task.value, lang),
        done=number(task.numerator or 0, lang),
        due=number(task.denominator or 0, lang),
        target=percent(task.target, lang),
    )


def verdict_text(task: TaskStatus, lang: str | None = None) -> str:
    """Why the task has its verdict, naming the kind of point that decided it, e.g. "Behind: 1
    of 2; 2 are due by Dec 31 (deadline), 29 days left"."""
    lang = lang or current_lang()
    why = task.decided_by
    if task.status == "not_applicable" or why is None:
        return metric_text(task, lang)
    if task.hand_mark:
        return t("checklist.verdict.hand_mark", lang)
    if task.measure == "count":
        figure = t(
            "checklist.verdict.count_figure",
            lang,
            value=number(task.value or 0, lang),
            target=number(task.target, lang),
        )
    elif task.value is None:
        figure = t("checklist.metric.nothing_due", lang)
        if why.reason in ("nothing_held", "deadline_missed") and why.detail:
            figure = missing_text(why.detail, lang)
    else:
        figure = t(
            "checklist.verdict.share_figure",
            lang,
            share=percent(task.value, lang),
            target=percent(task.target, lang),
        )
    params: dict[str, object] = {"status": status_label(task.status, lang), "figure": figure}
    point = why.point
    if point is not None:
        expected = (
            number(point.expected, lang) if task.measure == "count" else percent(task.target, lang)
        )
        params |= {
            "date": month_day(point.day, lang),
            "expected": expected,
            "kind": t(f"checklist.rules.point.{point.kind}", lang),
            "days": why.days_left,
        }
    reason = why.reason
    if reason == "next" and point is None:
        reason = "target_met" if task.status == "done" else "on_track"
    if reason == "unreachable":
        params["why"] = unreachable_text(why.detail or {}, lang)
    return t(f"checklist.verdict.{reason}", lang, **params)


def unreachable_text(detail: dict, lang: str) -> str:
    """Why a year's target can no longer be met."""
    if detail.get("kind") == "quarters_without_meeting":
        sep = t("checklist.list_sep", lang)
        quarters = sep.join(t(f"checklist.quarter.{q}", lang) for q in detail.get("quarters", []))
        return t("checklist.verdict.why.quarters_without_meeting", lang, quarters=quarters)
    return t("checklist.verdict.why.target_unreachable", lang, n=detail.get("misses", 0))


def cell_value(task: TaskStatus, lang: str | None = None) -> str:
    """Short figure for a matrix cell: "2/4" or "80%"; a hand mark is flagged."""
    if task.status == "not_applicable":
        return "—"
    if task.measure == "count":
        text = f"{number(task.value or 0, lang)}/{number(task.target, lang)}"
    else:
        text = percent(task.value, lang) if task.value is not None else "—"
    return text + ("✍" if task.hand_mark else "")


# ---------------------------------------------------------------------------------------------
# The matrix


def sort_units(result: ChecklistResult, order: str) -> list[UnitChecklist]:
    units = list(result.units)
    if order == "met_desc":
        return sorted(units, key=lambda u: (-u.met, u.applicable))
    if order == "met_asc":
        return sorted(units, key=lambda u: (u.met, -u.applicable))
    if order == "overdue_desc":
        return sorted(units, key=lambda u: -sum(x.status == "overdue" for x in u.tasks))
    return units


def matrix_table(units: list[UnitChecklist], lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(labels, status codes): one row per unit, one column per task, a totals column and a
    totals row (tasks in order / tasks applicable)."""
    unit_col = t("checklist.col.unit", lang)
    total_col = t("checklist.col.total", lang)
    labels, codes = [], []
    status_labels = {code: status_label(code, lang) for code in STATUSES}
    for u in units:
        row = {unit_col: u.name(lang)}
        code_row = {unit_col: ""}
        for task in u.tasks:
            row[task.code] = f"{status_labels[task.status]} {cell_value(task, lang)}"
            code_row[task.code] = task.status
        row[total_col] = f"{u.met}/{u.applicable}"
        code_row[total_col] = ""
        labels.append(row)
        codes.append(code_row)
    totals = {unit_col: t("checklist.row.total", lang), total_col: ""}
    for code in TASK_CODES:
        tasks = [u.task(code) for u in units]
        applicable = sum(x.status != "not_applicable" for x in tasks)
        totals[code] = f"{sum(x.met for x in tasks)}/{applicable}"
    labels.append(totals)
    codes.append(dict.fromkeys(totals, ""))
    columns = [unit_col, *TASK_CODES, total_col]
    return pd.DataFrame(labels, columns=columns), pd.DataFrame(codes, columns=columns)


def styled_matrix(labels: pd.DataFrame, codes: pd.DataFrame):
    def colour(_):
        return codes.map(
            lambda c: f"background-color: {STATUS_COLORS[c]}; color: #111" if c else ""
        ).set_axis(labels.columns, axis=1)

    return labels.style.apply(colour, axis=None)


def most_overdue(units: list[UnitChecklist]) -> tuple[list[UnitChecklist], int]:
    """The units with the most overdue tasks (all of them when tied) and that number."""
    counts = [sum(x.status == "overdue" for x in u.tasks) for u in units]
    top = max(counts, default=0)
    return [u for u, n in zip(units, counts, strict=True) if n == top and top], top


def names_list(names: list[str], lang: str, *, most: int = 3) -> str:
    """ "曹集乡、井头街道"; past ``most`` names: "甲、乙、丙等 12 个单位"."""
    sep = t("checklist.list_sep", lang)
    if len(names) <= most:
        return sep.join(names)
    return t("checklist.matrix.and_more", lang, names=sep.join(names[:most]), n=len(names))


def _wrapped(name: str, lang: str) -> list[str]:
    """A task's name in short lines for a narrow column: five characters a line in Chinese,
    about fourteen letters (at a space) in English."""
    if lang == "zh":
        return [name[i : i + 5] for i in range(0, len(name), 5)]
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= 14:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _code_and_name_expr(lang: str) -> str:
    """An axis label of a few lines: the task's code, then its name wrapped."""
    parts = []
    for c in TASK_CODES:
        lines = ", ".join(f"'{x}'" for x in [c, *_wrapped(task_name(c, lang), lang)])
        parts.append(f"datum.value == '{c}' ? [{lines}]")
    return " : ".join(parts) + " : datum.value"


# Units per page of the matrix: a district is one page; a city or a province pages.
MATRIX_PAGE = 40


def matrix_chart(units: list[UnitChecklist], lang: str, title: str) -> alt.Chart:
    # Column by column, each label looked up once: a province has 14,000 cells.
    names = {code: task_name(code, lang) for code in TASK_CODES}
    labels = {code: status_label(code, lang) for code in STATUSES}
    cells = [(u, task) for u in units for task in u.tasks]
    df = pd.DataFrame(
        {
            "township_id": [u.township_id for u, _ in cells],
            "unit": [u.name(lang) for u, _ in cells],
            "task": [task.code for _, task in cells],
            "task_name": [names[task.code] for _, task in cells],
            "status": [task.status for _, task in cells],
            "status_label": [labels[task.status] for _, task in cells],
            "figure": [cell_value(task, lang) for _, task in cells],
        }
    )
    order = [u.name(lang) for u in units]
    click = alt.selection_point(name="cell", fields=["township_id", "task"])
    # The finding (who has most overdue) under the title, wrapped: on one line a city's names
    # would squeeze the grid.
    heading = charts.title(title, font_size=16, wrap=40 if lang == "zh" else 80)
    base = alt.Chart(title=heading).encode(
        x=alt.X(
            "task:N",
            title=None,
            sort=list(TASK_CODES),
            # Below the cells: a label of several lines grows downwards, into the cells when
            # set on top.
            axis=alt.Axis(
                orient="bottom", labelAngle=0, labelExpr=_code_and_name_expr(lang), labelLimit=110
            ),
        ),
        y=alt.Y("unit:N", title=None, sort=order, axis=alt.Axis(labelLimit=200)),
    )
    rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=list(STATUSES), range=[STATUS_COLORS[s] for s in STATUSES]),
            legend=alt.Legend(
                title=None,
                orient="bottom",
                labelExpr=_legend_expr(lang),
            ),
        ),
        opacity=alt.OpacityValue(**alt.condition(click, alt.value(1.0), alt.value(0.45))),
        tooltip=[
            alt.Tooltip("unit:N", title=t("checklist.col.unit", lang)),
            alt.Tooltip("task_name:N", title=t("checklist.col.task", lang)),
            alt.Tooltip("status_label:N", title=t("checklist.col.status", lang)),
            alt.Tooltip("figure:N", title=t("checklist.col.figure", lang)),
        ],
    )
    text = base.mark_text(fontSize=11, color="#111").encode(text=alt.Text("figure:N"))
    return (
        charts.layered(df, rects, text)
        .add_params(click)
        .properties(height=max(200, 34 * len(units)))
        .configure_view(stroke=None)
    )


def _legend_expr(lang: str) -> str:
    parts = [f"datum.value == '{s}' ? '{status_label(s, lang)}'" for s in STATUSES]
    return " : ".join(parts) + " : datum.value"


def matrix_view(result: ChecklistResult, order: str, lang: str) -> tuple[list[UnitChecklist], str]:
    """The units in the chosen ``order`` and the matrix's title: the cells met of all, and the
    units with most overdue tasks."""
    units = sort_units(result, order)
    cells = sum(u.applicable for u in units)
    met = sum(u.met for u in units)
    worst, most = most_overdue(list(result.units))
    day_text = month_day(result.as_of, lang)
    if not worst:
        return units, t(
            "checklist.matrix.chart_title_clean", lang, date=day_text, cells=cells, met=met
        )
    title = t(
        "checklist.matrix.chart_title_tied" if len(worst) > 1 else "checklist.matrix.chart_title",
        lang,
        date=day_text,
        cells=cells,
        met=met,
        worst=names_list([u.name(lang) for u in worst], lang),
        n=most,
    )
    return units, title


def show_matrix(chart: alt.Chart, *, key: str):
    """The matrix chart with a click selection (a cell's records show below it)."""
    return charts.show(chart, key=key, on_select="rerun", selection_mode="cell")


def matrix_xlsx(units: list[UnitChecklist], lang: str, *, year: int, as_of: date) -> bytes:
    """The matrix as an Excel sheet: status and figure per cell, totals, status colours."""
    labels, codes = matrix_table(units, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = t("checklist.xlsx.sheet", lang)
    ws.append([t("checklist.xlsx.heading", lang, year=year, date=day(as_of, lang))])
    ws["A1"].font = Font(bold=True, size=13)
    header = [
        labels.columns[0],
        *[f"{c} {task_name(c, lang)}" for c in TASK_CODES],
        labels.columns[-1],
    ]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for (_, row), (_, code_row) in zip(labels.iterrows(), codes.iterrows(), strict=True):
        ws.append(list(row))
        for col, code in enumerate(code_row, start=1):
            if code:
                fill = STATUS_COLORS[code].lstrip("#")
                ws.cell(ws.max_row, col).fill = PatternFill("solid", fgColor=fill)
    ws.column_dimensions["A"].width = 16
    for col in range(2, len(header) + 1):
        ws.column_dimensions[ws.cell(2, col).column_letter].width = 16
    return writer.save(wb)


# ---------------------------------------------------------------------------------------------
# One unit


def unit_strip(unit: UnitChecklist, lang: str, title: str) -> alt.LayerChart:
    df = pd.DataFrame(
        [
            {
                "task": task.code,
                "task_name": task_name(task.code, lang),
                "status": task.status,
                "status_label": status_label(task.status, lang),
                "figure": cell_value(task, lang),
                "unit": unit.name(lang),
            }
            for task in unit.tasks
        ]
    )
    # The finding (who has most overdue) under the title, wrapped: on one line a city's names
    # would squeeze the grid.
    heading = charts.title(title, font_size=16, wrap=40 if lang == "zh" else 80)
    base = alt.Chart(title=heading).encode(
        x=alt.X(
            "task:N",
            title=None,
            sort=list(TASK_CODES),
            axis=alt.Axis(labelAngle=0, labelExpr=_code_and_name_expr(lang), labelLimit=110),
        ),
        y=alt.Y("unit:N", title=None, axis=alt.Axis(labelLimit=200)),
    )
    rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=list(STATUSES), range=[STATUS_COLORS[s] for s in STATUSES]),
            legend=alt.Legend(title=None, orient="bottom", labelExpr=_legend_expr(lang)),
        ),
        tooltip=[
            alt.Tooltip("task_name:N", title=t("checklist.col.task", lang)),
            alt.Tooltip("status_label:N", title=t("checklist.col.status", lang)),
            alt.Tooltip("figure:N", title=t("checklist.col.figure", lang)),
        ],
    )
    text = base.mark_text(fontSize=12, color="#111").encode(text=alt.Text("figure:N"))
    return charts.layered(df, rects, text).properties(height=STRIP_HEIGHT)


# Streamlit fits the whole chart (axis and legend included) into this height; the task axis
# names each task under its code in up to five lines.
STRIP_HEIGHT = 240
# The colours st.badge accepts.
BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "primary"]
BADGE_COLORS: dict[str, BadgeColor] = {
    "done": "green",
    "on_track": "blue",
    "behind": "orange",
    "overdue": "red",
    "not_applicable": "gray",
}


def task_legend(lang: str) -> str:
    """ "T01 召开人代会 · T02 …": the names behind the codes on a chart axis."""
    return " · ".join(f"{code} {task_name(code, lang)}" for code in TASK_CODES)


def task_card(task: TaskStatus, lang: str, *, key: str, unit: str | None = None) -> None:
    """One task: its name and status, the measure, and what is still owed, in sentences; headed
    by the unit's name where the screen shows more than one unit."""
    with st.container(border=True, key=key):
        head, badge = st.columns([4, 1])
        name = f"{task.code} {task_name(task.code, lang)}"
        head.markdown(f"**{_escape(unit)} · {name}**" if unit else f"**{name}**")
        with badge:
            st.badge(status_label(task.status, lang), color=BADGE_COLORS[task.status])
        st.caption(metric_text(task, lang))
        st.markdown(_escape(verdict_text(task, lang)))
        if task.hand_mark:
            st.info(t("checklist.hand_mark", lang), icon=":material/edit_note:")
            st.text(task.mark_evidence)
        for item in task.missing:
            st.markdown(f"- {_escape(missing_text(item, lang))}")


def _escape(text: str) -> str:
    """Markdown-neutral: user-entered titles appear inside sentences as plain text."""
    for ch in ("\\", "*", "_", "`", "[", "]", "<", ">", "#", "|", "~", "$", ":"):
        text = text.replace(ch, "\\" + ch)
    return text


# ---------------------------------------------------------------------------------------------
# Records behind a cell


def records_frame(df: pd.DataFrame, code: str, lang: str) -> pd.DataFrame:
    """The records of cell_records with localised headers and codes."""
    value_key = {
        "T01": "attendance",
        "T02": "attendance",
        "T04": "topics",
        "T05": "participants",
        "T07": "participants",
        "T08": "links",
        "T09": "people",
        "T10": "participants",
    }.get(code)
    out = pd.DataFrame()
    if code != "T08":
        out[t("checklist.rec.date", lang)] = [day(d, lang) if d else "" for d in df["date"]]
    out[t("checklist.rec.kind", lang)] = [label("checklist.kind", k, lang) for k in df["kind"]]
    out[t("checklist.rec.title", lang)] = list(df["title"])
    if value_key:
        out[t(f"checklist.rec.value.{value_key}", lang)] = [
            "" if v is None or pd.isna(v) else number(int(v), lang) for v in df["value"]
        ]
    details = []
    for raw in df["detail"]:
        codes = [c for c in str(raw or "").split(",") if c]
        sep = t("checklist.list_sep", lang)
        if code == "T10":
            details.append(sep.join(label("checklist.level", c, lang) for c in codes))
        elif code == "T06":
            details.append(sep.join(label("checklist.stage", c, lang) for c in codes))
        else:
            details.append(sep.join(label("checklist.detail", c, lang) for c in codes))
    if any(details):
        out[t("checklist.rec.detail", lang)] = details
    if df["text"].astype(str).str.len().any():
        out[t(f"checklist.rec.text.{code}", lang)] = list(df["text"])
    out[t("checklist.rec.counts", lang)] = [
        t("checklist.yes", lang) if c else t("checklist.no", lang) for c in df["counts"]
    ]
    return out


# ---------------------------------------------------------------------------------------------
# The rules form

_SCHEDULE_ITEM = re.compile(r"^(\d{2}-\d{2})\s*:\s*(\d+(?:\.\d+)?)\s*(.*)$")
POINT_KINDS = ("deadline", "pace")


def schedule_text(task: rules.TaskRule, lang: str | None = None) -> str:
    """ "06-30:1 pace; 12-31:2 deadline", the kind of each point named in the user's language."""
    return "; ".join(
        f"{d.by}:{d.expected:g} {t(f'checklist.rules.point.{d.kind}', lang)}" for d in task.schedule
    )


def _point_kind(word: str) -> str | None:
    """The kind a word names in either language; a point without a word is a deadline."""
    if not word:
        return "deadline"
    for kind in POINT_KINDS:
        names = {kind} | {t(f"checklist.rules.point.{kind}", lang).casefold() for lang in LANGUAGES}
        if word.casefold() in names:
            return kind
    return None


def parse_schedule(text: str) -> list[dict] | None:
    """ "03-31:1 pace; 12-31:4" → [{"by": "03-31", "expected": 1.0, "kind": "pace"},
    {"by": "12-31", "expected": 4.0, "kind": "deadline"}]; None when malformed."""
    out = []
    for part in re.split(r"[;；,，]", (text or "").strip()):
        part = part.strip()
        if not part:
            continue
        match = _SCHEDULE_ITEM.match(part)
        kind = _point_kind(match.group(3).strip()) if match else None
        if match is None or kind is None:
            return None
        out.append({"by": match.group(1), "expected": float(match.group(2)), "kind": kind})
    return out


def parse_dates(text: str) -> list[str] | None:
    """ "2026-05-06, 2026-05-09" → ["2026-05-06", "2026-05-09"]; None when a date is bad."""
    out = []
    for part in re.split(r"[;；,，\s]+", (text or "").strip()):
        if not part:
            continue
        try:
            out.append(date.fromisoformat(part).isoformat())
        except ValueError:
            return None
    return out


def rules_from_form(
    current: rules.RuleSet,
    tasks: dict[str, dict],
    *,
    day_of_month: int,
    tolerance: str,
    min_participation: float,
    local_holidays: str = "",
    local_working_days: str = "",
) -> tuple[dict, list[tuple[str, str]]]:
    """The rule-set data of the edited form, and the problems found before validation.

    ``tasks`` maps a task code to its edited applies_to, weight, target, schedule text and
    warn_days. The target of T06 is also the closure target of supervision items, so the two
    stay equal. ``local_holidays`` and ``local_working_days`` are ISO dates, comma-separated.
    """
    data = rules.to_content(current)
    problems: list[tuple[str, str]] = []
    for i, task in enumerate(data["checklist"]["tasks"]):
        row = tasks.get(task["code"])
        if row is None:
            continue
        task["applies_to"] = list(row["applies_to"])
        task["weight"] = _number(row["weight"])
        task["target"] = _number(row["target"])
        schedule = parse_schedule(str(row["schedule"] or ""))
        if schedule is None:
            problems.append((f"checklist.tasks[{i}].schedule", t("checklist.rules.bad_schedule")))
        else:
            task["schedule"] = schedule
        if "warn_days" in row:
            task["warn_days"] = int(_number(row["warn_days"]))
        if task["code"] == "T06":
            data["supervision"]["closure_target"] = task["target"]
    data["contact_day"].update(
        day_of_month=day_of_month, tolerance=tolerance, min_participation=min_participation
    )
    for key, text in (
        ("local_holidays", local_holidays),
        ("local_working_days", local_working_days),
    ):
        days = parse_dates(text)
        if days is None:
            problems.append((f"contact_day.{key}", t("checklist.rules.bad_dates")))
        else:
            data["contact_day"][key] = days
    return data, problems


def _number(value) -> float:
    try:
        number_ = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if pd.isna(number_) else number_
