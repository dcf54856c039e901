"""District admin: the appraisal of the year — dimension weights, grade thresholds and bonus or
deduction lines — saved as a new, audited rule set version."""

import pandas as pd
import streamlit as st

from models.db import session_scope
from services import rules as rules_service
from services.errors import ServiceError
from services.scoring import DIMENSIONS
from ui import data as cached
from ui import funds as ufunds
from ui import rules as urules
from ui.auth import page_actor
from ui.i18n import current_lang, error_text, label, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
page_header(t("appraisal_rules.title", year=year), t("appraisal_rules.caption"))
if version := st.session_state.pop("appraisal_rules_saved", None):
    st.success(t("appraisal_rules.saved", version=version))

current = ufunds.rules_for(cached.data_version(), year)
data = rules_service.to_content(current)
units = cached.townships(cached.data_version(), actor)
codes = {u.code: u.name(lang) for u in units}

with st.form(f"appraisal_rules_{lang}", border=True):
    st.subheader(t("appraisal_rules.weights"))
    weights = {}
    columns = st.columns(len(DIMENSIONS))
    for col, dim in zip(columns, DIMENSIONS, strict=True):
        weights[dim] = col.number_input(
            t(f"score.dimension.{dim}"),
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            value=float(data["appraisal"]["weights"][dim]),
            key=f"appraisal_weight_{dim}",
        )
    st.caption(t("appraisal_rules.weights_help"))

    st.subheader(t("appraisal_rules.grades"))
    grade_cols = st.columns(len(data["appraisal"]["grades"]))
    grade_mins = {}
    for col, grade in zip(grade_cols, data["appraisal"]["grades"], strict=True):
        grade_mins[grade["code"]] = col.number_input(
            label("score.grade", grade["code"]),
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            value=float(grade["min"]),
            disabled=grade["min"] == 0,
            key=f"appraisal_grade_{grade['code']}",
        )

    st.subheader(t("appraisal_rules.adjustments"))
    adjustments = pd.DataFrame(
        data["appraisal"].get("adjustments") or [], columns=["township", "points", "reason"]
    )
    edited = st.data_editor(
        adjustments,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"appraisal_adjustments_{lang}",
        column_config={
            "township": st.column_config.SelectboxColumn(
                t("appraisal_rules.col.unit"),
                options=list(codes),
                format_func=lambda c: codes.get(c, c),
                required=True,
            ),
            "points": st.column_config.NumberColumn(
                t("appraisal_rules.col.points"),
                min_value=-100,
                max_value=100,
                step=0.5,
                required=True,
            ),
            "reason": st.column_config.TextColumn(
                t("appraisal_rules.col.reason"), max_chars=200, required=True
            ),
        },
    )
    submitted = st.form_submit_button(t("common.save"), type="primary")

if submitted:
    new = rules_service.to_content(current)
    old_checklist = float(new["appraisal"]["weights"]["checklist"])
    new["appraisal"]["weights"] = dict(weights)
    # The ten tasks share the task-list weight: rescale them so they keep adding up to it.
    tasks = new["checklist"]["tasks"]
    if old_checklist and weights["checklist"] != old_checklist:
        factor = weights["checklist"] / old_checklist
        for task in tasks:
            task["weight"] = round(task["weight"] * factor, 6)
        tasks[-1]["weight"] = round(
            weights["checklist"] - sum(task["weight"] for task in tasks[:-1]), 6
        )
    for grade in new["appraisal"]["grades"]:
        if grade["min"] != 0:
            grade["min"] = grade_mins[grade["code"]]
    rows = edited.dropna(how="all").to_dict("records")
    new["appraisal"]["adjustments"] = [
        {"township": r.get("township"), "points": r.get("points"), "reason": r.get("reason")}
        for r in rows
    ]
    try:
        with session_scope() as session:
            saved = rules_service.save_rules(session, actor, new, note="appraisal")
        st.session_state["appraisal_rules_saved"] = saved
        st.rerun()
    except rules_service.RuleSetError as exc:
        st.error(t("appraisal_rules.invalid"))
        st.dataframe(
            urules.problems_frame(urules.problem_rows(exc)), hide_index=True, width="stretch"
        )
    except ServiceError as exc:
        st.error(error_text(exc))
