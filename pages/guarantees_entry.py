"""Clerk and admin: the three ones, the platform register and its yearly check, integrated
activities and commendation proposals of one unit. One column of fields, so a phone can fill it.
"""

from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import PlatformKind
from services import activities, commendations, imports, org, platform_io, platforms
from services import rules as rule_sets
from services.errors import ServiceError
from ui import data as cached
from ui import guarantees as ui
from ui import linkage as linkage_ui
from ui.auth import page_actor
from ui.format import day, number
from ui.i18n import current_lang, error_text, label, t
from ui.layout import page_header, selected_year

OTHER_THEME = "__other__"

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = date.today()
latest = min(today, date(year, 12, 31))

page_header(t("guarantees.entry.title"), t("guarantees.entry.caption", year=year))
if flash := st.session_state.pop("_guarantees_flash", None):
    st.success(t(flash))

units = cached.townships(version, actor)
by_id = {u.id: u for u in units}
if actor.is_district:
    township_id = st.selectbox(
        t("guarantees.pick_unit"),
        list(by_id),
        placeholder=t("guarantees.choose"),
        format_func=lambda i: by_id[i].name(lang),
        key="guarantees_entry_unit",
    )
else:
    township_id = actor.township_id
unit = by_id.get(township_id)
if unit is None:
    st.info(t("guarantees.no_unit"))
    st.stop()

with session_scope() as session:
    year_rules = rule_sets.get_rules(session, year)
    roster = activities.roster_deputies(session, actor, unit.id)
    ones = org.three_ones(session, actor, unit.id, year)
    register = platforms.list_platforms(session, actor, unit.id)
    acts = activities.list_activities(session, actor, year, township_id=unit.id)
    proposals = commendations.list_commendations(session, actor, year, township_id=unit.id)
deputy_names = {d.id: f"{d.name}（{ui.level_label(d.level)}）" for d in roster}


