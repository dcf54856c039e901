"""One unit's ten tasks: status, measure and plain sentences of what is still owed."""

import streamlit as st

from ui import charts
from ui import checklist as ui
from ui import data as cached
from ui.auth import page_actor
from ui.forms import working_unit
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()

page_header(t("checklist.township.title"), t("checklist.township.caption", year=year))

units = cached.townships(version, actor)
if not units:
    st.info(t("checklist.township.empty"))
    st.stop()
left, right = st.columns(2)
township_id = working_unit(
    actor,
    {u.id: u.name(lang) for u in units},
    label=t("checklist.township.pick_unit"),
    key="checklist_township_unit",
    empty=t("checklist.township.empty"),
    placeholder=t("checklist.choose"),
    where=left,
)
picker = right if actor.is_district else left
with picker:
    as_of = ui.as_of_picker(year, key="checklist_township_as_of")

result = ui.status(version, actor, year, as_of, township_id)
if not result.units:
    st.info(t("checklist.township.empty"))
    st.stop()
unit = result.units[0]

title = t("checklist.township.chart_title", unit=unit.name(lang), met=unit.met, n=unit.applicable)
charts.show(ui.unit_strip(unit, lang, title), key="checklist_township_strip")
st.caption(t("checklist.matrix.rules_version", year=year, version=result.rules_version))

for aspect in ui.ASPECTS:
    tasks = [x for x in unit.tasks if x.aspect == aspect]
    if not tasks:
        continue
    st.subheader(t(f"checklist.aspect.{aspect}"))
    columns = st.columns(2)
    for i, task in enumerate(tasks):
        with columns[i % 2]:
            ui.task_card(task, lang, key=f"checklist_task_{task.code}")
