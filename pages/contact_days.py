"""Clerk and admin: the monthly contact day, visits and the two notifications (T07, T09), and
corrections or withdrawals of those saved."""

from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import NotificationKind, VisitKind
from services import clock, contact_days
from ui import checklist as ui_rules
from ui import confirm
from ui import data as cached
from ui import linkage as ui
from ui.auth import page_actor
from ui.format import day, percent
from ui.forms import (
    date_field,
    reason_input,
    saved,
    saved_slot,
    saving,
    show_saved,
    withdraw_form,
    working_unit,
)
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

CONTACT_FORM = "linkage_contact_form"

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = clock.today()
minimum = ui.min_participation(version, year)
contact_day_of_month = ui_rules.rule_set(version, year).contact_day.day_of_month

page_header(t("linkage.contact.title"), t("linkage.contact.caption", share=percent(minimum, lang)))

units = cached.townships(version, actor)
township_id = working_unit(
    actor,
    {u.id: u.name(lang) for u in units},
    label=t("linkage.rosters.unit"),
    key=f"linkage_contact_unit_{lang}",
    empty=t("linkage.rosters.no_unit"),
)


def _req(text: str) -> str:
    """The label of a required field."""
    return t("checklist.entry.required", label=text)


def _contact_warnings(preview: contact_days.ContactDayPreview) -> list[str]:
    """What T07 will not count, in sentences (from the service's preview)."""
    out = []
    if "participation" in preview.warnings:
        out.append(
            t(
                "linkage.entry.warn_participation",
                n=preview.participants,
                expected=preview.expected,
                share=percent(preview.share, lang),
                minimum=percent(preview.minimum, lang),
            )
        )
    sep = t("checklist.list_sep")
    if "day" in preview.warnings:
        out.append(
            t(
                "linkage.entry.warn_day",
                days=sep.join(day(d, lang) for d in preview.allowed_days),
            )
        )
    if "second" in preview.warnings:
        out.append(
            t(
                "linkage.entry.warn_second",
                days=sep.join(day(d, lang) for d in preview.others_in_month),
            )
        )
    return out


flash_tab = saved_slot()
TAB_CODES = ["contact", "visits", "notifications"]
labels = [t(f"linkage.contact.tab.{c}") for c in TAB_CODES]
tab_contact, tab_visits, tab_notes = st.tabs(
    labels, default=labels[TAB_CODES.index(flash_tab)] if flash_tab else None
)
default_day = date(today.year, today.month, 20)
if default_day > today:
    default_day = today

people = ui.contact_deputies(version, actor, township_id)
names = {
    d.id: t("linkage.rosters.deputy_label", name=d.name, constituency=d.constituency)
    if d.constituency
    else d.name
    for d in people
}


def _starter(prefix: str, entry: dict | None):
    """The starting value of a field: the record's when correcting one, else the new form's
    (see ``confirm.initial``); ``field`` is the widget key's ending, ``name`` the record's."""

    def start(field: str, name: str, default):
        if entry is not None:
            return entry.get(name, default)
        return confirm.initial(f"{prefix}_{field}", default)

    return start


