"""District admin: the year's task list (targets, schedules, unit types, weights, contact day)
and hand marks. Saving stores a new audited version of the rule set."""

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import UnitType
from services import checklist, rules, task_marks
from services.errors import ServiceError
from ui import checklist as ui
from ui import data as cached
from ui import rules as urules
from ui.auth import page_actor
from ui.format import number
from ui.forms import saving, show_saved
from ui.i18n import current_lang, error_text, name_column, t
from ui.layout import page_header, selected_year

UNIT_TYPES = [u.value for u in UnitType]

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()

with session_scope() as session:
    current = rules.get_rules(session, year)
    in_force = checklist.rules_version(session, year)

page_header(t("checklist.rules.title"), t("checklist.rules.caption", year=year, version=in_force))

if flash := st.session_state.pop("_checklist_rules_flash", None):
    st.success(flash)


col = {
    "code": t("checklist.rules.col.code"),
    "task": t("checklist.rules.col.task"),
    **{u: t(f"checklist.rules.col.{u}") for u in UNIT_TYPES},
    "weight": t("checklist.rules.col.weight"),
    "target": t("checklist.rules.col.target"),
    "schedule": t("checklist.rules.col.schedule"),
    "warn_days": t("checklist.rules.col.warn_days"),
}
table = pd.DataFrame(
    [
        {
            col["code"]: task.code,
            col["task"]: ui.task_name(task.code),
            **{col[u]: UnitType(u) in task.applies_to for u in UNIT_TYPES},
            col["weight"]: task.weight,
            col["target"]: task.target,
            col["schedule"]: ui.schedule_text(task),
            col["warn_days"]: task.warn_days,
        }
        for task in current.checklist.tasks
    ]
)

with st.form("checklist_rules_form", border=True):
    st.subheader(t("checklist.rules.tasks_header"))
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=[col["code"], col["task"]],
        column_config={
            **{col[u]: st.column_config.CheckboxColumn(col[u]) for u in UNIT_TYPES},
            col["weight"]: st.column_config.NumberColumn(col["weight"], min_value=0, step=0.5),
            col["target"]: st.column_config.NumberColumn(col["target"], min_value=0, step=0.05),
            col["schedule"]: st.column_config.TextColumn(
                col["schedule"], help=t("checklist.rules.schedule_help"), width="large"
            ),
            col["warn_days"]: st.column_config.NumberColumn(
                col["warn_days"],
                help=t("checklist.rules.warn_days_help"),
                min_value=0,
                max_value=366,
                step=1,
            ),
        },
        key="checklist_rules_tasks",
    )
    st.caption(t("checklist.rules.schedule_help"))
    st.caption(t("checklist.rules.warn_days_help"))
    st.caption(t("checklist.rules.closure_note"))
    st.caption(
        t(
            "checklist.rules.weights_hint",
            total=number(sum(task.weight for task in current.checklist.tasks)),
            expected=number(current.appraisal.weights.checklist),
        )
    )
    st.subheader(t("checklist.rules.contact_header"))
    c1, c2, c3 = st.columns(3)
    contact_day = c1.number_input(
        t("checklist.rules.day"),
        min_value=1,
        max_value=28,
        step=1,
        value=current.contact_day.day_of_month,
        key="checklist_rules_day",
    )
    tolerance = c2.radio(
        t("checklist.rules.tolerance"),
        ["exact", "nearest_working_day"],
        index=["exact", "nearest_working_day"].index(current.contact_day.tolerance),
        format_func=lambda o: t(f"checklist.rules.tolerance_opt.{o}"),
        key="checklist_rules_tolerance",
    )
    participation = c3.number_input(
        t("checklist.rules.min_participation"),
        min_value=0.0,
        max_value=1.0,
        step=0.05,
        value=float(current.contact_day.min_participation),
        format="%.2f",
        key="checklist_rules_participation",
    )
    h1, h2 = st.columns(2)
    local_holidays = h1.text_input(
        t("checklist.rules.local_holidays"),
        value=", ".join(d.isoformat() for d in current.contact_day.local_holidays),
        placeholder="2026-05-06, 2026-05-07",
        key="checklist_rules_local_holidays",
    )
    local_working_days = h2.text_input(
        t("checklist.rules.local_working_days"),
        value=", ".join(d.isoformat() for d in current.contact_day.local_working_days),
        placeholder="2026-05-09",
        key="checklist_rules_local_working_days",
    )
    st.caption(t("checklist.rules.calendar_help"))
    note = st.text_input(
        t("checklist.rules.note"),
        max_chars=200,
        placeholder=t("checklist.rules.note_ph"),
        key="checklist_rules_note",
    )
    submitted = st.form_submit_button(
        t("checklist.rules.submit"), type="primary", key="checklist_rules_submit"
    )

