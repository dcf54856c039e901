"""Clerk and admin: open a supervision item from its source, move it through the stages, and
correct or withdraw what was saved.

Each stage form is keyed by the item, its stage and how many entries it has, so a form never
carries text from another stage and a moved item shows an empty form; a move names the stage it
leaves, so the same form sent twice moves the item once."""

import streamlit as st

from models.enums import Rating, SupervisionStage
from services import clock
from services import supervision as sv
from services.evidence import ACCEPTED_TYPES, Upload
from services.settings import evidence_max_bytes
from ui import data as cached
from ui import supervision as ui
from ui.auth import page_actor
from ui.format import day
from ui.forms import (
    date_field,
    reason_input,
    saved,
    saving,
    show_saved,
    withdraw_form,
    working_unit,
)
from ui.i18n import current_lang, label, t
from ui.layout import as_of_for, page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
as_of = as_of_for(year)
today = clock.today()
version = cached.data_version()
# Choices whose labels depend on the language are keyed by it: a keyed choice would otherwise
# keep showing the label of the other language after a switch.

page_header(t("supervision.items.title"), t("supervision.items.caption"))

township_id = working_unit(
    actor,
    {u.id: u.name(lang) for u in cached.townships(version, actor)},
    label=t("supervision.items.unit"),
    key=f"sv_items_unit_{lang}",
    empty=t("supervision.items.no_unit"),
    placeholder=t("supervision.choose"),
)
show_saved()

rows = ui.items(version, actor, year, as_of, township_id)
open_rows = rows[rows["stage"] != SupervisionStage.closed] if not rows.empty else rows

# --- move an item ------------------------------------------------------------------------------
st.subheader(t("supervision.items.move"))
if open_rows.empty:
    st.info(t("supervision.items.none_open"))
else:
    labels = {
        # The label leaves the stage out: a label that changes with each move would reset the
        # choice to the first item on the rerun after the move.
        int(r["id"]): f"{r['title']} · {day(r['opened_on'])}"
        for _, r in open_rows.sort_values("opened_on", ascending=False).iterrows()
    }
    if (wanted := st.session_state.pop("sv_pick_next", None)) in labels:
        st.session_state[f"sv_pick_{lang}"] = wanted  # a newly opened item comes up ready to move
    item_id = st.selectbox(
        t("supervision.items.pick"),
        list(labels),
        format_func=lambda i: labels[i],
        key=f"sv_pick_{lang}",
        placeholder=t("supervision.choose"),
    )
    tl = ui.timeline(version, actor, item_id, as_of)
    item = tl.item
    stage = item.stage
    nxt = sv.next_stage(stage)
    info = t("supervision.items.now", stage=ui.stage_label(stage), day=day(item.stage_entered_on))
    if item.deadline is not None:
        info += " · " + t("supervision.timeline.deadline", day=day(item.deadline))
    st.markdown(info)
    if item.overdue:
        ui.overdue_badge((as_of - item.deadline).days)

    # One form per item, stage and entry count: after a move the next stage's form is new and
    # empty, and never holds the previous stage's text.
    step = f"{item_id}_{stage.value}_{len(tl.events)}"
    left, right = st.columns([3, 2], gap="large")
    with left, st.form(f"sv_advance_{step}", border=True):
        if stage == SupervisionStage.feedback:
            st.markdown(f"**{t('supervision.form.feedback_title')}**")
        else:
            st.markdown(f"**{t('supervision.form.advance_title', stage=ui.stage_label(nxt))}**")
        on = date_field(t("supervision.form.on") + " *", value=today, key=f"sv_adv_on_{step}")
        evidence = st.text_area(
            t("supervision.form.evidence", stage=ui.stage_label(stage)) + " *",
            placeholder=t(f"supervision.evidence_hint.{stage.value}"),
            max_chars=sv.MAX_EVIDENCE,
            key=f"sv_adv_evidence_{step}",
        )
        upload = st.file_uploader(
            t("supervision.form.file"),
            type=[*ACCEPTED_TYPES, "jpeg"],
            max_upload_size=evidence_max_bytes() // 2**20,
            key=f"sv_adv_file_{step}",
        )
        st.caption(
            t(
                "supervision.form.file_note",
                types=", ".join(t.upper() for t in ACCEPTED_TYPES),
                mb=evidence_max_bytes() // 2**20,
            )
        )
        note = st.text_area(
            t("supervision.form.note"),
            placeholder=t("supervision.form.note_ph"),
            max_chars=sv.MAX_NOTE,
            key=f"sv_adv_note_{step}",
        )
        unit = st.text_input(
            t("supervision.form.unit"),
            value=item.responsible_unit,
            placeholder=t("supervision.form.unit_ph"),
            max_chars=sv.MAX_UNIT,
            key=f"sv_adv_unit_{step}",
        )
        rating = raters = answer = None
        if stage == SupervisionStage.feedback:
            rating = st.radio(
                t("supervision.form.rating") + " *",
                list(Rating),
                format_func=lambda r: label("supervision.rating", r, lang),
                index=None,
                horizontal=True,
                key=f"sv_adv_rating_{step}",
            )
            raters = st.number_input(
                t("supervision.form.raters") + " *",
                min_value=0,
                max_value=sv.MAX_RATERS,
                value=0,
                step=1,
                key=f"sv_adv_raters_{step}",
            )
            st.caption(t("supervision.form.rating_note"))
            if item.opinion_id is not None:
                st.caption(t("supervision.form.opinion_is", text=ui.plain(tl.source.opinion_text)))
                answer = st.text_area(
                    t("supervision.form.answer") + " *",
                    value=tl.source.opinion_answer,
                    placeholder=t("supervision.form.answer_ph"),
                    max_chars=sv.MAX_ANSWER,
                    key=f"sv_adv_answer_{step}",
                )
        submit_label = (
            t("supervision.form.submit_feedback")
            if stage == SupervisionStage.feedback
            else t("supervision.form.submit_advance")
        )
        if st.form_submit_button(submit_label, type="primary"):
            with saving() as session:
                new_stage = sv.advance_stage(
                    session,
                    actor,
                    item_id,
                    on=on,
                    note=note,
                    evidence=evidence,
                    upload=Upload(upload.name, upload.getvalue()) if upload else None,
                    responsible_unit=unit,
                    rating=rating,
                    raters=int(raters) if raters is not None else None,
                    answer=answer,
                    expected_stage=stage,
                )
                st.session_state["sv_pick_next"] = item_id
                saved(t("supervision.items.moved", stage=ui.stage_label(new_stage)))

    with right:
        back = sv.previous_stage(stage)
        if back is None:
            st.caption(t("supervision.items.no_back"))
        else:
            with st.form(f"sv_back_{step}", border=True):
                st.markdown(f"**{t('supervision.form.back_title', stage=ui.stage_label(back))}**")
                back_on = date_field(
                    t("supervision.form.on") + " *", value=today, key=f"sv_back_on_{step}"
                )
                reason = st.text_area(
                    t("supervision.form.reason") + " *",
                    placeholder=t("supervision.form.reason_ph"),
                    max_chars=sv.MAX_NOTE,
                    key=f"sv_back_reason_{step}",
                )
                if st.form_submit_button(t("supervision.form.submit_back")):
                    with saving() as session:
                        new_stage = sv.send_back(
                            session, actor, item_id, on=back_on, reason=reason, expected_stage=stage
                        )
                        st.session_state["sv_pick_next"] = item_id
                        saved(t("supervision.items.moved", stage=ui.stage_label(new_stage)))
        with st.expander(t("supervision.items.history"), expanded=False):
            ui.show_timeline(tl, lang, key="sv_items_tl")