def _contact_fields(prefix: str, entry: dict | None = None) -> dict:
    """The fields of a contact-day form (new when ``entry`` is None, else prefilled)."""
    start = _starter(prefix, entry)
    held_on = date_field(
        _req(t("linkage.contact.held_on")),
        key=f"{prefix}_date",
        value=start("date", "held_on", default_day),
        help=t("linkage.entry.held_on_help", day=contact_day_of_month),
    )
    everyone = st.checkbox(t("linkage.contact.everyone", n=len(people)), key=f"{prefix}_everyone")
    picked = st.multiselect(
        _req(t("linkage.contact.deputies")),
        list(names),
        default=[i for i in (entry or {}).get("deputy_ids", []) if i in names] or None,
        format_func=lambda i: names[i],
        placeholder=t("linkage.ph.pick"),
        select_all=False,
        key=f"{prefix}_deputies",
    )
    left, right = st.columns(2)
    # No bounds on the widgets: a negative number is refused by the service with a message.
    voters_met = left.number_input(
        t("linkage.contact.voters_met"),
        value=start("voters", "voters_met", 0),
        step=1,
        key=f"{prefix}_voters",
    )
    opinions_count = right.number_input(
        t("linkage.contact.opinions_count"),
        value=start("opinions_count", "opinions_count", 0),
        step=1,
        key=f"{prefix}_opinions_count",
    )
    opinions = st.text_area(
        t("linkage.contact.opinions"),
        value="\n".join(entry["opinions"]) if entry else confirm.initial(f"{prefix}_opinions", ""),
        placeholder=t("linkage.ph.opinions"),
        help=t("linkage.contact.opinions_help", n=contact_days.MAX_NOTE),
        key=f"{prefix}_opinions",
    )
    summary = st.text_area(
        t("linkage.contact.summary"),
        value=start("summary", "summary", ""),
        placeholder=t("linkage.ph.summary"),
        help=t("checklist.entry.at_most", n=contact_days.MAX_SUMMARY),
        key=f"{prefix}_summary",
    )
    return {
        "held_on": held_on,
        "deputy_ids": list(names) if everyone else picked,
        "voters_met": int(voters_met),
        "opinions_count": int(opinions_count),
        "opinions": opinions.splitlines(),
        "summary": summary,
    }


def _starting(prefix: str) -> list[str]:
    return [k for k in st.session_state if str(k).startswith(prefix)]


# After a save the entry forms start again from their starting values.
confirm.reset(
    CONTACT_FORM,
    {
        "linkage_contact_date": default_day,
        "linkage_contact_everyone": False,
        "linkage_contact_deputies": [],
        "linkage_contact_voters": 0,
        "linkage_contact_opinions_count": 0,
        "linkage_contact_opinions": "",
        "linkage_contact_summary": "",
    },
)
confirm.reset(
    "linkage_visit_form",
    {
        f"linkage_visit_kind_{lang}": next(iter(VisitKind)),
        "linkage_visit_date": today,
        "linkage_visit_people": None,
        "linkage_visit_note": "",
    },
)
confirm.reset(
    "linkage_notice_form",
    {
        f"linkage_notice_kind_{lang}": next(iter(NotificationKind)),
        "linkage_notice_date": today,
        "linkage_notice_title": "",
    },
)

# --- contact day --------------------------------------------------------------------------------
with tab_contact:
    show_saved(slot="contact")
    with st.form(CONTACT_FORM, border=True):
        st.markdown(f"**{t('linkage.contact.form_title')}**")
        st.caption(t("checklist.entry.required_note"))
        values = _contact_fields("linkage_contact")
        confirmed = confirm.confirm_box(CONTACT_FORM)
        submitted = st.form_submit_button(t("common.save"), type="primary")
    if submitted and confirm.is_repeat(CONTACT_FORM, values):
        confirm.empty_after_save(CONTACT_FORM)
        saved(t("linkage.contact.saved", day=day(values["held_on"], lang)), slot="contact")
    if submitted:
        with saving(slot="contact") as session:
            fields = {"township_id": township_id, "today": today, **values}
            # A refusal first, then what T07 will not count; the clerk decides.
            preview = contact_days.check_contact_day(session, actor, **fields)
            confirm.hold_for_confirmation(CONTACT_FORM, _contact_warnings(preview), confirmed)
            contact_days.record_contact_day(session, actor, **fields)
            confirm.empty_after_save(CONTACT_FORM)
            confirm.remember(CONTACT_FORM, values)
            saved(t("linkage.contact.saved", day=day(values["held_on"], lang)), slot="contact")

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
        st.markdown(f"**{t('linkage.entry.fix_contact')}**")
        labels_by_id = {int(r["id"]): day(r["held_on"], lang) for _, r in days.iterrows()}
        pick = st.selectbox(
            t("linkage.contact.pick_day"),
            list(labels_by_id),
            index=None,
            placeholder=t("checklist.choose"),
            format_func=lambda i: labels_by_id[i],
            key="linkage_fix_contact_pick",
        )
        if pick is not None:
            with session_scope() as session:
                entry = contact_days.contact_day_entry(session, actor, pick)
            form = f"linkage_fix_contact_{pick}"
            with st.form(form, border=True):
                fix = _contact_fields(form, entry)
                why = reason_input(f"{form}_reason")
                fix_confirmed = confirm.confirm_box(form)
                fix_clicked = st.form_submit_button(
                    t("checklist.entry.save_correction"), type="primary", key=f"{form}_submit"
                )
            if fix_clicked:
                with saving(slot="contact") as session:
                    fields = {"today": today, **fix}
                    preview = contact_days.check_contact_day(
                        session, actor, township_id=township_id, contact_day_id=pick, **fields
                    )
                    confirm.hold_for_confirmation(form, _contact_warnings(preview), fix_confirmed)
                    contact_days.correct_contact_day(session, actor, pick, reason=why, **fields)
                    confirm.forget(form, _starting(form))
                    saved(t("correct.saved"), slot="contact")
            reason = withdraw_form(f"linkage_withdraw_contact_{pick}", what=labels_by_id[pick])
            if reason is not None:
                with saving(slot="contact") as session:
                    contact_days.withdraw_contact_day(session, actor, pick, reason=reason)
                    st.session_state.pop("linkage_fix_contact_pick", None)
                    saved(t("correct.withdrawn"), slot="contact")

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


