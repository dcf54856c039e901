"""Closed-loop supervision board: items by stage, where the loop gets stuck, closure and
satisfaction per unit, the overdue list and one item's timeline. A clerk sees their own unit."""

import streamlit as st

from ui import charts
from ui import data as cached
from ui import linkage as lin
from ui import supervision as ui
from ui.auth import page_actor
from ui.format import day, number, percent
from ui.i18n import current_lang, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
as_of = as_of_for(year)
version = cached.data_version()
# Choices whose labels depend on the language are keyed by it: a keyed choice would otherwise
# keep showing the label of the other language after a switch.

page_header(t("supervision.board.title"), t("supervision.board.caption", day=day(as_of), year=year))

unit = None
county = None
if actor.is_district:
    # 0 stands for every unit: a None option would read as "nothing chosen".
    units = cached.townships(version, actor)
    # Past one district, a county-level district is chosen first and its units after it.
    county = lin.pick_county(version, actor, lang, key="sv_board_county")
    if county is not None:
        units = [u for u in units if u.parent_id == county]
    by_id = {u.id: u for u in units}
    unit = (
        st.selectbox(
            t("supervision.board.unit_filter"),
            [0, *by_id],
            format_func=lambda i: by_id[i].name(lang) if i else t("supervision.board.all_units"),
            key=f"sv_board_unit_{lang}",
            placeholder=t("supervision.choose"),
        )
        or None
    )

counts = ui.stage_counts(version, actor, year, as_of, unit)
rows = ui.items(version, actor, year, as_of, unit)
table = ui.summary(version, actor, year, as_of)
loop = ui.loop_progress(version, actor, year, as_of)
late = ui.overdue(version, actor, year, as_of, unit)
if county is not None:
    # The district's units only (each frame is per unit, summed by the database).
    keep = list(by_id)
    counts, rows, table, loop, late = (
        f[f["township_id"].isin(keep)] if not f.empty else f
        for f in (counts, rows, table, loop, late)
    )
mine = table if unit is None else table[table["township_id"] == unit]
mine_loop = loop if unit is None else loop[loop["township_id"] == unit]

total = int(mine["items"].sum())
closed = int(mine["closed"].sum())
rated = int(mine["rated"].sum())
good = int(mine["good"].sum())
due = int(mine_loop["due"].sum())
reached = int(mine_loop["reached"].sum())
with st.container(key="sv_metrics", horizontal=True):
    st.metric(t("supervision.metric.items"), number(total), border=True)
    st.metric(t("supervision.metric.open"), number(total - closed), border=True)
    st.metric(t("supervision.metric.overdue"), number(int(mine["overdue"].sum())), border=True)
    st.metric(
        t("supervision.metric.closure"), percent(closed / total if total else None), border=True
    )
    st.metric(
        t("supervision.metric.satisfaction"), percent(good / rated if rated else None), border=True
    )
    st.metric(
        t("supervision.metric.t06"),
        t(
            "supervision.metric.share_of",
            share=percent(reached / due if due else None),
            n=reached,
            d=due,
        ),
        border=True,
    )

if total == 0:
    st.info(t("supervision.board.empty", year=year))

st.subheader(t("supervision.board.by_stage"))
show_unit = actor.is_district and unit is None
ui.kanban(
    charts.built(
        ("supervision.kanban", version, actor, year, as_of, lang, unit, county),
        lambda: ui.kanban_columns(counts, rows, lang, show_unit=show_unit),
    )
)

st.subheader(t("supervision.board.stuck"))
chart = charts.built(
    ("supervision.stage_days", version, actor, year, as_of, lang, unit, county),
    lambda: ui.stage_days_chart(ui.stage_days(version, actor, year, as_of, unit, county), lang),
)
if chart is None:
    st.info(t("supervision.board.no_history"))
else:
    charts.show(chart, key="sv_stage_days")
    st.caption(t("supervision.board.stuck_note"))

st.subheader(t("supervision.board.overdue"))
if late.empty:
    st.success(t("supervision.board.no_overdue"))
else:
    # Built once per data version and choice, shared by every viewer (a province lists
    # thousands of overdue items).
    st.dataframe(
        charts.built(
            ("supervision.overdue_table", version, actor, year, as_of, lang, unit, county),
            lambda: ui.overdue_frame(late, lang),
        ),
        hide_index=True,
        width="stretch",
        height=ui.table_height(len(late)),
        key="sv_overdue_table",
    )

# Past one district and before one is chosen, a row per county-level district: a province's
# thousand units are found by choosing their district above.
by_county = actor.is_district and county is None and unit is None and bool(lin.counties(version))
units_view = charts.built(
    ("supervision.unit_table", version, actor, year, as_of, lang, unit, county),
    lambda: ui.unit_table(
        table,
        loop,
        lang,
        counties=lin.counties(version) if by_county else None,
        parent_of={u.id: u.parent_id for u in cached.townships(version, actor)},
    ),
)
table = units_view.table
st.subheader(t("supervision.board.by_county" if by_county else "supervision.board.by_township"))
st.dataframe(
    units_view.frame,
    hide_index=True,
    width="stretch",
    height=ui.table_height(len(units_view.frame)),
    key="sv_township_table",
)
st.caption(
    t(
        "supervision.board.township_note",
        target=percent(float(table["closure_target"].iloc[0]), lang) if not table.empty else "—",
    )
)
if actor.is_district:
    c1, c2 = st.columns(2, gap="large")
    with c1:
        chart = charts.built(
            ("supervision.closure", version, actor, year, as_of, lang, unit, county),
            lambda: ui.closure_chart(table, lang),
        )
        if chart is not None:
            charts.show(chart, key="sv_closure_chart")
    with c2:
        chart = charts.built(
            ("supervision.satisfaction", version, actor, year, as_of, lang, unit, county),
            lambda: ui.satisfaction_chart(table, lang),
        )
        if chart is not None:
            charts.show(chart, key="sv_satisfaction_chart")

st.subheader(t("supervision.board.drill"))
if rows.empty:
    st.info(t("supervision.board.empty", year=year))
else:
    labels = charts.built(
        ("supervision.item_labels", version, actor, year, as_of, lang, unit, county),
        lambda: ui.item_labels(rows, lang),
    )
    chosen = st.selectbox(
        t("supervision.board.pick_item"),
        list(labels),
        format_func=lambda i: labels[i],
        key=f"sv_board_item_{lang}",
        placeholder=t("supervision.choose"),
    )
    if chosen is not None:
        ui.show_timeline(ui.timeline(version, actor, chosen, as_of), lang, key="sv_board_tl")