# --- open an item ------------------------------------------------------------------------------
st.subheader(t("supervision.items.open"))
choices = ui.sources(version, actor, township_id, year)
kinds = [k for k in ("topic", "activity", "opinion") if any(c.kind == k for c in choices)]
if not kinds:
    st.info(t("supervision.items.no_sources", year=year))
else:
    kind = st.radio(
        t("supervision.form.source_kind"),
        kinds,
        format_func=lambda k: t(f"supervision.source_kind.{k}", lang),
        horizontal=True,
        key=f"sv_source_kind_{lang}",
    )
    options = {c.id: c for c in choices if c.kind == kind and not c.taken}
    if not options:
        st.info(t("supervision.items.sources_taken"))
    else:
        source_id = st.selectbox(
            t("supervision.form.source"),
            list(options),
            format_func=lambda i: f"{day(options[i].held_on, lang)} · {options[i].title}",
            key=f"sv_source_{kind}_{lang}",
            placeholder=t("supervision.choose"),
        )
        source = options[source_id]
        with st.form(f"sv_open_{kind}_{source_id}", border=True):
            st.caption(t("supervision.form.source_is", day=day(source.held_on), title=source.title))
            title = st.text_input(
                t("supervision.form.title") + " *",
                value=source.title[: sv.MAX_TITLE],
                placeholder=t("supervision.form.title_ph"),
                max_chars=sv.MAX_TITLE,
                key=f"sv_open_title_{kind}_{source_id}",
            )
            # Opened today by default, whatever the source's date: the deadlines run from here.
            opened_on = date_field(
                t("supervision.form.opened_on") + " *",
                value=today,
                key=f"sv_open_on_{kind}_{source_id}",
                help=t("supervision.form.opened_on_help"),
            )
            unit = st.text_input(
                t("supervision.form.unit") + " *",
                placeholder=t("supervision.form.unit_ph"),
                max_chars=sv.MAX_UNIT,
                key=f"sv_open_unit_{kind}_{source_id}",
            )
            note = st.text_area(
                t("supervision.form.note"),
                placeholder=t("supervision.form.open_note_ph"),
                max_chars=sv.MAX_NOTE,
                key=f"sv_open_note_{kind}_{source_id}",
            )
            st.caption(t("supervision.form.required_note"))
            if st.form_submit_button(t("supervision.form.submit_open"), type="primary"):
                ids = {"topic": "topic_id", "activity": "activity_id", "opinion": "opinion_id"}
                with saving(t("supervision.items.opened")) as session:
                    st.session_state["sv_pick_next"] = sv.open_item(
                        session,
                        actor,
                        township_id=township_id,
                        title=title,
                        opened_on=opened_on,
                        responsible_unit=unit,
                        note=note,
                        **{ids[kind]: source_id},
                    )

