"""Double linkage coverage (T07–T09): who is linked, who took part, and who is short of what."""

import streamlit as st

from services import imports
from ui import charts
from ui import data as cached
from ui import linkage as ui
from ui.auth import page_actor
from ui.format import number, percent
from ui.i18n import current_lang, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
as_of = as_of_for(year)
version = cached.data_version()
per_member, per_deputy = ui.linkage_rule(version, year)
minimum = ui.min_participation(version, year)

page_header(
    t("linkage.coverage.title"),
    t("linkage.coverage.caption", year=year, members=per_member, voters=per_deputy),
)

cov = ui.coverage(version, actor, year)
if cov.empty:
    st.info(t("linkage.coverage.no_units"))
    st.stop()

# Past one district the units are grouped by their county-level district: the whole shows one
# row per district, and choosing a district drills down to its units.
counties = ui.counties(version) if actor.is_district else []
county = ui.pick_county(version, actor, lang, key="linkage_county") or 0
# The figures of the units shown, worked out once per data version and district for every
# viewer; the gap list is read whole only when the units are listed.
view = charts.built(
    ("linkage.view", version, actor, year, as_of, county),
    lambda: ui.coverage_view(
        version,
        actor,
        year,
        as_of,
        county,
        units_listed=bool(county or not counties),
        minimum=minimum,
    ),
)
cov, part, totals, trend = view.coverage, view.participation, view.totals, view.trend
any_congress = view.any_congress

with st.container(key="linkage_metrics", horizontal=True):
    if any_congress:
        st.metric(
            t("linkage.metric.presidium", n=per_member),
            percent(totals.presidium_share, lang),
            t("linkage.metric.of", done=totals.presidium_covered, total=totals.presidium_members),
            delta_color="off",
            delta_arrow="off",
            border=True,
        )
    st.metric(
        t("linkage.metric.deputies", n=per_deputy),
        percent(totals.deputy_share, lang),
        t("linkage.metric.of", done=totals.deputies_covered, total=totals.deputies),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    st.metric(
        t("linkage.metric.participation", year=year),
        percent(view.participation_share, lang),
        border=True,
    )
    st.metric(t("linkage.metric.gaps"), number(view.gap_count), border=True)

if counties and not county:
    st.subheader(t("linkage.county.section"))
    st.dataframe(
        charts.built(
            ("linkage.county_table", version, actor, year, as_of, lang),
            lambda: ui.county_frame(
                ui.county_summary(version, actor, year, as_of),
                lang,
                per_member=per_member,
                per_deputy=per_deputy,
                year=year,
            ),
        ),
        hide_index=True,
        width="stretch",
        key="linkage_county_table",
    )
    st.caption(t("linkage.county.drill"))
    st.stop()

gaps, vis = view.gaps, view.visits
assert gaps is not None and vis is not None  # read with the units listed

# --- coverage per unit --------------------------------------------------------------------------
st.subheader(t("linkage.coverage.section"))
short_units = view.short_units
left, right = st.columns(2, gap="large")
with left:
    title = (
        t("linkage.coverage.deputy_title_all", n=per_deputy)
        if short_units == 0
        else t("linkage.coverage.deputy_title", n=per_deputy, short=short_units)
    )
    charts.show(
        charts.built(
            ("linkage.deputies", version, actor, year, as_of, lang, county),
            lambda: ui.coverage_chart(
                cov, share="deputy_share", applicable=None, title=title, lang=lang
            ),
        ),
        key="linkage_cov_deputies",
    )
with right:
    if any_congress:
        short_members = view.short_congresses
        title = (
            t("linkage.coverage.presidium_title_all", n=per_member)
            if short_members == 0
            else t("linkage.coverage.presidium_title", n=per_member, short=short_members)
        )
        charts.show(
            charts.built(
                ("linkage.presidium", version, actor, year, as_of, lang, county),
                lambda: ui.coverage_chart(
                    cov,
                    share="presidium_share",
                    applicable="presidium_applicable",
                    title=title,
                    lang=lang,
                ),
            ),
            key="linkage_cov_presidium",
        )
    else:
        st.info(t("linkage.coverage.presidium_na"))
st.caption(t("linkage.coverage.note", voters=per_deputy))

# --- contact-day participation ------------------------------------------------------------------
st.subheader(t("linkage.participation.section"))
if part.empty or not part["held"].any():
    st.info(t("linkage.participation.empty", year=year))
else:
    title = charts.built(
        ("linkage.heatmap_title", version, actor, year, as_of, lang, county),
        lambda: ui.heatmap_title(part, year=year, lang=lang),
    )
    heatmap = charts.built(
        ("linkage.heatmap", version, actor, year, as_of, lang, county),
        lambda: ui.heatmap(part, title=title, lang=lang),
    )
    charts.show(heatmap, key="linkage_heatmap")
    st.caption(t("linkage.heatmap.note", share=percent(minimum, lang)))

    reached = view.months_reached
    last = trend.iloc[-1]
    title = t(
        "linkage.trend.title",
        month=t("linkage.month_n", n=int(last["month"])),
        rate=percent(last["rate"], lang),
        reached=reached,
        months=len(trend),
        share=percent(minimum, lang),
    )
    trend_chart = charts.built(
        ("linkage.trend", version, actor, year, as_of, lang, county),
        lambda: ui.trend_chart(trend, target=minimum, title=title, lang=lang),
    )
    charts.show(trend_chart, key="linkage_trend")
    st.caption(t("linkage.trend.note", share=percent(minimum, lang)))

# --- one visit, two notifications ---------------------------------------------------------------
st.subheader(t("linkage.visits.section"))
if not vis.empty:
    st.dataframe(
        charts.built(
            ("linkage.visits", version, actor, year, as_of, lang, county),
            lambda: ui.visits_table(vis, as_of=as_of, lang=lang),
        ),
        hide_index=True,
        width="stretch",
        key="linkage_visits_table",
    )
    st.caption(t("linkage.visits.note"))

# --- the gap list -------------------------------------------------------------------------------
st.subheader(t("linkage.gaps.section"))
if gaps.empty:
    st.success(t("linkage.gaps.none"))
else:
    if actor.is_district:
        names = charts.built(
            ("linkage.gap_units", version, actor, year, lang, county),
            lambda: ui.names_by_unit(gaps, lang),
        )
        pick = st.selectbox(
            t("linkage.gaps.filter"),
            [0, *names],
            format_func=lambda i: t("linkage.gaps.all_units", lang) if i == 0 else names[i],
            key=f"linkage_gap_unit_{lang}",
        )
    else:
        pick = 0
    table = charts.built(
        ("linkage.gaps", version, actor, year, lang, county, pick),
        lambda: ui.gap_table(gaps if pick == 0 else gaps[gaps["township_id"] == pick], lang),
    )
    st.dataframe(table, hide_index=True, width="stretch", key="linkage_gap_table")
    st.caption(t("linkage.gaps.note"))
    sheet = t("linkage.gaps.sheet")
    st.download_button(
        t("linkage.gaps.download"),
        # Built when clicked, not on every run of the page.
        data=lambda: imports.table_workbook(table, sheet),
        file_name=t("linkage.gaps.file", year=year),
        mime=imports.XLSX_MIME,
        key="linkage_gap_download",
        on_click="ignore",
        icon=":material/download:",
    )
