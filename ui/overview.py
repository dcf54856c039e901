"""Overview, scorecard and presentation on screen: cached reads and the charts they share."""

from datetime import date

import altair as alt
import pandas as pd

from models.db import session_scope
from services import (
    linkage,
    overview,
    reads,
    reporting,
    rules,
    scoring,
    supervision,
    supervision_metrics,
)
from services.permissions import Actor
from ui import charts
from ui.cache_keys import copied, shared
from ui.format import month_day, percent
from ui.i18n import label, name_column, t
from ui.theme import PALETTE, PRIMARY, STATUS_COLORS

GRADE_COLORS = {
    "excellent": STATUS_COLORS["done"],
    "good": STATUS_COLORS["on_track"],
    "pass": STATUS_COLORS["behind"],
    "fail": STATUS_COLORS["overdue"],
}


# Shared, not copied, by every viewer of the same data version: a province's board is thousands
# of frozen records that a copy per viewer would unpickle on every run.
@shared(8)
def scoreboard(version: int, year: int, as_of: date) -> scoring.ScoreBoard:
    with session_scope() as session:
        return scoring.township_scores(session, year, as_of, reads=reads.bundle(version))


@shared(64)
def last_year_score(
    version: int, year: int, as_of: date, township_id: int
) -> scoring.UnitScore | None:
    with session_scope() as session:
        return scoring.unit_score(session, year, as_of, township_id)


@copied(32)
def headline(version: int, actor: Actor, year: int, as_of: date) -> overview.Headline:
    with session_scope() as session:
        return overview.headline(
            session, actor, year=year, as_of=as_of, reads=reads.bundle(version)
        )


@copied(32)
def alerts(version: int, actor: Actor, year: int, as_of: date) -> list[overview.Alert]:
    with session_scope() as session:
        return overview.alerts(session, actor, year=year, as_of=as_of, reads=reads.bundle(version))


@copied(32)
def reporting_status(version: int, actor: Actor, as_of: date) -> list[reporting.UnitReporting]:
    with session_scope() as session:
        return reporting.reporting_status(session, actor, as_of=as_of)


@copied(32)
def late_entries(version: int, actor: Actor, year: int) -> pd.DataFrame:
    with session_scope() as session:
        return reporting.late_entries(session, actor, year=year)


@copied(32)
def commendations(version: int, actor: Actor, year: int, as_of: date) -> list[dict]:
    with session_scope() as session:
        return overview.commendations(session, actor, year=year, as_of=as_of)


@copied(64)
def due_this_week(
    version: int, actor: Actor, township_id: int, as_of: date
) -> list[overview.DueItem]:
    with session_scope() as session:
        return overview.due_this_week(session, actor, township_id=township_id, as_of=as_of)


@copied(32)
def late_after_days(version: int, year: int) -> int:
    with session_scope() as session:
        return rules.get_rules(session, year).reporting.late_after_days


@copied(32)
def participation(version: int, actor: Actor, year: int, as_of: date) -> pd.DataFrame:
    with session_scope() as session:
        return linkage.contact_participation(session, actor, year=year, as_of=as_of)


@copied(32)
def stage_counts(version: int, actor: Actor, year: int, as_of: date) -> pd.DataFrame:
    with session_scope() as session:
        return supervision_metrics.stage_counts(session, actor, year=year, as_of=as_of)


@shared(32)
def unit_calls(version: int, actor: Actor, year: int, as_of: date) -> list[overview.UnitCall]:
    with session_scope() as session:
        return overview.unit_calls(
            session, actor, year=year, as_of=as_of, reads=reads.bundle(version)
        )


# Units per page of the list of calls: a district fits on one page; a city or a province pages.
CALLS_PAGE = 15