# --- correct or withdraw -----------------------------------------------------------------------
st.subheader(t("supervision.items.fix"))
st.caption(t("supervision.items.fix_caption"))
if rows.empty:
    st.info(t("supervision.items.all_none"))
else:
    fix_labels = {
        int(r["id"]): f"{r['title']} · {day(r['opened_on'])}"
        for _, r in rows.sort_values("opened_on", ascending=False).iterrows()
    }
    # A correction changes the item's label, which would reset the choice: keep it.
    if (kept := st.session_state.pop("sv_fix_next", None)) in fix_labels:
        st.session_state[f"sv_fix_pick_{lang}"] = kept
    fix_id = st.selectbox(
        t("supervision.items.fix_pick"),
        list(fix_labels),
        format_func=fix_labels.__getitem__,
        key=f"sv_fix_pick_{lang}",
        placeholder=t("supervision.choose"),
    )
    if fix_id is not None:
        ftl = ui.timeline(version, actor, fix_id, as_of)
        fitem = ftl.item
        fstep = f"{fix_id}_{len(ftl.events)}"
        with st.form(f"sv_fix_item_{fstep}", border=True):
            st.markdown(f"**{t('supervision.items.fix_item')}**")
            fix_title = st.text_input(
                t("supervision.form.title") + " *",
                value=fitem.title,
                max_chars=sv.MAX_TITLE,
                key=f"sv_fix_title_{fstep}",
            )
            fix_unit = st.text_input(
                t("supervision.form.unit") + " *",
                value=fitem.responsible_unit,
                max_chars=sv.MAX_UNIT,
                key=f"sv_fix_unit_{fstep}",
            )
            fix_on = date_field(
                t("supervision.form.opened_on") + " *",
                value=fitem.opened_on,
                key=f"sv_fix_on_{fstep}",
                help=t("supervision.form.opened_on_help"),
            )
            fix_why = reason_input(f"sv_fix_why_{fstep}")
            if st.form_submit_button(t("correct.edit"), type="primary"):
                with saving(t("supervision.items.corrected")) as session:
                    st.session_state["sv_fix_next"] = st.session_state["sv_pick_next"] = fix_id
                    sv.correct_item(
                        session,
                        actor,
                        fix_id,
                        title=fix_title,
                        responsible_unit=fix_unit,
                        opened_on=fix_on,
                        reason=fix_why,
                    )
        if len(ftl.events) > 1:
            last = ftl.events[-1]
            what = f"{ui.move_title(last, lang)} · {day(last.happened_on)}"
            st.markdown(t("supervision.items.fix_entry", what=what))
            with st.form(f"sv_fix_entry_{fstep}", border=True):
                entry_on = date_field(
                    t("supervision.form.on") + " *",
                    value=last.happened_on,
                    key=f"sv_fix_entry_on_{fstep}",
                )
                entry_evidence = st.text_area(
                    t("supervision.timeline.evidence"),
                    value=last.evidence_text,
                    max_chars=sv.MAX_EVIDENCE,
                    key=f"sv_fix_entry_evidence_{fstep}",
                )
                entry_note = st.text_area(
                    t("supervision.form.note"),
                    value=last.note,
                    max_chars=sv.MAX_NOTE,
                    key=f"sv_fix_entry_note_{fstep}",
                )
                entry_why = reason_input(f"sv_fix_entry_why_{fstep}")
                if st.form_submit_button(t("correct.edit"), type="primary"):
                    with saving(t("supervision.items.corrected")) as session:
                        st.session_state["sv_fix_next"] = fix_id
                        sv.correct_latest_entry(
                            session,
                            actor,
                            fix_id,
                            on=entry_on,
                            note=entry_note,
                            evidence=entry_evidence,
                            reason=entry_why,
                        )
            gone = withdraw_form(f"sv_withdraw_entry_{fstep}", what=what)
            if gone is not None:
                with saving() as session:
                    st.session_state["sv_fix_next"] = st.session_state["sv_pick_next"] = fix_id
                    now = sv.withdraw_latest_entry(session, actor, fix_id, reason=gone)
                    saved(t("supervision.items.withdrawn_entry", stage=ui.stage_label(now)))
        else:
            st.caption(t("supervision.items.fix_entry_none"))
        gone_item = withdraw_form(f"sv_withdraw_item_{fstep}", what=fitem.title)
        if gone_item is not None:
            with saving(t("supervision.items.withdrawn_item")) as session:
                sv.withdraw_item(session, actor, fix_id, reason=gone_item)

# --- the unit's items --------------------------------------------------------------------------
st.subheader(t("supervision.items.list", year=year))
if rows.empty:
    st.info(t("supervision.board.empty", year=year))
else:
    st.dataframe(ui.stage_table(rows, lang), hide_index=True, width="stretch", key="sv_items_table")
