"""Clerk and admin: the three ones, the platform register and its yearly check, integrated
activities and commendation proposals of one unit. One column of fields, so a phone can fill it.

Every record is entered, corrected (picked from the saved ones, edited, saved with a reason) or
withdrawn with a reason in the same place; a form starts empty again after each save.
"""

from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import PlatformKind
from services import activities, clock, commendations, imports, org, platform_io, platforms
from services import rules as rule_sets
from ui import data as cached
from ui import guarantees as ui
from ui import linkage as linkage_ui
from ui.auth import page_actor
from ui.format import day, number
from ui.forms import date_field, saved, working_unit, writing
from ui.i18n import current_lang, label, t
from ui.layout import page_header, selected_year

OTHER_THEME = "__other__"
COUNT_LIMITS = {
    "outside_city": activities.MAX_OUTSIDE,
    "outside_provincial": activities.MAX_OUTSIDE,
    "outside_national": activities.MAX_OUTSIDE,
    "voters_reached": activities.MAX_VOTERS,
}
ONES, REG, CHECK, ACT, COM = "g_ones_", "g_reg_", "g_check_", "g_act_", "g_com_"

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
latest = min(clock.today(), date(year, 12, 31))

page_header(t("guarantees.entry.title"), t("guarantees.entry.caption", year=year))
ui.after_save()

township_id = working_unit(
    actor,
    {u.id: u.name(lang) for u in cached.townships(version, actor)},
    label=t("guarantees.pick_unit"),
    key="guarantees_entry_unit",
    empty=t("guarantees.no_unit"),
    placeholder=t("guarantees.choose"),
)
unit_name = next(u.name(lang) for u in cached.townships(version, actor) if u.id == township_id)

with session_scope() as session:
    year_rules = rule_sets.get_rules(session, year)
    roster = activities.roster_deputies(session, actor, township_id)
    ones = org.three_ones(session, actor, township_id, year)
    register = platforms.list_platforms(session, actor, township_id)
    acts = activities.list_activities(session, actor, year, township_id=township_id)
    proposals = commendations.list_commendations(session, actor, year, township_id=township_id)
deputy_names = {d.id: f"{d.name}（{ui.level_label(d.level)}）" for d in roster}
sep = t("guarantees.list_sep")


def deputies_field(slot: str, choice: int, label_key: str, chosen=()) -> list[int]:
    return st.multiselect(
        t(label_key),
        list(deputy_names),
        default=[d for d in chosen if d in deputy_names],
        format_func=deputy_names.get,
        placeholder=t("guarantees.choose"),
        key=f"{slot}deputies_{choice}",
    )


def kept_files(title: str, refs, key: str) -> None:
    if refs:
        with st.expander(title):
            ui.show_files(refs, key=key)


tabs = st.tabs(
    [
        t("guarantees.tab.three_ones"),
        t("guarantees.tab.register"),
        t("guarantees.tab.check"),
        t("guarantees.tab.activities"),
        t("guarantees.tab.commendations"),
    ],
    # Keyed, so the open tab stays open when the saved message above it goes away.
    key=f"g_tabs_{lang}",
)

# -- the three ones ------------------------------------------------------------------------------
# Each one: its text field (name or title) with its limit and saved value, its date field if any.
ONE_TEXT = {
    "department": ("department_name", org.MAX_DEPARTMENT, ones.department_name),
    "staff": ("staff_name", org.MAX_STAFF_NAME, ones.staff_name),
    "training": ("training_title", org.MAX_TRAINING_TITLE, ones.training_title),
}
ONE_DATE = {
    "staff": ("staff_since", ones.staff_since),
    "training": ("training_date", ones.training_date),
}
ONE_EVIDENCE = {
    "department": ones.department_evidence,
    "staff": ones.staff_evidence,
    "training": ones.training_evidence,
}
saved_ones = bool(
    ones.department_name
    or ones.staff_name
    or ones.training_title
    or ones.staff_since
    or ones.training_date
    or any(e.text or e.files for e in ONE_EVIDENCE.values())
)