def saved(flash: str, prefix: str) -> None:
    """Clear the form's widgets (an empty form for the next entry) and say what was saved."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        st.session_state.pop(key, None)
    st.session_state["_guarantees_flash"] = flash
    st.rerun()


def attempt(write, flash: str, prefix: str) -> None:
    try:
        with session_scope() as session:
            write(session)
    except ServiceError as exc:
        st.error(error_text(exc))
    else:
        saved(flash, prefix)


tabs = st.tabs(
    [
        t("guarantees.tab.three_ones"),
        t("guarantees.tab.register"),
        t("guarantees.tab.check"),
        t("guarantees.tab.activities"),
        t("guarantees.tab.commendations"),
    ]
)

# -- the three ones ------------------------------------------------------------------------------
with tabs[0]:
    st.caption(t("guarantees.ones.rule"))
    st.metric(t("guarantees.ones.had"), t("guarantees.ones.had_value", n=ones.had))
    with st.form("g_ones_form", border=True):
        st.markdown(f"**{t('guarantees.ones.department')}**")
        dept = st.text_input(
            t("guarantees.ones.department_name"),
            value=ones.department_name,
            max_chars=org.MAX_DEPARTMENT,
            key="g_ones_dept",
        )
        dept_note = st.text_area(
            t("guarantees.ones.evidence_note"),
            value=ones.department_evidence.text,
            max_chars=org.MAX_EVIDENCE_NOTE,
            height=68,
            key="g_ones_dept_note",
        )
        dept_files = ui.file_input(t("guarantees.ones.evidence_files"), key="g_ones_dept_files")
        st.markdown(f"**{t('guarantees.ones.staff')}**")
        staff = st.text_input(
            t("guarantees.ones.staff_name"),
            value=ones.staff_name,
            max_chars=org.MAX_STAFF_NAME,
            key="g_ones_staff",
        )
        since = st.date_input(
            t("guarantees.ones.staff_since"),
            value=ones.staff_since,
            min_value=date(1990, 1, 1),
            format="YYYY-MM-DD",
            key="g_ones_since",
        )
        staff_note = st.text_area(
            t("guarantees.ones.evidence_note"),
            value=ones.staff_evidence.text,
            max_chars=org.MAX_EVIDENCE_NOTE,
            height=68,
            key="g_ones_staff_note",
        )
        staff_files = ui.file_input(t("guarantees.ones.evidence_files"), key="g_ones_staff_files")
        st.markdown(f"**{t('guarantees.ones.training')}**")
        training = st.text_input(
            t("guarantees.ones.training_title"),
            value=ones.training_title,
            max_chars=org.MAX_TRAINING_TITLE,
            key="g_ones_training",
        )
        training_on = st.date_input(
            t("guarantees.ones.training_date"),
            value=ones.training_date,
            min_value=date(1990, 1, 1),
            format="YYYY-MM-DD",
            key="g_ones_training_on",
        )
        training_note = st.text_area(
            t("guarantees.ones.evidence_note"),
            value=ones.training_evidence.text,
            max_chars=org.MAX_EVIDENCE_NOTE,
            height=68,
            key="g_ones_training_note",
        )
        training_files = ui.file_input(
            t("guarantees.ones.evidence_files"), key="g_ones_training_files"
        )
        if st.form_submit_button(t("guarantees.save"), type="primary", key="g_ones_submit"):
            attempt(
                lambda s: org.set_three_ones(
                    s,
                    actor,
                    township_id=unit.id,
                    year=year,
                    department_name=dept,
                    department_note=dept_note,
                    department_files=ui.uploads(dept_files),
                    staff_name=staff,
                    staff_since=since,
                    staff_note=staff_note,
                    staff_files=ui.uploads(staff_files),
                    training_title=training,
                    training_date=training_on,
                    training_note=training_note,
                    training_files=ui.uploads(training_files),
                ),
                "guarantees.ones.saved",
                "g_ones_",
            )
    for one, evidence in (
        ("department", ones.department_evidence),
        ("staff", ones.staff_evidence),
        ("training", ones.training_evidence),
    ):
        if evidence.files:
            with st.expander(t("guarantees.ones.kept_files", one=t(f"guarantees.ones.{one}"))):
                ui.show_files(evidence.files, key=f"g_ones_kept_{one}")

# -- the platform register -----------------------------------------------------------------------
with tabs[1]:
    if register:
        table = pd.DataFrame(
            {
                t("guarantees.reg.col.kind"): [label("guarantees.kind", p.kind) for p in register],
                t("guarantees.reg.col.name"): [p.name for p in register],
                t("guarantees.reg.col.address"): [p.address for p in register],
                t("guarantees.reg.col.opened_on"): [
                    day(p.opened_on) if p.opened_on else "" for p in register
                ],
                t("guarantees.reg.col.hours"): [p.opening_hours for p in register],
                t("guarantees.reg.col.deputies"): [
                    t("guarantees.list_sep").join(p.deputy_names) for p in register
                ],
                t("guarantees.reg.col.status"): [
                    t("guarantees.reg.open")
                    if p.active
                    else t("guarantees.reg.closed", day=day(p.closed_on) if p.closed_on else "")
                    for p in register
                ],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="g_reg_table")
    else:
        st.info(t("guarantees.reg.empty"))

    with st.expander(t("guarantees.io.title")):
        st.caption(t("guarantees.io.note"))
        with session_scope() as session:
            workbook = platform_io.export_register(session, actor, unit.id, lang=lang)
        st.download_button(
            t("guarantees.io.export"),
            data=workbook,
            file_name=t("guarantees.io.file", unit=unit.name(lang), year=year),
            mime=imports.XLSX_MIME,
            key="g_io_export",
            icon=":material/download:",
        )
        sheet = st.file_uploader(t("guarantees.io.import"), type=["xlsx"], key="g_io_file")
        if sheet is not None and st.button(t("guarantees.io.run"), key="g_io_run"):
            try:
                with session_scope() as session:
                    result = platform_io.import_register(
                        session, actor, unit.id, sheet.getvalue(), filename=sheet.name
                    )
            except imports.ImportRejected as exc:
                st.error(t("guarantees.io.rejected", n=len(exc.problems)))
                st.dataframe(
                    linkage_ui.problem_table(exc.problems, platform_io.REGISTER_SHEET, lang),
                    hide_index=True,
                    width="stretch",
                    key="g_io_problems",
                )
            except ServiceError as exc:
                st.error(error_text(exc))
            else:
                message = t("guarantees.io.done", **result.counts)
                if result.changed:
                    saved("guarantees.io.saved", "g_io_")
                st.info(message)

    open_platforms = {p.id: p for p in register if p.active}
    # Labels worked out now, in the page's language, not when the widget formats an option.
    pick_labels = {0: t("guarantees.reg.new"), **{i: p.name for i, p in open_platforms.items()}}
    choice = st.selectbox(
        t("guarantees.reg.pick"),
        list(pick_labels),
        format_func=pick_labels.get,
        key="g_reg_pick",
    )
    current = open_platforms.get(choice)
    with st.form(f"g_reg_form_{choice}", border=True):
        kinds = {k: label("guarantees.kind", k) for k in PlatformKind}
        kind = st.selectbox(
            t("guarantees.reg.col.kind"),
            list(kinds),
            index=list(kinds).index(current.kind) if current else 0,
            format_func=kinds.get,
            key=f"g_reg_kind_{choice}",
        )
        name = st.text_input(
            t("guarantees.reg.col.name"),
            value=current.name if current else "",
            max_chars=platforms.MAX_NAME,
            key=f"g_reg_name_{choice}",
        )
        address = st.text_input(
            t("guarantees.reg.col.address"),
            value=current.address if current else "",
            max_chars=platforms.MAX_ADDRESS,
            key=f"g_reg_address_{choice}",
        )
        opened = st.date_input(
            t("guarantees.reg.col.opened_on"),
            value=current.opened_on if current else None,
            min_value=date(1990, 1, 1),
            format="YYYY-MM-DD",
            key=f"g_reg_opened_{choice}",
        )
        hours = st.text_input(
            t("guarantees.reg.col.hours"),
            value=current.opening_hours if current else "",
            max_chars=platforms.MAX_HOURS,
            placeholder=t("guarantees.reg.hours_ph"),
            key=f"g_reg_hours_{choice}",
        )
        stationed = st.multiselect(
            t("guarantees.reg.col.deputies"),
            list(deputy_names),
            default=[d for d in (current.deputy_ids if current else ()) if d in deputy_names],
            format_func=deputy_names.get,
            placeholder=t("guarantees.choose"),
            key=f"g_reg_deputies_{choice}",
        )
        if st.form_submit_button(t("guarantees.save"), type="primary", key="g_reg_submit"):
            values = {
                "kind": kind,
                "name": name,
                "address": address,
                "opened_on": opened,
                "opening_hours": hours,
                "deputy_ids": stationed,
            }
            if current is None:
                attempt(
                    lambda s: platforms.add_platform(s, actor, township_id=unit.id, **values),
                    "guarantees.reg.saved",
                    "g_reg_",
                )
            else:
                attempt(
                    lambda s: platforms.update_platform(s, actor, current.id, **values),
                    "guarantees.reg.saved",
                    "g_reg_",
                )
    if current is not None:
        with st.form(f"g_retire_form_{choice}", border=True):
            st.markdown(f"**{t('guarantees.reg.retire_title', name=current.name)}**")
            st.caption(t("guarantees.reg.retire_note"))
            closed = st.date_input(
                t("guarantees.reg.closed_on"),
                value=latest,
                format="YYYY-MM-DD",
                key=f"g_retire_on_{choice}",
            )
            if st.form_submit_button(t("guarantees.reg.retire"), key="g_retire_submit"):
                attempt(
                    lambda s: platforms.retire_platform(s, actor, current.id, closed_on=closed),
                    "guarantees.reg.retired",
                    "g_reg_",
                )

# -- the yearly check ----------------------------------------------------------------------------
with tabs[2]:
    checkable = {p.id: p for p in register if p.open_on(latest) or p.active}
    if not checkable:
        st.info(t("guarantees.check.empty"))
    else:
        st.caption(t("guarantees.check.rule", year=year))
        pid = st.selectbox(
            t("guarantees.check.pick"),
            list(checkable),
            format_func=lambda i: checkable[i].name,
            key="g_check_pick",
        )
        with session_scope() as session:
            current_check = platforms.platform_check(session, actor, pid, year)
        ticked = sum(c.ok for c in current_check.values())
        st.metric(
            t("guarantees.check.ticked"),
            t("guarantees.check.ticked_value", n=ticked, total=len(current_check)),
        )
        with st.form(f"g_check_form_{pid}", border=True):
            entries = {}
            for code, check in current_check.items():
                group = "eight" if code in year_rules.platforms.eight_haves else "v2"
                with st.container(border=True, key=f"g_check_item_{code}"):
                    ok = st.checkbox(
                        f"{ui.item_label(code)} · {t(f'guarantees.check.group.{group}')}",
                        value=check.ok,
                        key=f"g_check_ok_{pid}_{code}",
                    )
                    note = st.text_input(
                        t("guarantees.check.note"),
                        value=check.evidence.text,
                        max_chars=platforms.MAX_NOTE,
                        key=f"g_check_note_{pid}_{code}",
                    )
                    picked = st.file_uploader(
                        t("guarantees.check.files", n=len(check.evidence.files)),
                        type=ui.PICKER_TYPES,
                        accept_multiple_files=True,
                        key=f"g_check_files_{pid}_{code}",
                    )
                    entries[code] = (ok, note, picked)
            st.caption(t("guarantees.check.need_evidence"))
            if st.form_submit_button(t("guarantees.save"), type="primary", key="g_check_submit"):
                attempt(
                    lambda s: platforms.check_platform(
                        s,
                        actor,
                        pid,
                        year=year,
                        entries={
                            code: platforms.ItemEntry(ok=ok, note=note, files=ui.uploads(picked))
                            for code, (ok, note, picked) in entries.items()
                        },
                    ),
                    "guarantees.check.saved",
                    "g_check_",
                )
        with st.expander(t("guarantees.check.kept_files")):
            any_file = False
            for code, check in current_check.items():
                if check.evidence.files:
                    any_file = True
                    st.markdown(f"**{ui.item_label(code)}**")
                    ui.show_files(check.evidence.files, key=f"g_check_kept_{code}")
            if not any_file:
                st.caption(t("guarantees.files.none"))

# -- integrated activities -----------------------------------------------------------------------
with tabs[3]:
    themes = {x: x for x in year_rules.themes} | {OTHER_THEME: t("guarantees.act.other_theme")}
    with st.form("g_act_form", border=True):
        st.markdown(f"**{t('guarantees.act.form_title')}**")
        held_on = st.date_input(
            t("guarantees.act.held_on"),
            value=latest,
            min_value=date(year, 1, 1),
            max_value=latest,
            format="YYYY-MM-DD",
            key="g_act_held_on",
        )
        title = st.text_input(
            t("guarantees.act.title_field"), max_chars=activities.MAX_TITLE, key="g_act_title"
        )
        theme_choice = st.selectbox(
            t("guarantees.act.theme"),
            list(themes),
            format_func=themes.get,
            key="g_act_theme",
        )
        other_theme = st.text_input(
            t("guarantees.act.other_theme_text"),
            max_chars=activities.MAX_THEME,
            help=t("guarantees.act.other_theme_help"),
            key="g_act_other_theme",
        )
        taking_part = st.multiselect(
            t("guarantees.act.deputies"),
            list(deputy_names),
            format_func=deputy_names.get,
            placeholder=t("guarantees.choose"),
            key="g_act_deputies",
        )
        st.caption(t("guarantees.act.outside_note"))
        outside = {
            field: st.number_input(
                t(f"guarantees.act.{field}"),
                min_value=0,
                max_value=activities.MAX_OUTSIDE,
                step=1,
                value=0,
                key=f"g_act_{field}",
            )
            for field in ("outside_city", "outside_provincial", "outside_national")
        }
        voters = st.number_input(
            t("guarantees.act.voters_reached"),
            min_value=0,
            max_value=activities.MAX_VOTERS,
            step=1,
            value=0,
            key="g_act_voters",
        )
        results = st.text_area(
            t("guarantees.act.results"),
            max_chars=activities.MAX_RESULTS,
            height=90,
            key="g_act_results",
        )
        photos = ui.file_input(t("guarantees.act.photos"), key="g_act_photos", images_only=True)
        if st.form_submit_button(t("guarantees.act.submit"), type="primary", key="g_act_submit"):
            theme = other_theme if theme_choice == OTHER_THEME else theme_choice
            attempt(
                lambda s: activities.record_activity(
                    s,
                    actor,
                    township_id=unit.id,
                    held_on=held_on,
                    title=title,
                    theme=theme,
                    deputy_ids=taking_part,
                    voters_reached=int(voters),
                    results=results,
                    photos=ui.uploads(photos),
                    today=today,
                    **{k: int(v) for k, v in outside.items()},
                ),
                "guarantees.act.saved",
                "g_act_",
            )
    st.subheader(t("guarantees.act.list_title", year=year))
    if not acts:
        st.info(t("guarantees.act.empty"))
    for a in acts:
        with st.container(border=True, key=f"g_act_card_{a.id}"):
            st.markdown(f"**{day(a.held_on)} · {a.title}**")
            st.caption(
                t(
                    "guarantees.act.card",
                    theme=a.theme,
                    levels=t("guarantees.list_sep").join(ui.level_label(lv) for lv in a.levels),
                    n=len(a.levels),
                    voters=number(a.voters_reached),
                )
            )
            if a.counts_for_t10:
                st.markdown(t("guarantees.act.counts"))
            elif not a.on_theme:
                st.markdown(t("guarantees.act.off_theme"))
            else:
                st.markdown(t("guarantees.act.one_level"))
            if a.deputy_names:
                st.caption(
                    t("guarantees.act.who", names=t("guarantees.list_sep").join(a.deputy_names))
                )
            if a.results:
                st.text(a.results)
            ui.show_files(a.photos, key=f"g_act_photos_{a.id}")
            if st.button(t("guarantees.act.delete"), key=f"g_act_delete_{a.id}"):
                attempt(
                    lambda s, aid=a.id: activities.delete_activity(s, actor, aid),
                    "guarantees.act.deleted",
                    "g_act_",
                )

# -- commendation proposals ----------------------------------------------------------------------
with tabs[4]:
    with st.form("g_com_form", border=True):
        st.markdown(f"**{t('guarantees.com.form_title')}**")
        deputy = st.selectbox(
            t("guarantees.com.deputy"),
            list(deputy_names),
            index=None,
            format_func=deputy_names.get,
            placeholder=t("guarantees.choose"),
            key="g_com_deputy",
        )
        honour = st.text_input(
            t("guarantees.com.honour"), max_chars=commendations.MAX_TITLE, key="g_com_title"
        )
        story = st.text_area(
            t("guarantees.com.story"),
            max_chars=commendations.MAX_STORY,
            height=120,
            key="g_com_story",
        )
        photo = ui.file_input(
            t("guarantees.com.photo"), key="g_com_photo", images_only=True, multiple=False
        )
        if st.form_submit_button(t("guarantees.com.submit"), type="primary", key="g_com_submit"):
            if deputy is None:
                st.error(t("guarantees.com.pick_deputy"))
            else:
                picked = ui.uploads(photo)
                attempt(
                    lambda s: commendations.propose(
                        s,
                        actor,
                        township_id=unit.id,
                        year=year,
                        deputy_id=deputy,
                        title=honour,
                        story=story,
                        photo=picked[0] if picked else None,
                    ),
                    "guarantees.com.saved",
                    "g_com_",
                )
    if not proposals:
        st.info(t("guarantees.com.empty"))
    for c in proposals:
        with st.container(border=True, key=f"g_com_card_{c.id}"):
            st.markdown(f"**{c.deputy_name} · {c.title}** — {label('guarantees.status', c.status)}")
            if c.return_reason:
                st.warning(t("guarantees.com.returned_reason", reason=c.return_reason))
            st.text(c.story)
            if c.photo:
                ui.show_files([c.photo], key=f"g_com_photo_{c.id}")