if submitted:
    rows = {
        row[col["code"]]: {
            "applies_to": [u for u in UNIT_TYPES if bool(row[col[u]])],
            "weight": row[col["weight"]],
            "target": row[col["target"]],
            "schedule": row[col["schedule"]],
            "warn_days": row[col["warn_days"]],
        }
        for _, row in edited.iterrows()
    }
    data, problems = ui.rules_from_form(
        current,
        rows,
        day_of_month=int(contact_day),
        tolerance=tolerance,
        min_participation=float(participation),
        local_holidays=local_holidays,
        local_working_days=local_working_days,
    )
    if not problems:
        try:
            with session_scope() as session:
                saved = rules.save_rules(session, actor, data, note=note.strip())
        except rules.RuleSetError as exc:
            problems = urules.problem_rows(exc)
        except ServiceError as exc:
            st.error(error_text(exc))
        else:
            st.session_state["_checklist_rules_flash"] = t("checklist.rules.saved", version=saved)
            st.rerun()
    if problems:
        st.error(t("checklist.rules.problems"))
        st.table(urules.problems_frame(problems), hide_index=True)

# -- hand marks --------------------------------------------------------------------------------

st.divider()
st.subheader(t("checklist.marks.header"))
st.caption(t("checklist.marks.caption"))
units = cached.townships(version, actor)
names = {u.id: u.name(lang) for u in units}
show_saved(slot="marks")

left, right = st.columns(2)
with left, st.form("checklist_mark_form", border=True):
    mark_unit = st.selectbox(
        t("checklist.marks.unit"),
        list(names),
        format_func=names.get,
        placeholder=t("checklist.choose"),
        key="checklist_mark_unit",
    )
    mark_task = st.selectbox(
        t("checklist.marks.task"),
        list(rules.TASK_CODES),
        placeholder=t("checklist.choose"),
        format_func=lambda c: f"{c} {ui.task_name(c)}",
        key="checklist_mark_task",
    )
    evidence = st.text_area(
        t("checklist.marks.evidence"),
        max_chars=task_marks.MAX_EVIDENCE,
        placeholder=t("checklist.marks.evidence_ph"),
        key="checklist_mark_evidence",
    )
    if st.form_submit_button(
        t("checklist.marks.submit"), type="primary", key="checklist_mark_submit"
    ):
        with saving(t("checklist.marks.saved"), slot="marks") as session:
            task_marks.set_task_mark(
                session,
                actor,
                township_id=mark_unit,
                year=year,
                task_code=mark_task,
                evidence=evidence,
            )
            st.session_state.pop("checklist_mark_evidence", None)

with right:
    st.markdown(f"**{t('checklist.marks.list')}**")
    listed = ui.marks(version, actor, year)
    if listed.empty:
        st.info(t("checklist.marks.empty"))
    else:
        shown = pd.DataFrame(
            {
                t("checklist.marks.col.unit"): listed[name_column(lang)],
                t("checklist.marks.col.task"): [f"{c} {ui.task_name(c)}" for c in listed["task"]],
                t("checklist.marks.col.evidence"): listed["evidence"],
                t("checklist.marks.col.marked_at"): listed["marked_at"],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch", key="checklist_marks_table")
        options = {
            (int(r["township_id"]), r["task"]): f"{names.get(int(r['township_id']), '')} "
            f"{r['task']}"
            for _, r in listed.iterrows()
        }
        with st.form("checklist_unmark_form", border=True):
            chosen = st.selectbox(
                t("checklist.marks.clear_pick"),
                list(options),
                placeholder=t("checklist.choose"),
                format_func=options.get,
                key="checklist_unmark_pick",
            )
            if st.form_submit_button(t("checklist.marks.clear_submit"), key="checklist_unmark"):
                with saving(t("checklist.marks.cleared"), slot="marks") as session:
                    task_marks.clear_task_mark(
                        session,
                        actor,
                        township_id=chosen[0],
                        year=year,
                        task_code=chosen[1],
                    )
