"""Clerk and admin: the monthly contact day, visits and the two notifications (T07, T09)."""

from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import NotificationKind, VisitKind
from services import clock, contact_days
from ui import data as cached
from ui import linkage as ui
from ui.auth import page_actor
from ui.format import day, percent
from ui.forms import saved, saved_slot, saving, show_saved
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = clock.today()
earliest = date(today.year - 1, 1, 1)
minimum = ui.min_participation(version, year)

page_header(t("linkage.contact.title"), t("linkage.contact.caption", share=percent(minimum, lang)))

township_id = ui.pick_township(actor, version, lang, key=f"linkage_contact_unit_{lang}")


flash_tab = saved_slot()
TAB_CODES = ["contact", "visits", "notifications"]
labels = [t(f"linkage.contact.tab.{c}") for c in TAB_CODES]
tab_contact, tab_visits, tab_notes = st.tabs(
    labels, default=labels[TAB_CODES.index(flash_tab)] if flash_tab else None
)
default_day = date(today.year, today.month, 20)
if default_day > today:
    default_day = today

# --- contact day --------------------------------------------------------------------------------
with tab_contact:
    show_saved(slot="contact")
    people = ui.contact_deputies(version, actor, township_id)
    names = {
        d.id: t("linkage.rosters.deputy_label", name=d.name, constituency=d.constituency)
        if d.constituency
        else d.name
        for d in people
    }
    with st.form("linkage_contact_form", border=True):
        st.markdown(f"**{t('linkage.contact.form_title')}**")
        held_on = st.date_input(
            t("linkage.contact.held_on"),
            value=default_day,
            min_value=earliest,
            max_value=today,
            format="YYYY-MM-DD",
            key="linkage_contact_date",
        )
        everyone = st.checkbox(
            t("linkage.contact.everyone", n=len(people)), key="linkage_contact_everyone"
        )
        picked = st.multiselect(
            t("linkage.contact.deputies"),
            list(names),
            format_func=lambda i: names[i],
            placeholder=t("linkage.ph.pick"),
            key="linkage_contact_deputies",
        )
        left, right = st.columns(2)
        voters_met = left.number_input(
            t("linkage.contact.voters_met"),
            min_value=0,
            max_value=contact_days.MAX_COUNT,
            step=1,
            key="linkage_contact_voters",
        )
        opinions_count = right.number_input(
            t("linkage.contact.opinions_count"),
            min_value=0,
            max_value=contact_days.MAX_COUNT,
            step=1,
            key="linkage_contact_opinions_count",
        )
        opinions = st.text_area(
            t("linkage.contact.opinions"),
            placeholder=t("linkage.ph.opinions"),
            help=t("linkage.contact.opinions_help", n=contact_days.MAX_NOTE),
            key="linkage_contact_opinions",
        )
        summary = st.text_area(
            t("linkage.contact.summary"),
            max_chars=contact_days.MAX_SUMMARY,
            placeholder=t("linkage.ph.summary"),
            key="linkage_contact_summary",
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            with saving(slot="contact") as session:
                contact_days.record_contact_day(
                    session,
                    actor,
                    township_id=township_id,
                    held_on=held_on,
                    deputy_ids=list(names) if everyone else picked,
                    voters_met=int(voters_met),
                    opinions_count=int(opinions_count),
                    opinions=opinions.splitlines(),
                    summary=summary,
                )
                saved(t("linkage.contact.saved", day=day(held_on, lang)), slot="contact")

    days = ui.contact_days(version, actor, township_id, year)
    st.markdown(f"**{t('linkage.contact.list_title', year=year, n=len(days))}**")
    if days.empty:
        st.info(t("linkage.contact.none", year=year))
    else:
        table = pd.DataFrame(
            {
                t("linkage.col.held_on"): [day(d, lang) for d in days["held_on"]],
                t("linkage.col.on_day"): [
                    t("linkage.yes") if ok else t("linkage.no") for ok in days["on_day"]
                ],
                t("linkage.col.participants"): [
                    f"{p}/{e}" for p, e in zip(days["participants"], days["expected"], strict=True)
                ],
                t("linkage.col.rate"): [percent(r, lang) for r in days["rate"]],
                t("linkage.col.voters_met"): days["voters_met"],
                t("linkage.col.opinions"): days["opinions_count"],
                t("linkage.col.opinions_recorded"): days["opinions_recorded"],
                t("linkage.col.summary"): days["summary"],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="linkage_contact_table")
        with st.expander(t("linkage.contact.details"), icon=":material/forum:"):
            labels_by_id = {int(r["id"]): day(r["held_on"], lang) for _, r in days.iterrows()}
            pick = st.selectbox(
                t("linkage.contact.pick_day"),
                list(labels_by_id),
                format_func=lambda i: labels_by_id[i],
                key=f"linkage_contact_pick_{lang}",
            )
            with session_scope() as session:
                texts = contact_days.opinions_of(session, actor, pick)
            if texts:
                for text in texts:
                    st.text(text)
            else:
                st.caption(t("linkage.contact.no_opinions"))
            if st.button(t("linkage.contact.delete"), key="linkage_contact_delete"):
                with saving(slot="contact") as session:
                    contact_days.delete_contact_day(session, actor, pick)
                    saved(t("linkage.contact.deleted", day=labels_by_id[pick]), slot="contact")

# --- visits -------------------------------------------------------------------------------------
halves = ui.visits_summary(version, actor, year)
halves = halves[halves["township_id"] == township_id]


def _t09_caption() -> None:
    parts = []
    for _, r in halves.iterrows():
        visits_n = int(r["deputy_visits"] + r["voter_visits"])
        parts.append(
            t(
                "linkage.contact.t09_half",
                half=t(f"linkage.half.{int(r['half'])}"),
                visits=visits_n,
                work=int(r["presidium_work"]),
                performance=int(r["deputy_performance"]),
            )
        )
    st.caption(" · ".join(parts))


with tab_visits:
    show_saved(slot="visits")
    _t09_caption()
    with st.form("linkage_visit_form", clear_on_submit=True, border=True):
        kind = st.radio(
            t("linkage.contact.visit_kind"),
            list(VisitKind),
            format_func=lambda k: t(f"linkage.visit.{k.value}", lang),
            horizontal=True,
            key=f"linkage_visit_kind_{lang}",
        )
        held = st.date_input(
            t("linkage.col.held_on"),
            value=today,
            min_value=earliest,
            max_value=today,
            format="YYYY-MM-DD",
            key="linkage_visit_date",
        )
        n = st.number_input(
            t("linkage.contact.people_visited"),
            min_value=1,
            max_value=contact_days.MAX_COUNT,
            step=1,
            key="linkage_visit_people",
        )
        note = st.text_input(
            t("linkage.col.note"),
            max_chars=contact_days.MAX_NOTE,
            placeholder=t("linkage.ph.note"),
            key="linkage_visit_note",
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            with saving(slot="visits") as session:
                contact_days.add_visit(
                    session,
                    actor,
                    township_id=township_id,
                    kind=kind,
                    held_on=held,
                    people_visited=int(n),
                    note=note,
                )
                saved(t("linkage.contact.visit_saved", day=day(held, lang)), slot="visits")
    vis = ui.visits(version, actor, township_id, year)
    if vis.empty:
        st.info(t("linkage.contact.no_visits", year=year))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("linkage.col.held_on"): [day(d, lang) for d in vis["held_on"]],
                    t("linkage.col.kind"): [t(f"linkage.visit.{k}") for k in vis["kind"]],
                    t("linkage.col.people_visited"): vis["people_visited"],
                    t("linkage.col.note"): vis["note"],
                }
            ),
            hide_index=True,
            width="stretch",
            key="linkage_visit_table",
        )

