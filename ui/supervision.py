"""Closed-loop supervision on screen: cached reads, stage cards, charts and the item timeline."""

import re
from dataclasses import dataclass
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import SupervisionStage
from services import supervision_metrics as metrics
from services import supervision_reads as reads
from services.evidence import open_file
from services.permissions import Actor
from services.supervision import ALL_STAGES
from ui import charts
from ui.cache_keys import copied, shared
from ui.format import day, number, percent
from ui.i18n import label, local_name, name_column, t
from ui.theme import PRIMARY, STATUS_COLORS

# Built from our own catalog text and theme colours only; user text never goes into HTML.
_BADGE = (
    '<span style="background:{color};color:#fff;border-radius:0.5rem;'
    'padding:0.1rem 0.5rem;font-size:0.8rem;white-space:nowrap">{text}</span>'
)
# Streamlit's file drop zone has fixed English texts; they are hidden and the button relabelled.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
MAX_CARDS = 6
# Closed items need no action: their column shows only the latest few.
MAX_CLOSED_CARDS = 3


def plain(text: str) -> str:
    """User text made safe to show inside markdown (no formatting, links or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def table_height(rows: int, *, most: int = 20) -> int:
    """Pixels for a table showing up to ``most`` rows without an inner scroll bar."""
    return 35 * (min(rows, most) + 1) + 3


def stage_label(stage: SupervisionStage | str, lang: str | None = None) -> str:
    return label("supervision.stage", stage, lang)


# --- cached reads -----------------------------------------------------------------------------


# Shared, not copied, by every viewer of the same data version (a province lists tens of
# thousands of items that a copy per viewer would unpickle on every run): read, never changed.
@shared(32)
def items(version: int, actor: Actor, year: int, as_of: date, township_id: int | None = None):
    with session_scope() as session:
        return reads.list_items(session, actor, year=year, as_of=as_of, township_id=township_id)


@shared(64)
def stage_counts(
    version: int, actor: Actor, year: int, as_of: date, township_id: int | None = None
):
    with session_scope() as session:
        return metrics.stage_counts(session, actor, year=year, as_of=as_of, township_id=township_id)


@shared(64)
def overdue(version: int, actor: Actor, year: int, as_of: date, township_id: int | None = None):
    with session_scope() as session:
        return metrics.overdue_items(
            session, actor, year=year, as_of=as_of, township_id=township_id
        )


@shared(64)
def summary(version: int, actor: Actor, year: int, as_of: date):
    with session_scope() as session:
        return metrics.township_summary(session, actor, year=year, as_of=as_of)


@copied(64)
def stage_days(
    version: int,
    actor: Actor,
    year: int,
    as_of: date,
    township_id: int | None = None,
    county_id: int | None = None,
):
    with session_scope() as session:
        return metrics.average_stage_days(
            session, actor, year=year, as_of=as_of, township_id=township_id, county_id=county_id
        )


@shared(64)
def loop_progress(version: int, actor: Actor, year: int, as_of: date):
    with session_scope() as session:
        return metrics.loop_progress(session, actor, year=year, as_of=as_of)


@copied(64)
def timeline(version: int, actor: Actor, item_id: int, as_of: date) -> reads.Timeline:
    with session_scope() as session:
        return reads.item_timeline(session, actor, item_id, as_of=as_of)


@copied(64)
def sources(version: int, actor: Actor, township_id: int, year: int) -> list[reads.SourceOption]:
    with session_scope() as session:
        return reads.list_sources(session, actor, township_id=township_id, year=year)


# --- small widgets ----------------------------------------------------------------------------


def overdue_badge(days_over: int) -> None:
    text = t("supervision.card.overdue", n=days_over)
    st.markdown(_BADGE.format(color=STATUS_COLORS["overdue"], text=text), unsafe_allow_html=True)


@dataclass(frozen=True)
class Card:
    """One item's card on the board, its texts ready to draw."""

    id: int
    title: str  # markdown
    who: str | None  # the unit and the responsible unit, markdown
    state: str  # days in the stage, or when it closed and how it was rated
    overdue_days: int | None


