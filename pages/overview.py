"""District overview: headline figures, alerts, the ranking and the dimension heatmap.

The content refreshes itself so a wall screen shows a clerk's new entry without a touch.
"""

import streamlit as st

from services import settings
from ui import charts
from ui import data as cached
from ui import overview as ui
from ui.auth import page_actor
from ui.format import month_day, number, percent, ranking_title
from ui.i18n import current_lang, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
refresh = settings.refresh_seconds()


def calls_section(version: int, as_of) -> None:
    """Every unit that needs a call: what, since when, what puts it right; a row opens the
    unit's task list. A city or a province pages through the units."""
    st.subheader(t("overview.calls.title"))
    calls = ui.unit_calls(version, actor, year, as_of)
    if not calls:
        st.success(t("overview.calls.none"))
        return
    overdue = charts.built(
        ("overview.calls_overdue", version, actor, year, as_of),
        lambda: sum(1 for c in calls if c.overdue),
    )
    st.caption(
        f"{t('overview.calls.summary', n=len(calls), overdue=overdue)} · "
        f"{t('overview.calls.caption')}"
    )
    pages = -(-len(calls) // ui.CALLS_PAGE)
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                t("overview.calls.page", n=pages, size=ui.CALLS_PAGE),
                min_value=1,
                max_value=pages,
                value=1,
                key="overview_calls_page",
            )
        )
    shown = calls[(page - 1) * ui.CALLS_PAGE : page * ui.CALLS_PAGE]
    frame = charts.built(
        ("overview.calls", version, actor, year, as_of, lang, page),
        lambda: ui.calls_frame(shown, lang),
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "township_id": None,
            t("overview.calls.col_status"): st.column_config.TextColumn(width="small"),
            t("overview.calls.col_since"): st.column_config.TextColumn(width="small"),
            t("overview.calls.col_fix"): st.column_config.TextColumn(width="large"),
        },
        on_select="rerun",
        selection_mode="single-row",
        key="overview_calls",
    )
    rows = event.selection.rows if event else []
    if rows:
        st.session_state["checklist_township_unit"] = int(frame.iloc[rows[0]]["township_id"])
        st.switch_page("pages/checklist_township.py")


@st.fragment(run_every=refresh)
def live() -> None:
    as_of = as_of_for(year)
    version = cached.data_version()
    page_header(t("overview.title"), t("overview.caption", day=month_day(as_of), seconds=refresh))
    h = ui.headline(version, actor, year, as_of)
    with st.container(key="overview_metrics", horizontal=True):
        st.metric(
            t("overview.metric.on_track"),
            t("overview.metric.on_track_value", n=h.units_on_track, total=h.units),
            border=True,
        )
        participation = (
            t("overview.metric.participation", month=t("common.month_n", n=h.participation_month))
            if h.participation_month
            else t("overview.metric.participation_none")
        )
        st.metric(participation, percent(h.participation), border=True)
        st.metric(t("overview.metric.open_items"), number(h.open_items), border=True)
        st.metric(t("overview.metric.overdue_items"), number(h.overdue_items), border=True)
        st.metric(t("overview.metric.execution"), percent(h.execution), border=True)
        st.metric(
            t("overview.metric.violations"),
            t(
                "funds.violation_counts",
                open=number(h.violations),
                excused=number(h.violations_excused),
            ),
            border=True,
        )

    st.subheader(t("overview.alerts"))
    # Worded once per data version and language for every viewer.
    found = charts.built(
        ("overview.alerts", version, actor, year, as_of, lang),
        lambda: [(a.level, ui.alert_text(a, lang)) for a in ui.alerts(version, actor, year, as_of)],
    )
    if not found:
        st.success(t("overview.alert.none"))
    for level, text in found:
        show = st.warning if level == "warning" else st.info
        show(text, icon=":material/notifications:")

    calls_section(version, as_of)

    board = ui.scoreboard(version, year, as_of)
    if not board.units:
        return
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        chart = charts.built(
            ("overview.ranking", version, year, as_of, lang),
            lambda: ui.ranking_chart(
                board, lang, title=ranking_title(board, year, lang), pick=True
            ),
        )
        event = charts.show(chart, key="overview_ranking", on_select="rerun")
        st.caption(t("overview.ranking_hint"))
        if len(board.units) > ui.ALL_ROWS_UP_TO:
            st.caption(t("overview.top_bottom", n=ui.TOP_N, total=len(board.units)))
        picked = ui.picked_township(event)
        if picked is not None:
            st.session_state["scorecard_unit"] = picked
            st.switch_page("pages/scorecard.py")
    with right:
        heatmap = charts.built(
            ("overview.heatmap", version, year, as_of, lang),
            lambda: ui.dimension_heatmap(board, lang, title=ui.heatmap_title(board, lang)),
        )
        charts.show(heatmap, key="overview_heatmap")


live()
