"""District: every unit × the ten tasks, coloured by status; a cell opens the records behind it."""

import streamlit as st

from services.rules import TASK_CODES
from ui import charts
from ui import checklist as ui
from ui import data as cached
from ui.auth import page_actor
from ui.forms import unit_picker
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()

page_header(t("checklist.matrix.title"), t("checklist.matrix.caption", year=year))

left, right = st.columns([1, 2])
with left:
    as_of = ui.as_of_picker(year, key="checklist_matrix_as_of")
with right:
    order = st.radio(
        t("checklist.matrix.sort"),
        ["order", "met_desc", "met_asc", "overdue_desc"],
        format_func=lambda o: t(f"checklist.matrix.sort_opt.{o}"),
        horizontal=True,
        key="checklist_matrix_sort",
    )

result = ui.status(version, actor, year, as_of)
if not result.units:
    st.info(t("checklist.matrix.empty"))
    st.stop()

# Sorted and summed once per data version, day and order, for every viewer.
units, title = charts.built(
    ("checklist.matrix_view", version, actor, year, as_of, lang, order),
    lambda: ui.matrix_view(result, order, lang),
)

# A city or a province pages through its units; the title's figures are of them all.
pages = -(-len(units) // ui.MATRIX_PAGE)
page = 1
if pages > 1:
    page = int(
        st.number_input(
            t("checklist.matrix.page", n=pages, size=ui.MATRIX_PAGE),
            min_value=1,
            max_value=pages,
            value=1,
            key="checklist_matrix_page",
        )
    )
    units = units[(page - 1) * ui.MATRIX_PAGE : page * ui.MATRIX_PAGE]
chart = charts.built(
    ("checklist.matrix", version, actor, year, as_of, lang, order, page),
    lambda: ui.matrix_chart(units, lang, title),
)
event = ui.show_matrix(chart, key="checklist_matrix_chart")
st.caption(ui.task_legend(lang))
st.caption(t("checklist.matrix.rules_version", year=year, version=result.rules_version))

# A click on the chart preselects the unit and task below; the pickers stay usable on their own.
picked = (event or {}).get("selection", {}).get("cell") or []
if picked:
    choice = (int(picked[0]["township_id"]), str(picked[0]["task"]))
    if st.session_state.get("_checklist_matrix_last_click") != choice:
        st.session_state["_checklist_matrix_last_click"] = choice
        st.session_state["checklist_matrix_unit"] = choice[0]
        st.session_state["checklist_matrix_task"] = choice[1]

st.subheader(t("checklist.matrix.table_title"))
labels, codes = charts.built(
    ("checklist.matrix_table", version, actor, year, as_of, lang, order, page),
    lambda: ui.matrix_table(units, lang),
)
st.dataframe(
    ui.styled_matrix(labels, codes), hide_index=True, width="stretch", key="checklist_matrix_table"
)
st.download_button(
    t("checklist.matrix.download"),
    # Built when clicked, not on every run of the page.
    data=lambda: ui.matrix_xlsx(units, lang, year=year, as_of=result.as_of),
    file_name=f"checklist_{year}_{result.as_of.isoformat()}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="checklist_matrix_download",
    icon=":material/download:",
)

st.subheader(t("checklist.matrix.cell_header"))
by_id = {u.township_id: u for u in result.units}
if st.session_state.get("checklist_matrix_unit") not in by_id:
    st.session_state["checklist_matrix_unit"] = result.units[0].township_id
pick_unit, pick_task = st.columns(2)
unit_id = unit_picker(
    {i: u.name(lang) for i, u in by_id.items()},
    label=t("checklist.matrix.pick_unit"),
    key="checklist_matrix_unit",
    placeholder=t("checklist.choose"),
    where=pick_unit,
)
code = pick_task.selectbox(
    t("checklist.matrix.pick_task"),
    list(TASK_CODES),
    placeholder=t("checklist.choose"),
    format_func=lambda c: f"{c} {ui.task_name(c)}",
    key="checklist_matrix_task",
)
ui.task_card(
    by_id[unit_id].task(code), lang, key="checklist_matrix_cell", unit=by_id[unit_id].name(lang)
)
records = ui.cell_records(version, actor, year, result.as_of, unit_id, code)
if records.empty:
    st.info(t("checklist.matrix.no_records"))
else:
    shown = charts.built(
        ("checklist.records", version, actor, year, result.as_of, lang, unit_id, code),
        lambda: ui.records_frame(records, code, lang),
    )
    st.table(shown, hide_index=True)
