"""Clerk and admin: rosters of deputies and voters, the two kinds of links, and Excel imports."""

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from models.enums import DeputyLevel
from services import imports, roster, roster_io, roster_sheets, settings
from services.errors import ServiceError
from services.imports import ImportRejected
from ui import data as cached
from ui import linkage as ui
from ui.auth import page_actor
from ui.forms import date_field, saved, saved_slot, saving, show_saved, writing
from ui.i18n import current_lang, error_text, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
per_member, per_deputy = ui.linkage_rule(version, year)

page_header(t("linkage.rosters.title"), t("linkage.rosters.caption"))

township_id = ui.pick_township(actor, version, lang, key=f"linkage_roster_unit_{lang}")
unit = next(u for u in cached.townships(version, actor) if u.id == township_id)
congress = unit.unit_type.has_congress


flash_tab = saved_slot()
cons = ui.constituencies(version, actor, township_id)
con_names = {c.id: c.name for c in cons}
con_ids = {c.name: c.id for c in cons}
deps = ui.deputies(version, actor, township_id)

labels = [
    t("linkage.rosters.tab.deputies"),
    t("linkage.rosters.tab.voters"),
    t("linkage.rosters.tab.links"),
    t("linkage.rosters.tab.import"),
]
# After a save, the page reruns on the tab where it happened.
TAB_CODES = ["deputies", "voters", "links", "import"]
tab_deputies, tab_voters, tab_links, tab_import = st.tabs(
    labels, default=labels[TAB_CODES.index(flash_tab)] if flash_tab in TAB_CODES else None
)