with tabs[0]:
    st.caption(t("guarantees.ones.rule"))
    st.metric(t("guarantees.ones.had"), t("guarantees.ones.had_value", n=ones.had))
    with st.form("g_ones_form", border=True):
        typed: dict[str, object] = {}
        for one, (field, limit, value) in ONE_TEXT.items():
            st.markdown(f"**{t(f'guarantees.ones.{one}')}**")
            typed[field] = st.text_input(
                t(f"guarantees.ones.{field}"), value=value, max_chars=limit, key=f"{ONES}{one}"
            )
            if one in ONE_DATE:
                date_name, date_value = ONE_DATE[one]
                typed[date_name] = date_field(
                    t(f"guarantees.ones.{date_name}"), value=date_value, key=f"{ONES}{one}_on"
                )
            typed[f"{one}_note"] = st.text_area(
                t("guarantees.ones.evidence_note"),
                value=ONE_EVIDENCE[one].text,
                max_chars=org.MAX_EVIDENCE_NOTE,
                height=68,
                key=f"{ONES}{one}_note",
            )
            typed[f"{one}_files"] = ui.file_input(
                t("guarantees.ones.evidence_files"), key=f"{ONES}{one}_files"
            )
        if saved_ones:
            st.caption(t("guarantees.ones.reason_note"))
        reason = ui.form_end(ONES, 0, submit=t("guarantees.save"), correcting=saved_ones)
        if reason is not None:
            ones_values = {
                k: ui.uploads(v) if k.endswith("_files") else v for k, v in typed.items()
            }
            ui.save(
                ONES,
                t("guarantees.ones.saved"),
                lambda s: org.set_three_ones(
                    s, actor, township_id=township_id, year=year, reason=reason, **ones_values
                ),
            )
    for one, evidence in ONE_EVIDENCE.items():
        kept_files(
            t("guarantees.ones.kept_files", one=t(f"guarantees.ones.{one}")),
            evidence.files,
            f"g_kept_ones_{one}",
        )
    if saved_ones:
        ui.withdraw(
            ONES,
            0,
            what=t("guarantees.ones.what", year=year),
            write=lambda s, why: org.withdraw_three_ones(
                s, actor, township_id=township_id, year=year, reason=why
            ),
        )

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
                t("guarantees.reg.col.deputies"): [sep.join(p.deputy_names) for p in register],
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
            workbook = platform_io.export_register(session, actor, township_id, lang=lang)
        st.download_button(
            t("guarantees.io.export"),
            data=workbook,
            file_name=t("guarantees.io.file", unit=unit_name, year=year),
            mime=imports.XLSX_MIME,
            key="g_io_export",
            icon=":material/download:",
        )
        sheet = st.file_uploader(t("guarantees.io.import"), type=["xlsx"], key="g_io_file")
        if sheet is not None and st.button(t("guarantees.io.run"), key="g_io_run"):
            rejected: list = []

            def run_import(session) -> None:
                try:
                    result = platform_io.import_register(
                        session, actor, township_id, sheet.getvalue(), filename=sheet.name
                    )
                except imports.ImportRejected as exc:
                    rejected.extend(exc.problems)
                    return
                done = t("guarantees.io.done", **result.counts)
                saved(done, slot="g_io_" if result.changed else "g_io_same")

            with writing() as session:
                run_import(session)
            if rejected:
                st.error(t("guarantees.io.rejected", n=len(rejected)))
                st.dataframe(
                    linkage_ui.problem_table(rejected, platform_io.REGISTER_SHEET, lang),
                    hide_index=True,
                    width="stretch",
                    key="g_io_problems",
                )

    by_platform = {p.id: p for p in register}
    choice = ui.record_picker(
        REG,
        {
            i: p.name if p.active else f"{p.name}（{t('guarantees.reg.closed', day='')}）"
            for i, p in by_platform.items()
        },
        new=t("guarantees.reg.new"),
        label=t("guarantees.reg.pick"),
    )
    current = by_platform.get(choice)
    with st.form(f"g_reg_form_{choice}", border=True):
        kinds = {k: label("guarantees.kind", k) for k in PlatformKind}
        values = {
            "kind": st.selectbox(
                t("guarantees.reg.col.kind"),
                list(kinds),
                index=list(kinds).index(current.kind) if current else 0,
                format_func=kinds.get,
                key=f"{REG}kind_{choice}",
            ),
            "name": st.text_input(
                t("guarantees.reg.col.name"),
                value=current.name if current else "",
                max_chars=platforms.MAX_NAME,
                key=f"{REG}name_{choice}",
            ),
            "address": st.text_input(
                t("guarantees.reg.col.address"),
                value=current.address if current else "",
                max_chars=platforms.MAX_ADDRESS,
                key=f"{REG}address_{choice}",
            ),
            "opened_on": date_field(
                t("guarantees.reg.col.opened_on"),
                value=current.opened_on if current else None,
                key=f"{REG}opened_{choice}",
            ),
            "opening_hours": st.text_input(
                t("guarantees.reg.col.hours"),
                value=current.opening_hours if current else "",
                max_chars=platforms.MAX_HOURS,
                placeholder=t("guarantees.reg.hours_ph"),
                key=f"{REG}hours_{choice}",
            ),
            "deputy_ids": deputies_field(
                REG, choice, "guarantees.reg.col.deputies", current.deputy_ids if current else ()
            ),
        }
        reason = ui.form_end(REG, choice, submit=t("guarantees.save"), correcting=bool(current))
        if reason is not None:
            ui.save(
                REG,
                t("guarantees.reg.saved"),
                lambda s: (
                    platforms.correct_platform(s, actor, choice, reason=reason, **values)
                    if current
                    else platforms.add_platform(s, actor, township_id=township_id, **values)
                ),
            )
    if current is not None and current.active:
        with st.form(f"g_retire_form_{choice}", border=True):
            st.markdown(f"**{t('guarantees.reg.retire_title', name=current.name)}**")
            st.caption(t("guarantees.reg.retire_note"))
            closed = date_field(
                t("guarantees.reg.closed_on"), value=latest, key=f"{REG}closed_{choice}"
            )
            if st.form_submit_button(t("guarantees.reg.retire"), key="g_reg_retire_submit"):
                ui.save(
                    REG,
                    t("guarantees.reg.retired"),
                    lambda s: platforms.retire_platform(s, actor, choice, closed_on=closed),
                )
    if current is not None:
        st.caption(t("guarantees.reg.withdraw_note"))
        ui.withdraw(
            REG,
            choice,
            what=current.name,
            write=lambda s, why: platforms.withdraw_platform(s, actor, choice, reason=why),
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
            key="g_check_platform",
        )
        with session_scope() as session:
            current_check = platforms.platform_check(session, actor, pid, year)
        ticked = sum(c.ok for c in current_check.values())
        recorded = any(c.ok or c.evidence.text or c.evidence.files for c in current_check.values())
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
                        key=f"{CHECK}ok_{pid}_{code}",
                    )
                    note = st.text_input(
                        t("guarantees.check.note"),
                        value=check.evidence.text,
                        max_chars=platforms.MAX_NOTE,
                        key=f"{CHECK}note_{pid}_{code}",
                    )
                    picked = st.file_uploader(
                        t("guarantees.check.files", n=len(check.evidence.files)),
                        type=ui.PICKER_TYPES,
                        accept_multiple_files=True,
                        key=f"{CHECK}files_{pid}_{code}",
                    )
                    entries[code] = (ok, note, picked)
            st.caption(t("guarantees.check.need_evidence"))
            if recorded:
                st.caption(t("guarantees.check.reason_note"))
            reason = ui.form_end(CHECK, pid, submit=t("guarantees.save"), correcting=recorded)
            if reason is not None:
                items = {
                    code: platforms.ItemEntry(ok=ok, note=note, files=ui.uploads(picked))
                    for code, (ok, note, picked) in entries.items()
                }
                ui.save(
                    CHECK,
                    t("guarantees.check.saved"),
                    lambda s: platforms.check_platform(
                        s, actor, pid, year=year, entries=items, reason=reason
                    ),
                )
        with st.expander(t("guarantees.check.kept_files")):
            with_files = {c: ch for c, ch in current_check.items() if ch.evidence.files}
            for code, check in with_files.items():
                st.markdown(f"**{ui.item_label(code)}**")
                ui.show_files(check.evidence.files, key=f"g_kept_check_{code}")
            if not with_files:
                st.caption(t("guarantees.files.none"))
        if recorded:
            ui.withdraw(
                CHECK,
                pid,
                what=t("guarantees.check.what", name=checkable[pid].name, year=year),
                write=lambda s, why: platforms.withdraw_check(s, actor, pid, year=year, reason=why),
            )