@dataclass(frozen=True)
class StageColumn:
    stage: SupervisionStage
    label: str
    count: str
    cards: tuple[Card, ...]
    more: int  # items not shown as cards


def card_of(row, lang: str, *, show_unit: bool) -> Card:
    parts = []
    if show_unit:
        parts.append(local_name(row, lang))
    if row["responsible_unit"]:
        parts.append(row["responsible_unit"])
    overdue_days = None
    if row["stage"] == SupervisionStage.closed:
        rating = row["rating"]
        state = t("supervision.card.closed_on", day=day(row["closed_on"], lang))
        if rating:
            state += " · " + label("supervision.rating", rating, lang)
    else:
        state = t("supervision.card.days_in_stage", n=int(row["days_in_stage"]))
        if row["overdue"]:
            overdue_days = int(row["days_in_stage"]) - _limit_of(row)
    return Card(
        id=int(row["id"]),
        title=f"**{plain(row['title'])}**",
        who=plain(" · ".join(parts)) if parts else None,
        state=state,
        overdue_days=overdue_days,
    )


def item_card(card: Card) -> None:
    with st.container(border=True, key=f"sv_card_{card.id}"):
        st.markdown(card.title)
        if card.who:
            st.caption(card.who)
        st.caption(card.state)
        if card.overdue_days is not None:
            overdue_badge(card.overdue_days)


def _limit_of(row) -> int:
    return (row["deadline"] - row["stage_entered_on"]).days


def kanban_columns(
    counts: pd.DataFrame, rows: pd.DataFrame, lang: str, *, show_unit: bool
) -> list[StageColumn]:
    """One column per stage: its count, then cards, the overdue and longest-waiting first."""
    totals = counts.groupby("stage")["items"].sum().to_dict() if not counts.empty else {}
    out = []
    for stage in ALL_STAGES:
        mine = rows[rows["stage"] == stage.value] if not rows.empty else rows
        if stage == SupervisionStage.closed:
            mine = mine.sort_values("closed_on", ascending=False) if not mine.empty else mine
        elif not mine.empty:
            mine = mine.sort_values(["overdue", "days_in_stage"], ascending=False)
        most = MAX_CLOSED_CARDS if stage == SupervisionStage.closed else MAX_CARDS
        out.append(
            StageColumn(
                stage=stage,
                label=stage_label(stage, lang),
                count=number(int(totals.get(stage.value, 0)), lang),
                cards=tuple(
                    card_of(row, lang, show_unit=show_unit) for _, row in mine.head(most).iterrows()
                ),
                more=max(0, len(mine) - most),
            )
        )
    return out


def kanban(columns_of_stages: list[StageColumn]) -> None:
    columns = st.columns(len(columns_of_stages), gap="small")
    for column, stage in zip(columns, columns_of_stages, strict=True):
        with column, st.container(key=f"sv_col_{stage.stage.value}"):
            st.metric(stage.label, stage.count, border=True)
            if not stage.cards:
                st.caption(t("supervision.board.column_empty"))
                continue
            for card in stage.cards:
                item_card(card)
            if stage.more:
                st.caption(t("supervision.board.more", n=stage.more))


# --- charts -----------------------------------------------------------------------------------


def stage_days_chart(df: pd.DataFrame, lang: str) -> alt.LayerChart | None:
    """Average days per stage against the stage deadline; a stage over its deadline is marked."""
    data = df[df["stays"] > 0].copy()
    if data.empty:
        return None
    data["label"] = [stage_label(s, lang) for s in data["stage"]]
    data["avg"] = data["avg_days"].round(1)
    data["over"] = data["avg_days"] > data["deadline_days"]
    worst = data.sort_values("avg_days", ascending=False).iloc[0]
    title = t(
        "supervision.chart.days_title",
        stage=worst["label"],
        n=number(worst["avg"], lang),
        limit=int(worst["deadline_days"]),
    )
    order = [stage_label(s, lang) for s in df["stage"]]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=200))
    tips = [
        alt.Tooltip("label:N", title=t("supervision.chart.stage")),
        alt.Tooltip("avg:Q", title=t("supervision.chart.avg_days")),
        alt.Tooltip("deadline_days:Q", title=t("supervision.chart.deadline_days")),
        alt.Tooltip("stays:Q", title=t("supervision.chart.stays")),
    ]
    bars = (
        alt.Chart(title=title)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=y,
            x=alt.X("avg:Q", title=t("supervision.chart.avg_days"), axis=alt.Axis(tickCount=8)),
            color=alt.ColorValue(
                **alt.condition(
                    alt.datum.over, alt.value(STATUS_COLORS["overdue"]), alt.value(PRIMARY)
                )
            ),
            tooltip=tips,
        )
    )
    ticks = (
        alt.Chart()
        .mark_tick(color="#333", thickness=2, size=22)
        .encode(y=y, x=alt.X("deadline_days:Q"), tooltip=tips)
    )
    text = bars.mark_text(align="left", dx=4, color="#333").encode(
        text=alt.Text("avg:Q"), color=alt.ColorValue("#333")
    )
    return charts.layered(data, bars, ticks, text).properties(height=max(180, 40 * len(data)))