def _visit_fields(prefix: str, entry: dict | None = None) -> dict:
    start = _starter(prefix, entry)
    kinds = list(VisitKind)
    kind = st.radio(
        _req(t("linkage.contact.visit_kind")),
        kinds,
        index=kinds.index(VisitKind(entry["kind"])) if entry else start(f"kind_{lang}", "", 0),
        format_func=lambda k: t(f"linkage.visit.{k.value}", lang),
        horizontal=True,
        key=f"{prefix}_kind_{lang}",
    )
    held = date_field(
        _req(t("linkage.col.held_on")),
        key=f"{prefix}_date",
        value=start("date", "held_on", today),
    )
    # Empty until typed: an untouched form (e.g. the second click of a double click, after the
    # first save emptied it) is refused, never saved as a visit of one person.
    n = st.number_input(
        _req(t("linkage.contact.people_visited")),
        value=start("people", "people_visited", None),
        step=1,
        key=f"{prefix}_people",
    )
    note = st.text_input(
        t("linkage.col.note"),
        value=start("note", "note", ""),
        placeholder=t("linkage.ph.note"),
        help=t("checklist.entry.at_most", n=contact_days.MAX_NOTE),
        key=f"{prefix}_note",
    )
    return {"kind": kind, "held_on": held, "people_visited": n, "note": note}


def _notice_fields(prefix: str, entry: dict | None = None) -> dict:
    start = _starter(prefix, entry)
    kinds = list(NotificationKind)
    kind = st.radio(
        _req(t("linkage.contact.notice_kind")),
        kinds,
        index=kinds.index(NotificationKind(entry["kind"]))
        if entry
        else start(f"kind_{lang}", "", 0),
        format_func=lambda k: t(f"linkage.notice.{k.value}", lang),
        horizontal=True,
        key=f"{prefix}_kind_{lang}",
    )
    issued = date_field(
        _req(t("linkage.col.issued_on")),
        key=f"{prefix}_date",
        value=start("date", "issued_on", today),
    )
    title = st.text_input(
        _req(t("linkage.col.title")),
        value=start("title", "title", ""),
        placeholder=t("linkage.ph.title"),
        help=t("checklist.entry.at_most", n=contact_days.MAX_TITLE),
        key=f"{prefix}_title",
    )
    return {"kind": kind, "issued_on": issued, "title": title}