def _diff(before: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The edited cells of a data editor, as {"id": …, column: new value} per changed row."""
    changes = []
    for (_, old), (_, new) in zip(before.iterrows(), after.iterrows(), strict=True):
        change = {}
        for col in columns:
            a, b = old[col], new[col]
            if (pd.isna(a) and pd.isna(b)) or a == b:
                continue
            change[col] = None if pd.isna(b) else b
        if change:
            changes.append({"id": int(old["id"]), **change})
    return changes


def _save_edits(update, changes: list[dict], *, tab: str) -> None:
    """Store a table's edits with ``update`` (all or none) and reopen the tab, or say why not."""
    with saving(slot=tab) as session:
        n = update(session, actor, township_id, changes)
        saved(t("linkage.rosters.saved_n", n=n) if n else t("linkage.rosters.saved_none"), slot=tab)


# --- deputies -----------------------------------------------------------------------------------
with tab_deputies:
    show_saved(slot="deputies")
    active = deps[deps["active"]]
    st.caption(
        t(
            "linkage.rosters.deputies_caption",
            n=len(active),
            members=int(active["is_presidium_member"].sum()),
            voters=per_deputy,
        )
    )
    view = deps.assign(
        level=[
            "、".join(t(f"linkage.level.{lv}") for lv in roster_sheets.deputy_levels(v, others))
            for v, others in zip(deps["level"], deps["other_levels"], strict=True)
        ],
        constituency=[c or None for c in deps["constituency"]],
    )[
        [
            "id",
            "name",
            "level",
            "constituency",
            "is_presidium_member",
            "phone",
            "has_fixed_income",
            "active",
            "voters",
            "other_voters",
            "linked_deputies",
        ]
    ]
    edited = st.data_editor(
        view,
        key=f"linkage_dep_editor_{township_id}_{version}",
        hide_index=True,
        width="stretch",
        height=420,
        placeholder=t("linkage.rosters.none"),
        column_order=[c for c in view.columns if c != "id"],
        disabled=["level", "voters", "other_voters", "linked_deputies"],
        column_config={
            "name": st.column_config.TextColumn(
                t("linkage.col.name"), required=True, max_chars=roster.MAX_NAME
            ),
            "level": st.column_config.TextColumn(t("linkage.col.level")),
            "constituency": st.column_config.SelectboxColumn(
                t("linkage.col.constituency"), options=[c.name for c in cons]
            ),
            "is_presidium_member": st.column_config.CheckboxColumn(t("linkage.col.presidium")),
            "phone": st.column_config.TextColumn(
                t("linkage.col.phone"), max_chars=roster.MAX_PHONE
            ),
            "has_fixed_income": st.column_config.CheckboxColumn(t("linkage.col.fixed_income")),
            "active": st.column_config.CheckboxColumn(t("linkage.col.active")),
            "voters": st.column_config.NumberColumn(
                t("linkage.col.voters"), help=t("linkage.rosters.voters_help")
            ),
            "other_voters": st.column_config.NumberColumn(
                t("linkage.col.other_voters"), help=t("linkage.rosters.other_help")
            ),
            "linked_deputies": st.column_config.NumberColumn(t("linkage.col.linked_deputies")),
        },
    )
    if st.button(t("linkage.rosters.save_changes"), key="linkage_dep_save", type="primary"):
        changes = _diff(
            view,
            edited,
            ["name", "constituency", "is_presidium_member", "phone", "has_fixed_income", "active"],
        )
        for change in changes:
            if "constituency" in change:
                name = change.pop("constituency")
                change["constituency_id"] = con_ids.get(name) if name else None
        _save_edits(roster.update_deputies, changes, tab="deputies")

    left, right = st.columns(2, gap="large")
    with (
        left,
        st.expander(t("linkage.rosters.add_deputy"), icon=":material/person_add:"),
        st.form("linkage_add_deputy", clear_on_submit=True, border=False),
    ):
        name = st.text_input(
            t("linkage.col.name"), max_chars=roster.MAX_NAME, placeholder=t("linkage.ph.name")
        )
        level = st.selectbox(
            t("linkage.col.level"),
            list(DeputyLevel)[::-1],
            format_func=lambda v: t(f"linkage.level.{v.value}", lang),
        )
        also = st.multiselect(
            t("linkage.col.other_levels"),
            list(DeputyLevel)[::-1],
            format_func=lambda v: t(f"linkage.level.{v.value}", lang),
            placeholder=t("linkage.ph.pick"),
        )
        con = st.selectbox(
            t("linkage.col.constituency"),
            [None, *con_names],
            format_func=lambda i: t("linkage.rosters.none", lang) if i is None else con_names[i],
        )
        member = st.checkbox(t("linkage.col.presidium"), disabled=not congress)
        gender = st.selectbox(
            t("linkage.col.gender"),
            ["", "M", "F"],
            format_func=lambda g: t(f"linkage.gender.{g or 'unknown'}", lang),
        )
        phone = st.text_input(
            t("linkage.col.phone"), max_chars=roster.MAX_PHONE, placeholder=t("linkage.ph.phone")
        )
        income = st.checkbox(t("linkage.col.fixed_income"), value=True)
        term = date_field(t("linkage.col.term_start"), key="linkage_add_term", value=None)
        if st.form_submit_button(t("linkage.rosters.add"), type="primary"):
            with saving(slot="deputies") as session:
                roster.add_deputy(
                    session,
                    actor,
                    township_id=township_id,
                    name=name,
                    level=level,
                    constituency_id=con,
                    is_presidium_member=member,
                    gender=gender,
                    phone=phone,
                    has_fixed_income=income,
                    term_start=term,
                    other_levels=also,
                )
                saved(t("linkage.rosters.added", name=name.strip()), slot="deputies")
    with (
        right,
        st.expander(t("linkage.rosters.add_constituency"), icon=":material/map:"),
        st.form("linkage_add_constituency", clear_on_submit=True, border=False),
    ):
        con_name = st.text_input(
            t("linkage.col.constituency"),
            max_chars=roster.MAX_CONSTITUENCY,
            placeholder=t("linkage.ph.constituency"),
        )
        if st.form_submit_button(t("linkage.rosters.add"), type="primary"):
            with saving(slot="deputies") as session:
                roster.add_constituency(session, actor, township_id=township_id, name=con_name)
                saved(t("linkage.rosters.added", name=con_name.strip()), slot="deputies")

# --- voters -------------------------------------------------------------------------------------
with tab_voters:
    show_saved(slot="voters")
    if not cons:
        st.info(t("linkage.rosters.no_constituencies"))
    else:
        con_pick = st.selectbox(
            t("linkage.rosters.pick_constituency"),
            list(con_names),
            format_func=lambda i: con_names[i],
            key="linkage_voter_constituency",
        )
        vot = ui.voters(version, actor, township_id, con_pick)
        st.caption(t("linkage.rosters.voters_caption", n=int(vot["active"].sum())))
        vview = vot[["id", "name", "village", "phone", "active", "deputies"]]
        vedited = st.data_editor(
            vview,
            key=f"linkage_voter_editor_{con_pick}_{version}",
            hide_index=True,
            width="stretch",
            placeholder=t("linkage.rosters.none"),
            column_order=["name", "village", "phone", "active", "deputies"],
            disabled=["deputies"],
            column_config={
                "name": st.column_config.TextColumn(
                    t("linkage.col.name"), required=True, max_chars=roster.MAX_NAME
                ),
                "village": st.column_config.TextColumn(
                    t("linkage.col.village"), max_chars=roster.MAX_VILLAGE
                ),
                "phone": st.column_config.TextColumn(
                    t("linkage.col.phone"), max_chars=roster.MAX_PHONE
                ),
                "active": st.column_config.CheckboxColumn(t("linkage.col.active")),
                "deputies": st.column_config.TextColumn(t("linkage.col.linked_to")),
            },
        )
        if st.button(t("linkage.rosters.save_changes"), key="linkage_voter_save", type="primary"):
            changes = _diff(vview, vedited, ["name", "village", "phone", "active"])
            _save_edits(roster.update_voters, changes, tab="voters")
        with (
            st.expander(t("linkage.rosters.add_voter"), icon=":material/person_add:"),
            st.form("linkage_add_voter", clear_on_submit=True, border=False),
        ):
            vname = st.text_input(
                t("linkage.col.name"),
                max_chars=roster.MAX_NAME,
                placeholder=t("linkage.ph.name"),
            )
            vcon = st.selectbox(
                t("linkage.col.constituency"),
                list(con_names),
                index=list(con_names).index(con_pick),
                format_func=lambda i: con_names[i],
            )
            village = st.text_input(
                t("linkage.col.village"),
                max_chars=roster.MAX_VILLAGE,
                placeholder=t("linkage.ph.village"),
            )
            vphone = st.text_input(
                t("linkage.col.phone"),
                max_chars=roster.MAX_PHONE,
                placeholder=t("linkage.ph.phone"),
            )
            if st.form_submit_button(t("linkage.rosters.add"), type="primary"):
                with saving(slot="voters") as session:
                    roster.add_voter(
                        session,
                        actor,
                        township_id=township_id,
                        constituency_id=vcon,
                        name=vname,
                        village=village,
                        phone=vphone,
                    )
                    saved(t("linkage.rosters.added", name=vname.strip()), slot="voters")

# --- links --------------------------------------------------------------------------------------
with tab_links:
    show_saved(slot="links")
    linkers = ui.link_deputies(version, actor, township_id)
    counts = deps.set_index("id")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{t('linkage.rosters.presidium_links', n=per_member)}**")
        members = [d for d in linkers if d.is_presidium_member]
        if not congress:
            st.info(t("linkage.coverage.presidium_na"))
        elif not members:
            st.info(t("linkage.rosters.no_members"))
        else:
            links = ui.presidium_links(version, actor, township_id)
            member_labels = {
                m.id: t(
                    "linkage.rosters.member_option",
                    name=m.name,
                    n=len(links.get(m.id, [])),
                    need=per_member,
                )
                for m in members
            }
            member_id = st.selectbox(
                t("linkage.rosters.member"),
                list(member_labels),
                format_func=member_labels.get,
                key=f"linkage_member_pick_{lang}",
            )
            township_deps = {
                int(r["id"]): t(
                    "linkage.rosters.deputy_label", name=r["name"], constituency=r["constituency"]
                )
                for _, r in deps.iterrows()
                if r["active"] and r["level"] == "township" and int(r["id"]) != member_id
            }
            with st.form(f"linkage_presidium_{member_id}", border=True):
                chosen = st.multiselect(
                    t("linkage.rosters.linked_deputies"),
                    list(township_deps),
                    default=[d for d in links.get(member_id, []) if d in township_deps],
                    format_func=lambda i: township_deps[i],
                    placeholder=t("linkage.ph.pick"),
                )
                if st.form_submit_button(t("common.save"), type="primary"):
                    with saving(slot="links") as session:
                        added, removed = roster.set_presidium_links(
                            session, actor, member_id=member_id, deputy_ids=chosen
                        )
                        saved(
                            t("linkage.rosters.links_saved", added=added, removed=removed),
                            slot="links",
                        )
    with right:
        st.markdown(f"**{t('linkage.rosters.voter_links', n=per_deputy)}**")
        if not linkers:
            st.info(t("linkage.rosters.no_deputies"))
        else:
            deputy_labels = {
                d.id: t(
                    "linkage.rosters.deputy_option",
                    name=d.name,
                    constituency=d.constituency,
                    n=int(counts.loc[d.id, "voters"]) if d.id in counts.index else 0,
                    need=per_deputy,
                )
                for d in linkers
            }
            deputy_id = st.selectbox(
                t("linkage.rosters.deputy"),
                list(deputy_labels),
                format_func=deputy_labels.get,
                key=f"linkage_deputy_pick_{lang}",
            )
            dep = next(d for d in linkers if d.id == deputy_id)
            pool = ui.voters(version, actor, township_id, dep.constituency_id)
            pool = pool[pool["active"]]
            options = {
                int(r["id"]): " · ".join(p for p in (r["name"], r["village"], r["phone"]) if p)
                for _, r in pool.iterrows()
            }
            current = ui.voter_links(version, actor, deputy_id)
            foreign = [v for v in current if v not in options]
            if foreign:
                st.warning(t("linkage.rosters.foreign_links", n=len(foreign)))
            with st.form(f"linkage_voters_{deputy_id}", border=True):
                picked = st.multiselect(
                    t("linkage.rosters.linked_voters"),
                    list(options),
                    default=[v for v in current if v in options],
                    format_func=lambda i: options[i],
                    placeholder=t("linkage.ph.pick"),
                )
                keep = (
                    st.checkbox(t("linkage.rosters.keep_foreign"), value=False)
                    if foreign
                    else False
                )
                if st.form_submit_button(t("common.save"), type="primary"):
                    with saving(slot="links") as session:
                        added, removed = roster.set_voter_links(
                            session,
                            actor,
                            deputy_id=deputy_id,
                            voter_ids=picked + (foreign if keep else []),
                        )
                        saved(
                            t("linkage.rosters.links_saved", added=added, removed=removed),
                            slot="links",
                        )

# --- import -------------------------------------------------------------------------------------
with tab_import:
    show_saved(slot="import")
    kind = st.radio(
        t("linkage.import.kind"),
        ["voters", "deputies"],
        format_func=lambda k: t(f"linkage.import.kind_{k}", lang),
        horizontal=True,
        key=f"linkage_import_kind_{lang}",
    )
    spec = roster_sheets.VOTER_SHEET if kind == "voters" else roster_sheets.DEPUTY_SHEET
    st.markdown(t(f"linkage.import.help_{kind}", voters=per_deputy))
    left, right = st.columns(2)
    with left:
        st.download_button(
            t("linkage.import.template"),
            data=ui.workbook(version, actor, township_id, kind, lang, False),
            file_name=t(f"linkage.import.template_file_{kind}", unit=unit.name(lang)),
            mime=imports.XLSX_MIME,
            key="linkage_template_download",
            icon=":material/download:",
        )
    with right:
        st.download_button(
            t("linkage.import.export"),
            data=ui.workbook(version, actor, township_id, kind, lang, True),
            file_name=t(f"linkage.import.export_file_{kind}", unit=unit.name(lang)),
            mime=imports.XLSX_MIME,
            key="linkage_export_download",
            icon=":material/table_view:",
        )
    upload = st.file_uploader(
        t("linkage.import.file"),
        type=["xlsx", "xls", "csv"],
        key=f"linkage_upload_{kind}_{township_id}",
        max_upload_size=settings.spreadsheet_max_bytes() >> 20,
    )
    st.caption(t("linkage.import.file_hint", mb=settings.spreadsheet_max_bytes() >> 20))
    create = st.checkbox(
        t("linkage.import.create_constituencies"), key=f"linkage_import_create_{kind}"
    )
    if upload is not None:
        st.markdown(t("linkage.import.ready", name=upload.name))
    # Never disabled: a button that flips while a file uploads can swallow the click.
    run = st.button(t("linkage.import.run"), key="linkage_import_run")
    importer = roster_io.import_voters if kind == "voters" else roster_io.import_deputies
    # A preview belongs to one file, kind, unit and choice of creating constituencies.
    upload_id = (
        None
        if upload is None
        else (kind, township_id, create, upload.name, hashlib.sha256(upload.getvalue()).hexdigest())
    )

    def _import(*, dry_run: bool, progress=None):
        with writing() as session:
            return importer(
                session,
                actor,
                township_id,
                upload.getvalue(),
                filename=upload.name,
                progress=progress,
                dry_run=dry_run,
                create_constituencies=create,
            )

    def _show_problems(exc: ImportRejected) -> None:
        st.error(t("linkage.import.rejected", n=len(exc.problems)))
        table = ui.problem_table(exc.problems, spec, lang)
        st.dataframe(
            table.head(ui.MAX_PROBLEMS_SHOWN),
            hide_index=True,
            width="stretch",
            key="linkage_import_problems",
        )
        if len(table) > ui.MAX_PROBLEMS_SHOWN:
            st.caption(t("linkage.import.more_problems", n=len(table) - ui.MAX_PROBLEMS_SHOWN))
        left, right = st.columns(2)
        left.download_button(
            t("linkage.import.problems_download"),
            data=imports.table_workbook(table, t("linkage.import.problems_sheet")),
            file_name=t("linkage.import.problems_file"),
            mime=imports.XLSX_MIME,
            key="linkage_problems_download",
            icon=":material/download:",
        )
        if all(p.row is None for p in exc.problems):
            return  # nothing to mark cell by cell: the file itself was refused
        messages = ui.problem_messages(exc.problems, spec, lang)
        data, note = upload.getvalue(), t("linkage.import.markup_sheet_note")
        right.download_button(
            t("linkage.import.markup_download"),
            data=lambda: (
                imports.marked_copy(data, exc.problems, exc.layout, messages, note_title=note)
                or b""
            ),
            file_name=t("linkage.import.markup_file", name=Path(upload.name).stem),
            mime=imports.XLSX_MIME,
            key="linkage_markup_download",
            icon=":material/edit_note:",
            on_click="ignore",
        )

    preview = st.session_state.get("linkage_import_preview")
    if run and upload is None:
        st.warning(t("linkage.import.no_file"))
    elif run:
        st.session_state.pop("linkage_import_preview", None)
        try:
            result = _import(dry_run=True)
            preview = st.session_state["linkage_import_preview"] = (upload_id, result)
        except ImportRejected as exc:
            preview = None
            _show_problems(exc)
        except ServiceError as exc:
            preview = None
            st.error(error_text(exc))
    if preview is not None and preview[0] != upload_id:
        st.session_state.pop("linkage_import_preview", None)
        if upload is not None:
            st.info(t("linkage.import.preview_stale"))
        preview = None
    if preview is not None:
        result = preview[1]
        with st.container(border=True, key="linkage_import_preview_box"):
            st.markdown(f"**{t('linkage.import.preview_title', name=upload.name)}**")
            ui.preview(result, spec, lang)
            confirm = st.button(
                t("linkage.import.confirm"), type="primary", key="linkage_import_confirm"
            )
        if confirm:
            bar = st.progress(0.0, text=t("linkage.import.phase.read"))

            def _progress(fraction: float, phase: str) -> None:
                bar.progress(fraction, text=t(f"linkage.import.phase.{phase}"))

            try:
                done = _import(dry_run=False, progress=_progress)
                bar.empty()
                st.session_state.pop("linkage_import_preview", None)
                if done.changed:
                    saved(ui.result_text(done), slot="import")
                st.info(ui.result_text(done))
            except ImportRejected as exc:
                bar.empty()
                _show_problems(exc)
            except ServiceError as exc:
                bar.empty()
                st.error(error_text(exc))