def by_county(
    table: pd.DataFrame, loop: pd.DataFrame, parent_of: dict[int, int | None], counties: list
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-unit summary and loop progress summed per county-level district: the same
    columns, ``township_id`` holding the district's id and the names its names."""
    names = {c.id: (c.name_zh, c.name_en) for c in counties}

    def rolled(frame: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
        keys = frame["township_id"].map(parent_of)
        out = frame[counts].groupby(keys.values).sum().reset_index(names="township_id")
        out = out[out["township_id"].isin(list(names))]
        out["township_id"] = out["township_id"].astype(int)
        out["name_zh"] = [names[i][0] for i in out["township_id"]]
        out["name_en"] = [names[i][1] for i in out["township_id"]]
        order = {c.id: n for n, c in enumerate(counties)}
        return out.sort_values("township_id", key=lambda ids: ids.map(order), ignore_index=True)

    sums = rolled(table, ["items", "closed", "open", "overdue", "rated", "good", "raters"])
    sums["closure_rate"] = _shares(sums["closed"], sums["items"])
    sums["satisfaction"] = _shares(sums["good"], sums["rated"])
    sums["closure_target"] = table["closure_target"].iloc[0] if len(table) else None
    progress = rolled(loop, ["due", "reached"])
    progress["share"] = _shares(progress["reached"], progress["due"])
    return sums, progress


@dataclass(frozen=True)
class UnitTable:
    frame: pd.DataFrame  # what the table shows, in the viewer's language
    table: pd.DataFrame  # the summary behind it (per unit, or per county-level district)


def unit_table(
    table: pd.DataFrame,
    loop: pd.DataFrame,
    lang: str,
    *,
    counties: list | None,
    parent_of: dict[int, int | None],
) -> UnitTable:
    """The board's table of closure, satisfaction and T06 per unit, or with ``counties`` per
    county-level district."""
    if counties:
        table, loop = by_county(table, loop, parent_of, counties)
        unit_column = t("linkage.county.col.county", lang)
    else:
        unit_column = t("supervision.col.township", lang)
    merged = table.merge(loop[["township_id", "due", "reached", "share"]], on="township_id")
    t06 = [
        t("supervision.metric.share_of", lang, share=percent(s, lang), n=int(n), d=int(d))
        for s, n, d in zip(merged["share"], merged["reached"], merged["due"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            unit_column: merged[name_column(lang)],
            t("supervision.col.items", lang): merged["items"],
            t("supervision.col.closed", lang): merged["closed"],
            t("supervision.col.closure_rate", lang): [
                percent(v, lang) for v in merged["closure_rate"]
            ],
            t("supervision.col.satisfaction", lang): [
                percent(v, lang) for v in merged["satisfaction"]
            ],
            t("supervision.col.raters", lang): merged["raters"],
            t("supervision.col.overdue", lang): merged["overdue"],
            t("supervision.col.t06", lang): t06,
        }
    )
    return UnitTable(frame, table)


def overdue_frame(late: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The overdue items as the board lists them."""
    return pd.DataFrame(
        {
            t("supervision.col.township", lang): late[name_column(lang)],
            t("supervision.col.title", lang): late["title"],
            t("supervision.col.stage", lang): [stage_label(s, lang) for s in late["stage"]],
            t("supervision.col.stage_entered_on", lang): [
                day(d, lang) for d in late["stage_entered_on"]
            ],
            t("supervision.col.deadline", lang): [day(d, lang) for d in late["deadline"]],
            t("supervision.col.days_overdue", lang): late["days_overdue"],
            t("supervision.col.responsible_unit", lang): late["responsible_unit"],
        }
    )


def item_labels(rows: pd.DataFrame, lang: str) -> dict[int, str]:
    """The item picker's labels, the overdue and longest-waiting first: "title · unit · stage"."""
    options = rows.sort_values(["overdue", "days_in_stage"], ascending=False)
    # Column by column (a province lists thousands of items), each stage named once.
    stages = {s: stage_label(s, lang) for s in options["stage"].unique()}
    return {
        int(i): f"{title} · {name} · {stages[stage]}"
        for i, title, name, stage in zip(
            options["id"],
            options["title"],
            options[name_column(lang)],
            options["stage"],
            strict=True,
        )
    }


def _shares(parts: pd.Series, wholes: pd.Series) -> list[float | None]:
    return [p / w if w else None for p, w in zip(parts, wholes, strict=True)]


def closure_chart(df: pd.DataFrame, lang: str) -> alt.LayerChart | None:
    """Closure rate per unit against the year's target, units on the vertical axis."""
    data = df[df["items"] > 0].copy()
    if data.empty:
        return None
    target = float(data["closure_target"].iloc[0])
    data["township"] = data[name_column(lang)]
    data["rate"] = data["closure_rate"].astype(float).round(3)
    data["status"] = [
        t("supervision.chart.meets") if r >= target else t("supervision.chart.below")
        for r in data["rate"]
    ]
    meets = int((data["rate"] >= target).sum())
    title = t(
        "supervision.chart.closure_title",
        n=meets,
        total=len(data),
        target=percent(target, lang),
    )
    scale = alt.Scale(
        domain=[t("supervision.chart.meets"), t("supervision.chart.below")],
        range=[STATUS_COLORS["done"], STATUS_COLORS["behind"]],
    )
    bars = (
        alt.Chart(title=title)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y("township:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X(
                "rate:Q",
                title=t("supervision.col.closure_rate"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "status:N", scale=scale, legend=alt.Legend(title=None, orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("township:N", title=t("supervision.col.township")),
                alt.Tooltip("rate:Q", title=t("supervision.col.closure_rate"), format=".0%"),
                alt.Tooltip("closed:Q", title=t("supervision.col.closed")),
                alt.Tooltip("items:Q", title=t("supervision.col.items")),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target]}))
        .mark_rule(color="#333", strokeDash=[4, 3])
        .encode(x=alt.X("target:Q"))
    )
    return charts.layered(data, bars, rule).properties(height=max(180, 26 * len(data)))


def satisfaction_chart(df: pd.DataFrame, lang: str) -> alt.Chart | None:
    data = df[df["rated"] > 0].copy()
    if data.empty:
        return None
    data["township"] = data[name_column(lang)]
    data["share"] = data["satisfaction"].astype(float).round(3)
    low = data.sort_values("share").iloc[0]
    title = t(
        "supervision.chart.satisfaction_title",
        township=low["township"],
        share=percent(low["share"], lang),
    )
    return (
        alt.Chart(data, title=title)
        .mark_bar(cornerRadiusEnd=3, color=PRIMARY)
        .encode(
            y=alt.Y("township:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X(
                "share:Q",
                title=t("supervision.col.satisfaction"),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("township:N", title=t("supervision.col.township")),
                alt.Tooltip("share:Q", title=t("supervision.col.satisfaction"), format=".0%"),
                alt.Tooltip("rated:Q", title=t("supervision.col.rated")),
            ],
        )
        .properties(height=max(180, 26 * len(data)))
    )


# --- the timeline -----------------------------------------------------------------------------


def move_title(event: reads.EventInfo, lang: str) -> str:
    if event.from_stage is None:
        return t("supervision.timeline.opened", stage=stage_label(event.to_stage, lang))
    key = "supervision.timeline.returned" if event.is_return else "supervision.timeline.moved"
    return t(
        key,
        src=stage_label(event.from_stage, lang),
        dst=stage_label(event.to_stage, lang),
    )


def show_timeline(tl: reads.Timeline, lang: str, *, key: str) -> None:
    """The item's path from its source through each move to the rating and the answer back."""
    item, src = tl.item, tl.source
    with st.container(key=key):
        st.markdown(f"**{plain(item.title)}**")
        status = stage_label(item.stage, lang)
        if item.deadline is not None:
            status += " · " + t("supervision.timeline.deadline", day=day(item.deadline, lang))
        st.caption(status)
        if item.overdue and item.deadline is not None:
            overdue_badge(item.days_in_stage - (item.deadline - item.stage_entered_on).days)
        with st.container(border=True, key=f"{key}_source"):
            st.markdown(f"**{t(f'supervision.source.{src.kind}')}**")
            if src.held_on:
                st.caption(day(src.held_on, lang))
            if src.kind == "contact_day" and src.opinion_text:
                st.markdown(t("supervision.timeline.opinion") + " " + plain(src.opinion_text))
            elif src.title:
                st.markdown(plain(src.title))
        for event in tl.events:
            with st.container(border=True, key=f"{key}_event_{event.id}"):
                st.markdown(f"**{move_title(event, lang)}**")
                who = [day(event.happened_on, lang)]
                if event.entered_by:
                    who.append(event.entered_by)
                if event.responsible_unit:
                    who.append(event.responsible_unit)
                st.caption(plain(" · ".join(who)))
                lines = []
                if event.note:
                    label_key = (
                        "supervision.timeline.reason"
                        if event.is_return and event.rating is None
                        else "supervision.timeline.note"
                    )
                    lines.append(t(label_key) + " " + plain(event.note))
                if event.evidence_text:
                    lines.append(
                        t("supervision.timeline.evidence") + " " + plain(event.evidence_text)
                    )
                if event.rating is not None:
                    lines.append(
                        t(
                            "supervision.timeline.rating",
                            rating=label("supervision.rating", event.rating, lang),
                            n=number(event.raters or 0, lang),
                        )
                    )
                if lines:
                    st.markdown("  \n".join(lines))
                for n, ref in enumerate(event.files):
                    stored = open_file(ref)
                    if stored is None:
                        st.caption(t("supervision.timeline.file_missing"))
                        continue
                    st.download_button(
                        t("supervision.timeline.download", ext=stored.extension),
                        data=stored.data,
                        file_name=stored.name,
                        key=f"{key}_file_{event.id}_{n}",
                    )
        if src.kind == "contact_day" and src.opinion_id is not None:
            with st.container(border=True, key=f"{key}_answer"):
                st.markdown(f"**{t('supervision.timeline.answer_title')}**")
                if src.opinion_answer:
                    st.markdown(plain(src.opinion_answer))
                else:
                    st.caption(t("supervision.timeline.no_answer"))


def stage_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The items as a table with translated headers and formatted cells (for st.dataframe)."""
    if rows.empty:
        return pd.DataFrame()
    open_ = rows["stage"] != SupervisionStage.closed
    return pd.DataFrame(
        {
            t("supervision.col.township"): [local_name(r, lang) for _, r in rows.iterrows()],
            t("supervision.col.title"): rows["title"],
            t("supervision.col.stage"): [stage_label(s, lang) for s in rows["stage"]],
            t("supervision.col.stage_entered_on"): [day(d, lang) for d in rows["stage_entered_on"]],
            t("supervision.col.deadline"): [
                day(d, lang) if is_open else "—"
                for d, is_open in zip(rows["deadline"], open_, strict=True)
            ],
            t("supervision.col.days_in_stage"): [
                number(int(n), lang) if is_open else "—"
                for n, is_open in zip(rows["days_in_stage"], open_, strict=True)
            ],
            t("supervision.col.overdue"): [
                t("supervision.yes") if v else "" for v in rows["overdue"]
            ],
            t("supervision.col.responsible_unit"): rows["responsible_unit"],
        }
    )