with tab_visits:
    show_saved(slot="visits")
    _t09_caption()
    with st.form("linkage_visit_form", border=True):
        st.caption(t("checklist.entry.required_note"))
        visit = _visit_fields("linkage_visit")
        visit_clicked = st.form_submit_button(t("common.save"), type="primary")
    if visit_clicked and confirm.is_repeat("linkage_visit_form", visit):
        confirm.empty_after_save("linkage_visit_form")
        saved(t("linkage.contact.visit_saved", day=day(visit["held_on"], lang)), slot="visits")
    if visit_clicked:
        with saving(slot="visits") as session:
            contact_days.add_visit(session, actor, township_id=township_id, **visit)
            confirm.empty_after_save("linkage_visit_form")
            confirm.remember("linkage_visit_form", visit)
            saved(t("linkage.contact.visit_saved", day=day(visit["held_on"], lang)), slot="visits")
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
        st.markdown(f"**{t('linkage.entry.fix_visit')}**")
        visit_names = {
            int(r["id"]): " ".join(
                (day(r["held_on"], lang), t(f"linkage.visit.{r['kind']}"), r["note"])
            ).strip()
            for _, r in vis.iterrows()
        }
        visit_id = st.selectbox(
            t("linkage.entry.pick_visit"),
            list(visit_names),
            index=None,
            placeholder=t("checklist.choose"),
            format_func=visit_names.get,
            key="linkage_fix_visit_pick",
        )
        if visit_id is not None:
            with session_scope() as session:
                visit_entry = contact_days.visit_entry(session, actor, visit_id)
            form = f"linkage_fix_visit_{visit_id}"
            with st.form(form, border=True):
                fixed = _visit_fields(form, visit_entry)
                why = reason_input(f"{form}_reason")
                fix_visit = st.form_submit_button(
                    t("checklist.entry.save_correction"), type="primary", key=f"{form}_submit"
                )
            if fix_visit:
                with saving(t("correct.saved"), slot="visits") as session:
                    contact_days.correct_visit(
                        session, actor, visit_id, reason=why, today=today, **fixed
                    )
                    confirm.forget(form, _starting(form))
            reason = withdraw_form(f"linkage_withdraw_visit_{visit_id}", what=visit_names[visit_id])
            if reason is not None:
                with saving(t("correct.withdrawn"), slot="visits") as session:
                    contact_days.withdraw_visit(session, actor, visit_id, reason=reason)
                    st.session_state.pop("linkage_fix_visit_pick", None)

# --- notifications ------------------------------------------------------------------------------
with tab_notes:
    show_saved(slot="notifications")
    _t09_caption()
    with st.form("linkage_notice_form", border=True):
        st.caption(t("checklist.entry.required_note"))
        notice = _notice_fields("linkage_notice")
        notice_clicked = st.form_submit_button(t("common.save"), type="primary")
    notice_saved = t("linkage.contact.notice_saved", day=day(notice["issued_on"], lang))
    if notice_clicked and confirm.is_repeat("linkage_notice_form", notice):
        confirm.empty_after_save("linkage_notice_form")
        saved(notice_saved, slot="notifications")
    if notice_clicked:
        with saving(slot="notifications") as session:
            contact_days.add_notification(session, actor, township_id=township_id, **notice)
            confirm.empty_after_save("linkage_notice_form")
            confirm.remember("linkage_notice_form", notice)
            saved(notice_saved, slot="notifications")
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
        st.markdown(f"**{t('linkage.entry.fix_notice')}**")
        notice_names = {
            int(r["id"]): f"{day(r['issued_on'], lang)} {r['title']}" for _, r in notes.iterrows()
        }
        notice_id = st.selectbox(
            t("linkage.entry.pick_notice"),
            list(notice_names),
            index=None,
            placeholder=t("checklist.choose"),
            format_func=notice_names.get,
            key="linkage_fix_notice_pick",
        )
        if notice_id is not None:
            with session_scope() as session:
                notice_entry = contact_days.notification_entry(session, actor, notice_id)
            form = f"linkage_fix_notice_{notice_id}"
            with st.form(form, border=True):
                fixed_notice = _notice_fields(form, notice_entry)
                why = reason_input(f"{form}_reason")
                fix_notice = st.form_submit_button(
                    t("checklist.entry.save_correction"), type="primary", key=f"{form}_submit"
                )
            if fix_notice:
                with saving(t("correct.saved"), slot="notifications") as session:
                    contact_days.correct_notification(
                        session, actor, notice_id, reason=why, today=today, **fixed_notice
                    )
                    confirm.forget(form, _starting(form))
            reason = withdraw_form(
                f"linkage_withdraw_notice_{notice_id}", what=notice_names[notice_id]
            )
            if reason is not None:
                with saving(t("correct.withdrawn"), slot="notifications") as session:
                    contact_days.withdraw_notification(session, actor, notice_id, reason=reason)
                    st.session_state.pop("linkage_fix_notice_pick", None)