# -- integrated activities -----------------------------------------------------------------------
with tabs[3]:
    by_activity = {a.id: a for a in acts}
    choice = ui.record_picker(
        ACT,
        {a.id: f"{day(a.held_on)} · {a.title}" for a in acts},
        new=t("guarantees.act.new"),
        label=t("guarantees.act.pick"),
    )
    act = by_activity.get(choice)
    themes = {x: x for x in year_rules.themes} | {OTHER_THEME: t("guarantees.act.other_theme")}
    with st.form(f"g_act_form_{choice}", border=True):
        st.markdown(f"**{t('guarantees.act.edit_title' if act else 'guarantees.act.form_title')}**")
        held_on = date_field(
            t("guarantees.act.held_on"),
            value=act.held_on if act else latest,
            key=f"{ACT}held_{choice}",
        )
        title = st.text_input(
            t("guarantees.act.title_field"),
            value=act.title if act else "",
            max_chars=activities.MAX_TITLE,
            key=f"{ACT}title_{choice}",
        )
        theme_now = act.theme if act else None
        theme_choice = st.selectbox(
            t("guarantees.act.theme"),
            list(themes),
            index=list(themes).index(theme_now if theme_now in themes else OTHER_THEME)
            if act
            else 0,
            format_func=themes.get,
            key=f"{ACT}theme_{choice}",
        )
        other_theme = st.text_input(
            t("guarantees.act.other_theme_text"),
            value=theme_now if act and theme_now not in themes else "",
            max_chars=activities.MAX_THEME,
            help=t("guarantees.act.other_theme_help"),
            key=f"{ACT}other_theme_{choice}",
        )
        taking_part = deputies_field(
            ACT, choice, "guarantees.act.deputies", act.deputy_ids if act else ()
        )
        st.caption(t("guarantees.act.outside_note"))
        counts = {
            field: st.number_input(
                t(f"guarantees.act.{field}"),
                min_value=0,
                max_value=limit,
                step=1,
                value=getattr(act, field) if act else 0,
                key=f"{ACT}{field}_{choice}",
            )
            for field, limit in COUNT_LIMITS.items()
        }
        results = st.text_area(
            t("guarantees.act.results"),
            value=act.results if act else "",
            max_chars=activities.MAX_RESULTS,
            height=90,
            key=f"{ACT}results_{choice}",
        )
        photos = ui.file_input(
            t("guarantees.act.photos"), key=f"{ACT}photos_{choice}", images_only=True
        )
        reason = ui.form_end(ACT, choice, submit=t("guarantees.act.submit"), correcting=bool(act))
        if reason is not None:
            fields = {
                "held_on": held_on,
                "title": title,
                "theme": other_theme if theme_choice == OTHER_THEME else theme_choice,
                "deputy_ids": taking_part,
                "results": results,
                "photos": ui.uploads(photos),
                **{k: int(v) for k, v in counts.items()},
            }
            ui.save(
                ACT,
                t("guarantees.act.saved"),
                lambda s: (
                    activities.correct_activity(s, actor, choice, reason=reason, **fields)
                    if act
                    else activities.record_activity(s, actor, township_id=township_id, **fields)
                ),
            )
    if act is not None:
        ui.withdraw(
            ACT,
            choice,
            what=act.title,
            write=lambda s, why: activities.withdraw_activity(s, actor, choice, reason=why),
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
                    levels=sep.join(ui.level_label(lv) for lv in a.levels),
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
                st.caption(t("guarantees.act.who", names=sep.join(a.deputy_names)))
            if a.results:
                st.text(a.results)
            ui.show_files(a.photos, key=f"g_act_photos_{a.id}")

# -- commendation proposals ----------------------------------------------------------------------
with tabs[4]:
    # A proposal is corrected by its unit until it is approved; an approved one by the admin.
    changeable = {
        c.id: c
        for c in proposals
        if c.status != commendations.APPROVED or commendations.may_change_approved(actor)
    }
    choice = ui.record_picker(
        COM,
        {
            c.id: f"{c.deputy_name} · {c.title}（{label('guarantees.status', c.status)}）"
            for c in changeable.values()
        },
        new=t("guarantees.com.new"),
        label=t("guarantees.com.pick"),
    )
    proposal = changeable.get(choice)
    with st.form(f"g_com_form_{choice}", border=True):
        st.markdown(
            f"**{t('guarantees.com.edit_title' if proposal else 'guarantees.com.form_title')}**"
        )
        deputy = st.selectbox(
            t("guarantees.com.deputy"),
            list(deputy_names),
            index=list(deputy_names).index(proposal.deputy_id)
            if proposal and proposal.deputy_id in deputy_names
            else None,
            format_func=deputy_names.get,
            placeholder=t("guarantees.choose"),
            key=f"{COM}deputy_{choice}",
        )
        honour = st.text_input(
            t("guarantees.com.honour"),
            value=proposal.title if proposal else "",
            max_chars=commendations.MAX_TITLE,
            key=f"{COM}title_{choice}",
        )
        story = st.text_area(
            t("guarantees.com.story"),
            value=proposal.story if proposal else "",
            max_chars=commendations.MAX_STORY,
            height=120,
            key=f"{COM}story_{choice}",
        )
        photo = ui.file_input(
            t("guarantees.com.photo"), key=f"{COM}photo_{choice}", images_only=True, multiple=False
        )
        reason = ui.form_end(
            COM,
            choice,
            submit=t("guarantees.save" if proposal else "guarantees.com.submit"),
            correcting=bool(proposal),
        )
        if reason is not None:
            if deputy is None:
                st.error(t("guarantees.com.pick_deputy"))
            else:
                picked = ui.uploads(photo)
                fields = {
                    "deputy_id": deputy,
                    "title": honour,
                    "story": story,
                    "photo": picked[0] if picked else None,
                }
                ui.save(
                    COM,
                    t("correct.saved") if proposal else t("guarantees.com.saved"),
                    lambda s: (
                        commendations.correct_commendation(
                            s, actor, choice, reason=reason, **fields
                        )
                        if proposal
                        else commendations.propose(
                            s, actor, township_id=township_id, year=year, **fields
                        )
                    ),
                )
    if proposal is not None:
        ui.withdraw(
            COM,
            choice,
            what=f"{proposal.deputy_name} · {proposal.title}",
            write=lambda s, why: commendations.withdraw_commendation(s, actor, choice, reason=why),
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
