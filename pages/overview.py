"""District overview: headline figures, alerts, the ranking and the dimension heatmap.

The content refreshes itself so a wall screen shows a clerk's new entry without a touch.
"""

import streamlit as st

from services import settings
from ui import charts
from ui import data as cached
from ui import overview as ui
from ui.auth import page_actor
from ui.format import month_day, number, percent
from ui.i18n import current_lang, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
refresh = settings.refresh_seconds()


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
        month = t("common.month_n", n=h.participation_month) if h.participation_month else "—"
        st.metric(
            t("overview.metric.participation", month=month), percent(h.participation), border=True
        )
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
    found = ui.alerts(version, actor, year, as_of)
    if not found:
        st.success(t("overview.alert.none"))
    for alert in found:
        show = st.warning if alert.level == "warning" else st.info
        show(ui.alert_text(alert, lang), icon=":material/notifications:")

    board = ui.scoreboard(version, year, as_of)
    if not board.units:
        return
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        top = board.units[0]
        title = t(
            "overview.ranking_title",
            year=year,
            top=top.name(lang),
            score=f"{top.total:.1f}",
            median=f"{board.median_total:.1f}",
        )
        chart = ui.ranking_chart(board, lang, title=title, pick=True)
        event = st.altair_chart(
            chart, key="overview_ranking", theme=None, width="stretch", on_select="rerun"
        )
        st.caption(t("overview.ranking_hint"))
        picked = ui.picked_township(event)
        if picked is not None:
            st.session_state["scorecard_unit"] = picked
            st.switch_page("pages/scorecard.py")
    with right:
        weakest = min(
            ui.DIMENSION_ORDER,
            key=lambda d: (
                board.median_of(d) / board.units[0].max_points[d]
                if board.units[0].max_points[d]
                else 1
            ),
        )
        title = t("overview.heatmap_title", weak=t(f"score.dimension.{weakest}"))
        charts.show(ui.dimension_heatmap(board, lang, title=title), key="overview_heatmap")


live()