def calls_frame(calls: list[overview.UnitCall], lang: str) -> pd.DataFrame:
    """One row per thing a unit lags in: unit, what, status, since when, what puts it right;
    ``township_id`` kept for the click-through (not shown)."""
    from ui.checklist import missing_text, status_label, task_name

    sep = t("checklist.list_sep", lang)
    rows = []
    for call in calls:
        for lag in call.lags:
            if lag.task is not None:
                what = f"{lag.code} {task_name(lag.code, lang)}"
                fix = sep.join(missing_text(m, lang) for m in lag.task.missing)
            else:
                item = lag.item or {}
                what = t("overview.calls.supervision", lang, title=item.get("title", ""))
                fix = t(
                    "overview.calls.supervision_fix",
                    lang,
                    stage=label("supervision.stage", item.get("stage", ""), lang),
                    day=month_day(item["deadline"], lang),
                )
            rows.append(
                {
                    "township_id": call.township_id,
                    t("overview.calls.col_unit", lang): call.name(lang),
                    t("overview.calls.col_what", lang): what,
                    t("overview.calls.col_status", lang): status_label(lag.status, lang),
                    t("overview.calls.col_since", lang): (
                        month_day(lag.since, lang)
                        if lag.since
                        else t("overview.calls.since_unknown", lang)
                    ),
                    t("overview.calls.col_fix", lang): fix,
                }
            )
    return pd.DataFrame(rows)


def alert_text(alert: overview.Alert, lang: str) -> str:
    params = dict(alert.params)
    units = params.pop("units", None)
    if units is not None:  # units with their items: "皂河镇：“…”、“…”", five units at most
        from ui.checklist import names_list

        params["names"] = names_list(
            [
                t(
                    "overview.calls.unit_items",
                    lang,
                    name=u["name_zh"] if lang == "zh" else u["name_en"],
                    titles=("、" if lang == "zh" else ", ").join(f"“{x}”" for x in u["titles"]),
                )
                for u in units
            ],
            lang,
            most=5,
        )
    counts = params.pop("counts", None)
    if counts is not None:  # units with a count each, the most first: "曹集乡 20 条、…"
        from ui.checklist import names_list

        params["names"] = names_list(
            [
                t(
                    "overview.calls.unit_count",
                    lang,
                    name=c["name_zh"] if lang == "zh" else c["name_en"],
                    n=c["n"],
                )
                for c in counts
            ],
            lang,
            most=5,
        )
    names = params.pop("names_zh", None), params.pop("names_en", None)
    if names[0] is not None:
        params["names"] = ("、" if lang == "zh" else ", ").join(
            names[0] if lang == "zh" else names[1]
        )
    if "day" in params:
        params["day"] = month_day(params["day"], lang)
    return t(alert.key, lang, **params)


DIMENSION_ORDER = scoring.DIMENSIONS
PICK = "pick_unit"


def picked_township(event) -> int | None:
    """The unit clicked in a chart made with ``pick=True``, if any."""
    try:
        points = event.selection[PICK]
    except (AttributeError, KeyError, TypeError):
        return None
    return int(points[0]["township_id"]) if points else None


# A chart with a row per unit draws them all up to this many; past it (a city, a province) the
# first and the last TOP_N by rank, so a leader still sees who leads and who trails.
ALL_ROWS_UP_TO = 30
TOP_N = 10


def shown_units(board: scoring.ScoreBoard) -> list[scoring.UnitScore]:
    """The units a chart draws: all of a district; the top and bottom TOP_N of more."""
    units = list(board.units)
    if len(units) <= ALL_ROWS_UP_TO:
        return units
    return [*units[:TOP_N], *units[-TOP_N:]]


