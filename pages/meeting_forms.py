"""Clerk and admin: record a meeting (with its supervision topics) or a supervision activity."""

from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import MeetingKind
from services import meetings
from services.errors import ServiceError
from ui import checklist as ui
from ui import data as cached
from ui.auth import page_actor
from ui.format import day, number
from ui.i18n import current_lang, error_text, label, t
from ui.layout import page_header, selected_year

MEETING_FIELDS = (
    "checklist_meeting_kind",
    "checklist_meeting_held_on",
    "checklist_meeting_title",
    "checklist_meeting_attendance",
    "checklist_meeting_research",
    "checklist_meeting_deliberation",
    "checklist_meeting_follow_up",
    "checklist_meeting_topics",
)
ACTIVITY_FIELDS = (
    "checklist_activity_kind",
    "checklist_activity_held_on",
    "checklist_activity_subject",
    "checklist_activity_participants",
    "checklist_activity_note",
)

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = date.today()

page_header(t("checklist.forms.title"), t("checklist.forms.caption", year=year))

if flash := st.session_state.pop("_checklist_forms_flash", None):
    st.success(t(flash))

units = cached.townships(version, actor)
by_id = {u.id: u for u in units}
if actor.is_district:
    township_id = st.selectbox(
        t("checklist.forms.pick_unit"),
        list(by_id),
        placeholder=t("checklist.choose"),
        format_func=lambda i: by_id[i].name(lang),
        key="checklist_forms_unit",
    )
else:
    township_id = actor.township_id
unit = by_id.get(township_id)
if unit is None:
    st.stop()

rules = ui.rule_set(version, year)
kinds = [
    kind
    for kind, code in ((MeetingKind.congress_session, "T01"), (MeetingKind.presidium, "T02"))
    if unit.unit_type in rules.task(code).applies_to
]
latest = min(today, date(year, 12, 31))
earliest = date(year, 1, 1)


def _saved(flash: str, fields: tuple[str, ...]) -> None:
    # Clearing the widgets' state gives the next entry an empty form.
    for key in fields:
        st.session_state.pop(key, None)
    st.session_state["_checklist_forms_flash"] = flash
    st.rerun()


tab_meeting, tab_activity, tab_records = st.tabs(
    [
        t("checklist.forms.tab_meeting"),
        t("checklist.forms.tab_activity"),
        t("checklist.forms.tab_records"),
    ]
)

with tab_meeting:
    if not kinds:
        st.info(t("checklist.forms.no_congress"))
    else:
        with st.form("checklist_meeting_form", border=True):
            st.markdown(f"**{t('checklist.forms.meeting.form_title')}**")
            kind = st.radio(
                t("checklist.forms.meeting.kind"),
                kinds,
                format_func=lambda k: label("checklist.kind", k),
                horizontal=True,
                index=len(kinds) - 1,
                key="checklist_meeting_kind",
            )
            c1, c2 = st.columns([1, 3])
            held_on = c1.date_input(
                t("checklist.forms.meeting.held_on"),
                value=latest,
                min_value=earliest,
                max_value=latest,
                format="YYYY-MM-DD",
                key="checklist_meeting_held_on",
            )
            title = c2.text_input(
                t("checklist.forms.meeting.title"),
                max_chars=meetings.MAX_TITLE,
                placeholder=t("checklist.forms.meeting.ph_title"),
                key="checklist_meeting_title",
            )
            attendance = st.number_input(
                t("checklist.forms.meeting.attendance"),
                min_value=0,
                max_value=meetings.MAX_ATTENDANCE,
                step=1,
                value=0,
                key="checklist_meeting_attendance",
            )
            texts = {}
            for part in ui.RECORD_PARTS:
                texts[part] = st.text_area(
                    t(f"checklist.forms.meeting.{part}"),
                    max_chars=meetings.MAX_TEXT,
                    placeholder=t(f"checklist.forms.meeting.ph_{part}"),
                    height=90,
                    key=f"checklist_meeting_{part}",
                )
            topics = st.text_area(
                t("checklist.forms.meeting.topics"),
                help=t("checklist.forms.meeting.topics_help"),
                placeholder=t("checklist.forms.meeting.ph_topics"),
                height=90,
                key="checklist_meeting_topics",
            )
            if MeetingKind.presidium in kinds:
                st.warning(t("checklist.forms.meeting.no_topic_warning"))
            if st.form_submit_button(
                t("checklist.forms.meeting.submit"), type="primary", key="checklist_meeting_submit"
            ):
                try:
                    with session_scope() as session:
                        meetings.record_meeting(
                            session,
                            actor,
                            township_id=unit.id,
                            kind=kind,
                            held_on=held_on,
                            title=title,
                            attendance=attendance,
                            topics=topics.splitlines(),
                            year=year,
                            today=today,
                            **texts,
                        )
                except ServiceError as exc:
                    st.error(error_text(exc))
                else:
                    without_topic = kind == MeetingKind.presidium and not any(
                        line.strip() for line in topics.splitlines()
                    )
                    flash = (
                        "checklist.forms.saved_without_topic"
                        if without_topic
                        else "checklist.forms.saved_meeting"
                    )
                    _saved(flash, MEETING_FIELDS)