# --- notifications ------------------------------------------------------------------------------
with tab_notes:
    show_saved(slot="notifications")
    _t09_caption()
    with st.form("linkage_notice_form", clear_on_submit=True, border=True):
        nkind = st.radio(
            t("linkage.contact.notice_kind"),
            list(NotificationKind),
            format_func=lambda k: t(f"linkage.notice.{k.value}", lang),
            horizontal=True,
            key=f"linkage_notice_kind_{lang}",
        )
        issued = st.date_input(
            t("linkage.col.issued_on"),
            value=today,
            min_value=earliest,
            max_value=today,
            format="YYYY-MM-DD",
            key="linkage_notice_date",
        )
        title = st.text_input(
            t("linkage.col.title"),
            max_chars=contact_days.MAX_TITLE,
            placeholder=t("linkage.ph.title"),
            key="linkage_notice_title",
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            with saving(slot="notifications") as session:
                contact_days.add_notification(
                    session,
                    actor,
                    township_id=township_id,
                    kind=nkind,
                    issued_on=issued,
                    title=title,
                )
                saved(
                    t("linkage.contact.notice_saved", day=day(issued, lang)), slot="notifications"
                )
    notes = ui.notifications(version, actor, township_id, year)
    if notes.empty:
        st.info(t("linkage.contact.no_notices", year=year))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    t("linkage.col.issued_on"): [day(d, lang) for d in notes["issued_on"]],
                    t("linkage.col.kind"): [t(f"linkage.notice.{k}") for k in notes["kind"]],
                    t("linkage.col.title"): notes["title"],
                }
            ),
            hide_index=True,
            width="stretch",
            key="linkage_notice_table",
        )
