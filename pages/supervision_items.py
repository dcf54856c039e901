"""Clerk and admin: open a supervision item from its source and move it through the stages."""

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
from ui.forms import saved, saving, show_saved, working_unit
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
ui.hide_uploader_english()

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

    left, right = st.columns([3, 2], gap="large")
    with left, st.form(f"sv_advance_{item_id}", border=True):
        if stage == SupervisionStage.feedback:
            st.markdown(f"**{t('supervision.form.feedback_title')}**")
        else:
            st.markdown(f"**{t('supervision.form.advance_title', stage=ui.stage_label(nxt))}**")
        on = st.date_input(
            t("supervision.form.on"),
            value=today,
            max_value=today,
            min_value=item.stage_entered_on,
            format="YYYY-MM-DD",
            key=f"sv_adv_on_{item_id}",
        )
        evidence = st.text_area(
            t("supervision.form.evidence", stage=ui.stage_label(stage)),
            placeholder=t(f"supervision.evidence_hint.{stage.value}"),
            max_chars=sv.MAX_EVIDENCE,
            key=f"sv_adv_evidence_{item_id}",
        )
        upload = st.file_uploader(
            t("supervision.form.file"),
            type=[*ACCEPTED_TYPES, "jpeg"],
            max_upload_size=evidence_max_bytes() // 2**20,
            key=f"sv_adv_file_{item_id}",
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
            key=f"sv_adv_note_{item_id}",
        )
        unit = st.text_input(
            t("supervision.form.unit"),
            value=item.responsible_unit,
            placeholder=t("supervision.form.unit_ph"),
            max_chars=sv.MAX_UNIT,
            key=f"sv_adv_unit_{item_id}",
        )
        rating = raters = answer = None
        if stage == SupervisionStage.feedback:
            rating = st.radio(
                t("supervision.form.rating"),
                list(Rating),
                format_func=lambda r: label("supervision.rating", r),
                index=None,
                horizontal=True,
                key=f"sv_adv_rating_{item_id}",
            )
            raters = st.number_input(
                t("supervision.form.raters"),
                min_value=0,
                max_value=sv.MAX_RATERS,
                value=0,
                step=1,
                key=f"sv_adv_raters_{item_id}",
            )
            st.caption(t("supervision.form.rating_note"))
            if item.opinion_id is not None:
                st.caption(t("supervision.form.opinion_is", text=ui.plain(tl.source.opinion_text)))
                answer = st.text_area(
                    t("supervision.form.answer"),
                    value=tl.source.opinion_answer,
                    placeholder=t("supervision.form.answer_ph"),
                    max_chars=sv.MAX_ANSWER,
                    key=f"sv_adv_answer_{item_id}",
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
                )
                st.session_state["sv_pick_next"] = item_id
                saved(t("supervision.items.moved", stage=ui.stage_label(new_stage)))

    with right:
        back = sv.previous_stage(stage)
        if back is None:
            st.caption(t("supervision.items.no_back"))
        else:
            with st.form(f"sv_back_{item_id}", border=True):
                st.markdown(f"**{t('supervision.form.back_title', stage=ui.stage_label(back))}**")
                back_on = st.date_input(
                    t("supervision.form.on"),
                    value=today,
                    max_value=today,
                    min_value=item.stage_entered_on,
                    format="YYYY-MM-DD",
                    key=f"sv_back_on_{item_id}",
                )
                reason = st.text_area(
                    t("supervision.form.reason"),
                    placeholder=t("supervision.form.reason_ph"),
                    max_chars=sv.MAX_NOTE,
                    key=f"sv_back_reason_{item_id}",
                )
                if st.form_submit_button(t("supervision.form.submit_back")):
                    with saving() as session:
                        new_stage = sv.send_back(session, actor, item_id, on=back_on, reason=reason)
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
        format_func=lambda k: t(f"supervision.source_kind.{k}"),
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
            format_func=lambda i: f"{day(options[i].held_on)} · {options[i].title}",
            key=f"sv_source_{kind}_{lang}",
            placeholder=t("supervision.choose"),
        )
        source = options[source_id]
        with st.form(f"sv_open_{kind}_{source_id}", border=True, clear_on_submit=True):
            title = st.text_input(
                t("supervision.form.title"),
                value=source.title[: sv.MAX_TITLE],
                placeholder=t("supervision.form.title_ph"),
                max_chars=sv.MAX_TITLE,
                key=f"sv_open_title_{kind}_{source_id}",
            )
            opened_on = st.date_input(
                t("supervision.form.opened_on"),
                value=min(source.held_on, today),
                max_value=today,
                min_value=source.held_on,
                format="YYYY-MM-DD",
                key=f"sv_open_on_{kind}_{source_id}",
            )
            unit = st.text_input(
                t("supervision.form.unit"),
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

# --- the unit's items --------------------------------------------------------------------------
st.subheader(t("supervision.items.list", year=year))
if rows.empty:
    st.info(t("supervision.board.empty", year=year))
else:
    st.dataframe(ui.stage_table(rows, lang), hide_index=True, width="stretch", key="sv_items_table")