with tab_activity, st.form("checklist_activity_form", border=True):
    st.markdown(f"**{t('checklist.forms.activity.form_title')}**")
    a1, a2 = st.columns([1, 1])
    activity_kind = a1.selectbox(
        t("checklist.forms.activity.kind"),
        list(rules.supervision.activity_kinds),
        placeholder=t("checklist.choose"),
        format_func=lambda k: label("checklist.kind", k),
        key="checklist_activity_kind",
    )
    activity_on = a2.date_input(
        t("checklist.forms.activity.held_on"),
        value=latest,
        min_value=earliest,
        max_value=latest,
        format="YYYY-MM-DD",
        key="checklist_activity_held_on",
    )
    subject = st.text_input(
        t("checklist.forms.activity.subject"),
        max_chars=meetings.MAX_TITLE,
        placeholder=t("checklist.forms.activity.ph_subject"),
        key="checklist_activity_subject",
    )
    participants = st.number_input(
        t("checklist.forms.activity.participants"),
        min_value=0,
        max_value=meetings.MAX_PARTICIPANTS,
        step=1,
        value=0,
        key="checklist_activity_participants",
    )
    note = st.text_area(
        t("checklist.forms.activity.note"),
        max_chars=meetings.MAX_TEXT,
        placeholder=t("checklist.forms.activity.ph_note"),
        height=90,
        key="checklist_activity_note",
    )
    if st.form_submit_button(
        t("checklist.forms.activity.submit"), type="primary", key="checklist_activity_submit"
    ):
        try:
            with session_scope() as session:
                meetings.record_supervision_activity(
                    session,
                    actor,
                    township_id=unit.id,
                    kind=activity_kind,
                    held_on=activity_on,
                    subject=subject,
                    participants=participants,
                    note=note,
                    year=year,
                    today=today,
                )
        except ServiceError as exc:
            st.error(error_text(exc))
        else:
            _saved("checklist.forms.saved_activity", ACTIVITY_FIELDS)

with tab_records:
    listed = ui.meeting_list(version, actor, unit.id, year)
    st.subheader(t("checklist.forms.meetings"))
    if listed.empty:
        st.info(t("checklist.forms.empty"))
    else:
        yes, no = t("checklist.forms.col.part_yes"), t("checklist.forms.col.part_no")
        sep = t("checklist.list_sep")
        table = pd.DataFrame(
            {
                t("checklist.forms.col.held_on"): [day(d) for d in listed["held_on"]],
                t("checklist.forms.col.kind"): [label("checklist.kind", k) for k in listed["kind"]],
                t("checklist.forms.col.title"): listed["title"],
                t("checklist.forms.col.attendance"): [number(n) for n in listed["attendance"]],
                t("checklist.forms.col.parts"): [
                    "/".join(yes if row[p] else no for p in ui.RECORD_PARTS)
                    for _, row in listed.iterrows()
                ],
                t("checklist.forms.col.topics"): [sep.join(x) for x in listed["topics"]],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="checklist_forms_meetings")

        no_topic = listed[
            (listed["kind"] == MeetingKind.presidium.value) & (listed["topics"].map(len) == 0)
        ]
        if not no_topic.empty:
            names = {
                int(r["id"]): f"{day(r['held_on'])} {r['title']}" for _, r in no_topic.iterrows()
            }
            with st.form("checklist_add_topics_form", border=True):
                st.markdown(f"**{t('checklist.forms.add_topics.header')}**")
                meeting_id = st.selectbox(
                    t("checklist.forms.add_topics.pick"),
                    list(names),
                    placeholder=t("checklist.choose"),
                    format_func=names.get,
                    key="checklist_add_topics_pick",
                )
                new_topics = st.text_area(
                    t("checklist.forms.add_topics.topics"),
                    placeholder=t("checklist.forms.meeting.ph_topics"),
                    key="checklist_add_topics_topics",
                )
                if st.form_submit_button(
                    t("checklist.forms.add_topics.submit"), key="checklist_add_topics_submit"
                ):
                    try:
                        with session_scope() as session:
                            meetings.add_meeting_topics(
                                session, actor, meeting_id, topics=new_topics.splitlines()
                            )
                    except ServiceError as exc:
                        st.error(error_text(exc))
                    else:
                        _saved("checklist.forms.add_topics.saved", ("checklist_add_topics_topics",))

    st.subheader(t("checklist.forms.activities"))
    acts = ui.activity_list(version, actor, unit.id, year)
    if acts.empty:
        st.info(t("checklist.forms.empty"))
    else:
        table = pd.DataFrame(
            {
                t("checklist.forms.col.held_on"): [day(d) for d in acts["held_on"]],
                t("checklist.forms.col.kind"): [label("checklist.kind", k) for k in acts["kind"]],
                t("checklist.forms.col.subject"): acts["subject"],
                t("checklist.forms.col.participants"): [number(n) for n in acts["participants"]],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="checklist_forms_activities")
