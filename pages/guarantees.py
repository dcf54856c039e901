"""District: the guarantees at a glance — the three ones per unit, every platform's missing
items (unit × item, click a unit for the evidence), integrated activities by month and by how
many of the five levels took part, and the deputy stories of approved commendations."""

import altair as alt
import pandas as pd
import streamlit as st

from models.db import session_scope
from services import activities, commendations, org, platforms
from services import rules as rule_sets
from services.evidence import thumbnail
from ui import charts
from ui import data as cached
from ui import guarantees as ui
from ui.auth import page_actor
from ui.format import day
from ui.i18n import current_lang, label, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
as_of = as_of_for(year)

page_header(t("guarantees.board.title"), t("guarantees.board.caption", year=year, day=day(as_of)))

units = cached.townships(version, actor)
names = {u.id: u.name(lang) for u in units}
with session_scope() as session:
    items = rule_sets.get_rules(session, year).platforms.items
    ones = org.three_ones_table(session, actor, year)
    gaps = platforms.platform_gaps(session, actor, year, as_of)
    by_month = activities.activities_by_month(session, actor, year)
    stories = commendations.stories(session, actor, year)

yes, no = t("guarantees.yes"), t("guarantees.no")

# -- the three ones ------------------------------------------------------------------------------
st.subheader(t("guarantees.board.ones_title", n=sum(o.had == 3 for o in ones), total=len(ones)))
st.dataframe(
    pd.DataFrame(
        {
            t("guarantees.col.unit"): [names.get(o.township_id, "") for o in ones],
            t("guarantees.ones.department"): [
                f"{yes} {o.department_name}" if o.has_department else no for o in ones
            ],
            t("guarantees.ones.staff"): [
                f"{yes} {o.staff_name}" if o.has_fulltime_staff else no for o in ones
            ],
            t("guarantees.ones.training"): [
                f"{yes} {o.training_title}" if o.has_training_mechanism else no for o in ones
            ],
        }
    ),
    hide_index=True,
    width="stretch",
    key="g_board_ones",
)

# -- platforms: unit × item --------------------------------------------------------------------
st.subheader(t("guarantees.board.platforms_title", n=len(gaps)))
if not gaps:
    st.info(t("guarantees.board.no_platforms"))
else:
    grid = []
    for tid in [u.id for u in units]:
        mine = [g for g in gaps if g.township_id == tid]
        if not mine:
            continue
        row = {t("guarantees.col.unit"): names[tid], t("guarantees.col.platforms"): len(mine)}
        for code in items:
            missing = sum(code in g.missing for g in mine)
            row[ui.item_label(code)] = (
                t("guarantees.board.missing_n", n=missing) if missing else "✓"
            )
        grid.append(row)
    st.caption(t("guarantees.board.grid_note"))
    picked = st.dataframe(
        pd.DataFrame(grid),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="g_board_grid",
    )
    rows = picked.selection.rows if picked is not None else []
    with_platforms = [u.id for u in units if any(g.township_id == u.id for g in gaps)]
    chosen = with_platforms[rows[0]] if rows else None
    if chosen is not None:
        st.markdown(f"**{t('guarantees.board.evidence_of', unit=names[chosen])}**")
        for g in [g for g in gaps if g.township_id == chosen]:
            title = f"{label('guarantees.kind', g.kind)} · {g.name}"
            missing = t("guarantees.list_sep").join(ui.item_label(c) for c in g.missing)
            with st.expander(f"{title} — {t('guarantees.board.missing', items=missing or '—')}"):
                with session_scope() as session:
                    check = platforms.platform_check(session, actor, g.platform_id, year)
                for code, item in check.items():
                    mark = "✓" if item.ok else "✗"
                    st.markdown(f"{mark} **{ui.item_label(code)}** {item.evidence.text}")
                    ui.show_files(item.evidence.files, key=f"g_board_{g.platform_id}_{code}")

# -- integrated activities by month and levels -----------------------------------------------------
st.subheader(t("guarantees.board.activities_title", n=int(by_month["activities"].sum())))
if by_month.empty:
    st.info(t("guarantees.board.no_activities"))
else:
    frame = by_month.assign(
        month_label=[t("guarantees.month_n", n=m) for m in by_month["month"]],
        levels_label=[t("guarantees.board.levels_n", n=n) for n in by_month["levels"]],
    )
    chart = (
        alt.Chart(frame, title=t("guarantees.board.activities_chart"))
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=t("guarantees.board.month"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(activities):Q", title=t("guarantees.board.count")),
            color=alt.Color(
                "levels_label:N",
                title=t("guarantees.board.levels"),
                sort=[t("guarantees.board.levels_n", n=n) for n in range(1, 6)],
            ),
            tooltip=[
                alt.Tooltip("month_label:N", title=t("guarantees.board.month")),
                alt.Tooltip("levels_label:N", title=t("guarantees.board.levels")),
                alt.Tooltip("activities:Q", title=t("guarantees.board.count")),
            ],
        )
    )
    charts.show(chart, key="g_board_activities")

# -- deputy stories ------------------------------------------------------------------------------
st.subheader(t("guarantees.board.stories_title", n=len(stories)))
if not stories:
    st.info(t("guarantees.board.no_stories"))
columns = st.columns(2)
for i, story in enumerate(stories):
    with columns[i % 2], st.container(border=True, key=f"g_story_{story.id}"):
        if story.photo:
            thumb = thumbnail(story.photo)
            if thumb:
                st.image(thumb, width=200)
        st.markdown(f"**{story.deputy_name}** · {story.title}")
        st.caption(names.get(story.township_id, ""))
        st.text(story.story)
