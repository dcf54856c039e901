"""District admin: the units of the district — add, rename, retire — without a code change."""

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import UnitType
from services import org
from ui.auth import page_actor
from ui.forms import saving, show_saved, unit_picker
from ui.i18n import label, t
from ui.layout import page_header

actor = page_actor(__file__)
page_header(t("units.title"), t("units.caption"))

with session_scope() as session:
    units = org.list_townships(session, include_retired=True)
    counties = org.list_counties(session)
county_names = {c.id: f"{c.name_zh} / {c.name_en}" for c in counties}

show_saved()
table = pd.DataFrame(
    [
        {
            t("units.col.code"): u.code,
            t("units.col.name_zh"): u.name_zh,
            t("units.col.name_en"): u.name_en,
            t("units.col.type"): label("unit_type", u.unit_type),
            t("units.col.population"): u.population,
            t("units.col.parent"): county_names.get(u.parent_id, "") if u.parent_id else "",
            t("units.col.status"): t("units.active") if u.active else t("units.retired"),
        }
        for u in units
    ]
)
st.dataframe(table, hide_index=True, width="stretch", key="units_table")

left, right = st.columns(2)
with left, st.form("add_unit", clear_on_submit=True, border=True):
    st.subheader(t("units.add"))
    code = st.text_input(t("units.col.code"), max_chars=20, placeholder=t("units.ph.code"))
    name_zh = st.text_input(t("units.col.name_zh"), max_chars=40, placeholder=t("units.ph.zh"))
    name_en = st.text_input(t("units.col.name_en"), max_chars=40, placeholder=t("units.ph.en"))
    unit_type = st.selectbox(
        t("units.col.type"), list(UnitType), format_func=lambda v: label("unit_type", v)
    )
    population = st.number_input(t("units.col.population"), min_value=0, step=100, value=0)
    parent = st.selectbox(
        t("units.col.parent"),
        [None, *county_names],
        format_func=lambda i: county_names[i] if i else t("units.parent_none"),
        key="add_unit_parent",
    )
    if st.form_submit_button(t("common.save"), type="primary"):
        with saving(t("common.saved")) as session:
            org.add_township(
                session,
                actor,
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                unit_type=unit_type,
                population=int(population) or None,
                parent_id=parent,
            )

with right:
    st.subheader(t("units.edit"))
    by_id = {u.id: u for u in units}
    chosen = unit_picker(
        {i: f"{u.name_zh} / {u.name_en}" for i, u in by_id.items()},
        label=t("units.choose"),
        key="edit_unit_choice",
    )
with right, st.form(f"edit_unit_{chosen}", border=True):
    new_zh = st.text_input(t("units.col.name_zh"), value=by_id[chosen].name_zh if chosen else "")
    new_en = st.text_input(t("units.col.name_en"), value=by_id[chosen].name_en if chosen else "")
    active = st.checkbox(t("units.active"), value=by_id[chosen].active if chosen else True)
    choices = [None, *county_names]
    current = by_id[chosen].parent_id if chosen else None
    new_parent = st.selectbox(
        t("units.col.parent"),
        choices,
        index=choices.index(current) if current in choices else 0,
        format_func=lambda i: county_names[i] if i else t("units.parent_none"),
    )
    if st.form_submit_button(t("common.save"), type="primary") and chosen:
        with saving(t("common.saved")) as session:
            org.update_township(
                session,
                actor,
                chosen,
                name_zh=new_zh,
                name_en=new_en,
                active=active,
                parent_id=new_parent,
                no_parent=new_parent is None,
            )

st.subheader(t("units.parents"))
st.caption(t("units.parent_hint"))
if counties:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("units.col.code"): c.code,
                    t("units.col.name_zh"): c.name_zh,
                    t("units.col.name_en"): c.name_en,
                }
                for c in counties
            ]
        ),
        hide_index=True,
        width="stretch",
        key="counties_table",
    )
with st.form("add_county", clear_on_submit=True, border=True):
    st.markdown(f"**{t('units.add_parent')}**")
    c_code = st.text_input(t("units.county.code"), max_chars=20, key="county_code")
    c_zh = st.text_input(t("units.county.name_zh"), max_chars=40, key="county_zh")
    c_en = st.text_input(t("units.county.name_en"), max_chars=40, key="county_en")
    if st.form_submit_button(t("common.save")):
        with saving(t("common.saved")) as session:
            org.add_county(session, actor, code=c_code, name_zh=c_zh, name_en=c_en)