def ranking_chart(
    board: scoring.ScoreBoard, lang: str, *, title: str, big: bool = False, pick: bool = False
):
    df = board.frame()
    ids = {u.township_id for u in shown_units(board)}
    df = df[df["township_id"].isin(ids)].copy()
    df["unit"] = df[name_column(lang)]
    df["grade_label"] = [label("score.grade", g, lang) for g in df["grade"]]
    order = [label("score.grade", g, lang) for g in GRADE_COLORS]
    size = 18 if big else 12
    bars = (
        alt.Chart(title=charts.title(title, font_size=size + 8))
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            # An explicit order: a layered chart ignores sort="-x".
            y=alt.Y(
                "unit:N",
                sort=list(df["unit"]),
                title=None,
                axis=alt.Axis(labelFontSize=size, labelLimit=260),
            ),
            x=alt.X(
                "total:Q",
                title=t("overview.col.total", lang),
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(labelFontSize=size, titleFontSize=size),
            ),
            color=alt.Color(
                "grade_label:N",
                title=t("overview.col.grade", lang),
                scale=alt.Scale(domain=order, range=list(GRADE_COLORS.values())),
                legend=alt.Legend(orient="bottom", labelFontSize=size, titleFontSize=size),
            ),
            tooltip=[
                alt.Tooltip("rank:Q", title=t("overview.col.rank", lang)),
                alt.Tooltip("unit:N", title=t("overview.col.unit", lang)),
                alt.Tooltip("total:Q", title=t("overview.col.total", lang), format=".1f"),
                alt.Tooltip("grade_label:N", title=t("overview.col.grade", lang)),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=4, fontSize=size).encode(
        text=alt.Text("total:Q", format=".1f"), color=alt.ColorValue("#333")
    )
    if pick:
        bars = bars.add_params(alt.selection_point(name=PICK, fields=["township_id"]))
    return charts.layered(df, bars, text).properties(height=(44 if big else 28) * len(df))


def heatmap_title(board: scoring.ScoreBoard, lang: str) -> str:
    """The heatmap's title: the dimension where the median unit stands lowest against its full
    points (a board of one unit or more)."""
    full = board.units[0].max_points
    weakest = min(
        DIMENSION_ORDER,
        key=lambda d: (board.median_of(d) or 0.0) / full[d] if full[d] else 1,
    )
    return t("overview.heatmap_title", lang, weak=t(f"score.dimension.{weakest}", lang))


def dimension_heatmap(board: scoring.ScoreBoard, lang: str, *, title: str, big: bool = False):
    rows = []
    for u in shown_units(board):
        for d in scoring.DIMENSIONS:
            top = u.max_points[d]
            rows.append(
                {
                    "unit": u.name(lang),
                    "rank": u.rank,
                    "dimension": t(f"score.dimension.{d}", lang),
                    "share": u.dimensions[d] / top if top else 0.0,
                    "points": u.dimensions[d],
                    "max": top,
                }
            )
    df = pd.DataFrame(rows)
    df["share_text"] = [percent(s, lang) for s in df["share"]]
    size = 18 if big else 12
    units = [u.name(lang) for u in shown_units(board)]
    dims = [t(f"score.dimension.{d}", lang) for d in scoring.DIMENSIONS]
    base = alt.Chart(title=charts.title(title, font_size=size + 8)).encode(
        y=alt.Y(
            "unit:N", sort=units, title=None, axis=alt.Axis(labelFontSize=size, labelLimit=260)
        ),
        x=alt.X(
            "dimension:N",
            sort=dims,
            title=None,
            # Six columns at half width: a name breaks into lines at its spaces, and a Chinese
            # one before "与" ("一体化活动" / "与表彰"), so neighbours do not run together.
            axis=alt.Axis(
                labelAngle=0,
                labelFontSize=size,
                labelLimit=200,
                labelExpr="split(replace(datum.label, '与', ' 与'), ' ')",
            ),
        ),
    )
    cells = base.mark_rect(stroke="#fff").encode(
        color=alt.Color(
            "share:Q",
            title=t("overview.col.share", lang),
            scale=alt.Scale(domain=[0, 1], scheme="blues"),
            legend=alt.Legend(format="%", orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("unit:N", title=t("overview.col.unit", lang)),
            alt.Tooltip("dimension:N", title=t("overview.col.dimension", lang)),
            alt.Tooltip("points:Q", title=t("overview.col.points", lang), format=".1f"),
            alt.Tooltip("max:Q", title=t("score.max_points", lang)),
        ],
    )
    text = base.mark_text(fontSize=size - 1).encode(
        text=alt.Text("share_text:N"),
        color=alt.ColorValue(
            **alt.condition(alt.datum.share > 0.6, alt.value("#fff"), alt.value("#222"))
        ),
    )
    return charts.layered(df, cells, text).properties(height=(40 if big else 26) * len(units))


def participation_bars(frame: pd.DataFrame, lang: str, *, title: str, big: bool = False):
    size = 18 if big else 12
    df = frame.sort_values("rate", ascending=False).copy()
    df["unit"] = df[name_column(lang)]
    df["rate_text"] = [percent(r, lang) for r in df["rate"]]
    bars = (
        alt.Chart(title=charts.title(title, font_size=size + 8))
        .mark_bar(color=PRIMARY, cornerRadiusEnd=3)
        .encode(
            y=alt.Y(
                "unit:N",
                sort=list(df["unit"]),
                title=None,
                axis=alt.Axis(labelFontSize=size, labelLimit=260),
            ),
            x=alt.X(
                "rate:Q",
                title=None,
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", labelFontSize=size),
            ),
            tooltip=[
                alt.Tooltip("unit:N", title=t("overview.col.unit", lang)),
                alt.Tooltip("rate_text:N", title=t("overview.col.share", lang)),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=4, fontSize=size).encode(
        text=alt.Text("rate_text:N"), color=alt.ColorValue("#333")
    )
    return charts.layered(df, bars, text).properties(height=(44 if big else 28) * len(df))


def stage_bars(counts: pd.DataFrame, lang: str, *, title: str, big: bool = False):
    size = 18 if big else 12
    stages = [s.value for s in supervision.ALL_STAGES]
    df = counts.groupby("stage", as_index=False)["items"].sum()
    df["stage_label"] = [label("supervision.stage", s, lang) for s in df["stage"]]
    order = [label("supervision.stage", s, lang) for s in stages]
    colors = [*PALETTE[: len(order) - 1], STATUS_COLORS["done"]]
    chart = (
        alt.Chart(title=charts.title(title, font_size=size + 8))
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y(
                "stage_label:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelFontSize=size, labelLimit=260),
            ),
            x=alt.X(
                "items:Q",
                title=t("present.stage_count", lang),
                axis=alt.Axis(labelFontSize=size, titleFontSize=size),
            ),
            color=alt.Color(
                "stage_label:N",
                sort=order,
                scale=alt.Scale(domain=order, range=colors),
                legend=None,
            ),
        )
    )
    text = chart.mark_text(align="left", dx=4, fontSize=size).encode(
        text=alt.Text("items:Q"), color=alt.ColorValue("#333")
    )
    return charts.layered(df, chart, text).properties(height=(56 if big else 34) * len(order))


def dimension_bars(unit: scoring.UnitScore, board: scoring.ScoreBoard, lang: str) -> alt.LayerChart:
    """A unit's six dimensions, each on its own scale: the bar is the share of that dimension's
    maximum (so a 5-point dimension is as long as the 60-point one), labelled with its points
    ("8.5 / 10"); the orange tick is the district median on the same scale."""
    rows = []
    for d in DIMENSION_ORDER:
        top = unit.max_points[d]
        rows.append(
            {
                "dimension": t(f"score.dimension.{d}", lang),
                "share": unit.dimensions[d] / top if top else 0.0,
                "median": (board.median_of(d) or 0.0) / top if top else 0.0,
                "points_text": f"{unit.dimensions[d]:.1f} / {top:g}",
            }
        )
    df = pd.DataFrame(rows)
    order = list(df["dimension"])
    base = alt.Chart(title=charts.title(t("score.dim_chart_title", lang), font_size=16)).encode(
        y=alt.Y("dimension:N", sort=order, title=None, axis=alt.Axis(labelLimit=200))
    )
    x_scale = alt.Scale(domain=[0, 1])
    chart = charts.layered(
        df,
        base.mark_bar(color="#E3ECF5")
        .encode(
            x=alt.X(
                "max_share:Q",
                title=t("score.share_of_max", lang),
                scale=x_scale,
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
            )
        )
        .transform_calculate(max_share="1"),
        base.mark_bar(color=PRIMARY, height=14).encode(x=alt.X("share:Q", scale=x_scale)),
        base.mark_tick(color="#D55E00", thickness=3, size=22).encode(
            x=alt.X("median:Q", scale=x_scale)
        ),
        base.mark_text(align="left", dx=6, fontSize=13).encode(
            x=alt.XValue(0), text=alt.Text("points_text:N"), color=alt.ColorValue("#111")
        ),
    )
    return chart.properties(height=44 * len(order))


def fact_text(fact: scoring.Fact, lang: str) -> str:
    """A fact of the breakdown as one line, with the task's name beside its code, e.g.
    "T02 召开主席团会议：完成 3 / 4 → 4.5 / 6"."""
    from ui.checklist import task_name

    params = dict(fact.params)
    if isinstance(params.get("task"), str) and params["task"].startswith("T"):
        params["task"] = f"{params['task']} {task_name(params['task'], lang)}"
    if "share" in params:  # shares and their targets read as percentages
        for key in ("share", "target"):
            if key in params:
                value = params[key]
                params[key] = "—" if value is None else percent(value, lang)
    text = t(fact.key, lang, **params)
    if fact.max_points:
        return f"{text} → {fact.points:.1f} / {fact.max_points:.1f}"
    if fact.points:
        return f"{text} → {fact.points:+.1f}"
    return text
