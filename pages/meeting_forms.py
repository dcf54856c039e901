"""Clerk and admin: record a meeting (with its supervision topics) or a supervision activity, and
correct or withdraw one saved."""

from datetime import date

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import MeetingKind
from services import clock, meetings
from ui import checklist as ui
from ui import confirm
from ui import data as cached
from ui.auth import page_actor
from ui.format import day, number
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
from ui.layout import page_header, selected_year

MEETING_FORM = "checklist_meeting_form"
COUNTS = "_checklist_forms_counts"

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = clock.today()

page_header(t("checklist.forms.title"), t("checklist.forms.caption", year=year))
show_saved()
if counts := st.session_state.pop(COUNTS, None):
    st.info(counts, icon=":material/checklist:")

units = cached.townships(version, actor)
by_id = {u.id: u for u in units}
township_id = working_unit(
    actor,
    {u.id: u.name(lang) for u in units},
    label=t("checklist.forms.pick_unit"),
    key="checklist_forms_unit",
    empty=t("checklist.entry.no_unit"),
    placeholder=t("checklist.choose"),
)
unit = by_id[township_id]

rules = ui.rule_set(version, year)
kinds = [
    kind
    for kind, code in ((MeetingKind.congress_session, "T01"), (MeetingKind.presidium, "T02"))
    if unit.unit_type in rules.task(code).applies_to
]
latest = min(today, date(year, 12, 31))


def _req(text: str) -> str:
    """The label of a required field."""
    return t("checklist.entry.required", label=text)


def _tasks(codes: tuple[str, ...]) -> str:
    sep = t("checklist.list_sep")
    return sep.join(t("checklist.entry.task", code=c, name=ui.task_name(c)) for c in codes)


def _meeting_warnings(preview: meetings.MeetingPreview) -> list[str]:
    """What the task list will not count, in sentences (from the service's preview)."""
    out = []
    if "T03" in preview.short_for:
        parts = t("checklist.list_sep").join(
            label("checklist.part", p) for p in preview.missing_parts
        )
        out.append(t("checklist.entry.warn_t03", parts=parts, task=_tasks(("T03",))))
    if "T04" in preview.short_for:
        out.append(t("checklist.entry.warn_t04", task=_tasks(("T04",))))
    return out


def _counts_text(preview: meetings.MeetingPreview) -> str:
    text = t("checklist.entry.counts_for", tasks=_tasks(preview.counts_for) or "—")
    if preview.short_for:
        text += t("checklist.entry.short_for", tasks=_tasks(preview.short_for))
    return text


def _starter(prefix: str, entry: dict | None):
    """The starting value of a field: the record's when correcting one, else the new form's
    (see ``confirm.initial``)."""

    def start(name: str, default):
        if entry is not None:
            return entry.get(name, default)
        return confirm.initial(f"{prefix}_{name}", default)

    return start


def _meeting_fields(prefix: str, entry: dict | None = None) -> dict:
    """The fields of a meeting form (new when ``entry`` is None, else prefilled with it)."""
    start = _starter(prefix, entry)
    c1, c2 = st.columns([1, 3])
    values = {
        "held_on": date_field(
            _req(t("checklist.forms.meeting.held_on")),
            key=f"{prefix}_held_on",
            value=start("held_on", latest),
            where=c1,
        ),
        "title": c2.text_input(
            _req(t("checklist.forms.meeting.title")),
            value=start("title", ""),
            placeholder=t("checklist.forms.meeting.ph_title"),
            help=t("checklist.entry.at_most", n=meetings.MAX_TITLE),
            key=f"{prefix}_title",
        ),
        # No bounds on the widget: a negative or too large number is refused with a message.
        "attendance": st.number_input(
            t("checklist.forms.meeting.attendance"),
            value=start("attendance", 0),
            step=1,
            key=f"{prefix}_attendance",
        ),
    }
    st.caption(t("checklist.entry.parts_hint", task=_tasks(("T03",))))
    for part in ui.RECORD_PARTS:
        values[part] = st.text_area(
            t("checklist.entry.part_label", part=t(f"checklist.forms.meeting.{part}")),
            value=start(part, ""),
            placeholder=t(f"checklist.forms.meeting.ph_{part}"),
            help=t("checklist.entry.at_most", n=meetings.MAX_TEXT),
            height=90,
            key=f"{prefix}_{part}",
        )
    values["topics"] = st.text_area(
        t("checklist.forms.meeting.topics"),
        value="\n".join(entry["topics"]) if entry else confirm.initial(f"{prefix}_topics", ""),
        help=t("checklist.forms.meeting.topics_help"),
        placeholder=t("checklist.forms.meeting.ph_topics"),
        height=90,
        key=f"{prefix}_topics",
    )
    return values


def _activity_fields(prefix: str, entry: dict | None = None) -> dict:
    start = _starter(prefix, entry)
    options = list(rules.supervision.activity_kinds)
    a1, a2 = st.columns([1, 1])
    values = {
        "kind": a1.selectbox(
            _req(t("checklist.forms.activity.kind")),
            options,
            index=start("kind", 0) if entry is None else options.index(entry["kind"]),
            placeholder=t("checklist.choose"),
            format_func=lambda k: label("checklist.kind", k, lang),
            key=f"{prefix}_kind",
        ),
        "held_on": date_field(
            _req(t("checklist.forms.activity.held_on")),
            key=f"{prefix}_held_on",
            value=start("held_on", latest),
            where=a2,
        ),
        "subject": st.text_input(
            _req(t("checklist.forms.activity.subject")),
            value=start("subject", ""),
            placeholder=t("checklist.forms.activity.ph_subject"),
            help=t("checklist.entry.at_most", n=meetings.MAX_TITLE),
            key=f"{prefix}_subject",
        ),
        "participants": st.number_input(
            t("checklist.forms.activity.participants"),
            value=start("participants", 0),
            step=1,
            key=f"{prefix}_participants",
        ),
        "note": st.text_area(
            t("checklist.forms.activity.note"),
            value=start("note", ""),
            placeholder=t("checklist.forms.activity.ph_note"),
            help=t("checklist.entry.at_most", n=meetings.MAX_TEXT),
            height=90,
            key=f"{prefix}_note",
        ),
    }
    values["participants"] = int(values["participants"])
    return values


def _texts(values: dict) -> dict[str, str]:
    return {part: values[part] for part in ui.RECORD_PARTS}


# After a save the entry forms start again from their starting values.
confirm.reset(
    MEETING_FORM,
    {
        "checklist_meeting_kind": kinds[-1] if kinds else None,
        "checklist_meeting_held_on": latest,
        "checklist_meeting_title": "",
        "checklist_meeting_attendance": 0,
        **{f"checklist_meeting_{part}": "" for part in ui.RECORD_PARTS},
        "checklist_meeting_topics": "",
    },
)
confirm.reset(
    "checklist_activity_form",
    {
        "checklist_activity_kind": next(iter(rules.supervision.activity_kinds), None),
        "checklist_activity_held_on": latest,
        "checklist_activity_subject": "",
        "checklist_activity_participants": 0,
        "checklist_activity_note": "",
    },
)
confirm.reset("checklist_add_topics_form", {"checklist_add_topics_topics": ""})

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
        with st.form(MEETING_FORM, border=True):
            st.markdown(f"**{t('checklist.forms.meeting.form_title')}**")
            st.caption(t("checklist.entry.required_note"))
            kind = st.radio(
                _req(t("checklist.forms.meeting.kind")),
                kinds,
                format_func=lambda k: label("checklist.kind", k, lang),
                horizontal=True,
                index=confirm.initial("checklist_meeting_kind", len(kinds) - 1),
                key="checklist_meeting_kind",
            )
            values = _meeting_fields("checklist_meeting")
            if MeetingKind.presidium in kinds:
                st.warning(t("checklist.forms.meeting.no_topic_warning"))
            confirmed = confirm.confirm_box(MEETING_FORM)
            submitted = st.form_submit_button(
                t("checklist.forms.meeting.submit"), type="primary", key="checklist_meeting_submit"
            )
        typed = {"kind": kind, **values}
        if submitted and confirm.is_repeat(MEETING_FORM, typed):
            confirm.empty_after_save(MEETING_FORM)
            saved(t("checklist.forms.saved_meeting"))
        if submitted:
            with saving() as session:
                fields = {
                    "township_id": unit.id,
                    "kind": kind,
                    "held_on": values["held_on"],
                    "title": values["title"],
                    "attendance": values["attendance"],
                    "topics": values["topics"].splitlines(),
                    "year": year,
                    "today": today,
                    **_texts(values),
                }
                # A refusal first, then what will not count; the clerk decides.
                preview = meetings.check_meeting(session, actor, **fields)
                confirm.hold_for_confirmation(MEETING_FORM, _meeting_warnings(preview), confirmed)
                meetings.record_meeting(session, actor, **fields)
                confirm.empty_after_save(MEETING_FORM)
                confirm.remember(MEETING_FORM, typed)
                st.session_state[COUNTS] = _counts_text(preview)
                without_topic = kind == MeetingKind.presidium and "T04" in preview.short_for
                saved(
                    t("checklist.forms.saved_without_topic")
                    if without_topic
                    else t("checklist.forms.saved_meeting")
                )

with tab_activity:
    with st.form("checklist_activity_form", border=True):
        st.markdown(f"**{t('checklist.forms.activity.form_title')}**")
        st.caption(t("checklist.entry.required_note"))
        activity = _activity_fields("checklist_activity")
        submitted = st.form_submit_button(
            t("checklist.forms.activity.submit"), type="primary", key="checklist_activity_submit"
        )
    if submitted and confirm.is_repeat("checklist_activity_form", activity):
        confirm.empty_after_save("checklist_activity_form")
        saved(t("checklist.forms.saved_activity"))
    if submitted:
        with saving() as session:
            meetings.record_supervision_activity(
                session, actor, township_id=unit.id, year=year, today=today, **activity
            )
            confirm.empty_after_save("checklist_activity_form")
            confirm.remember("checklist_activity_form", activity)
            st.session_state[COUNTS] = t("checklist.entry.counts_for", tasks=_tasks(("T05",)))
            saved(t("checklist.forms.saved_activity"))

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
                add_clicked = st.form_submit_button(
                    t("checklist.forms.add_topics.submit"), key="checklist_add_topics_submit"
                )
            if add_clicked:
                with saving(t("checklist.forms.add_topics.saved")) as session:
                    meetings.add_meeting_topics(
                        session, actor, meeting_id, topics=new_topics.splitlines()
                    )
                    confirm.empty_after_save("checklist_add_topics_form")

        # Correct or withdraw one saved meeting.
        st.markdown(f"**{t('checklist.entry.fix_meeting')}**")
        meeting_names = {
            int(r["id"]): f"{day(r['held_on'])} {label('checklist.kind', r['kind'])} {r['title']}"
            for _, r in listed.iterrows()
        }
        fix_id = st.selectbox(
            t("checklist.entry.pick_meeting"),
            list(meeting_names),
            index=None,
            placeholder=t("checklist.choose"),
            format_func=meeting_names.get,
            key="checklist_fix_meeting_pick",
        )
        if fix_id is not None:
            with session_scope() as session:
                entry = meetings.meeting_entry(session, actor, fix_id)
            form = f"checklist_fix_meeting_{fix_id}"
            with st.form(form, border=True):
                st.caption(
                    t("checklist.entry.fix_kind", kind=label("checklist.kind", entry["kind"]))
                )
                fix = _meeting_fields(form, entry)
                why = reason_input(f"{form}_reason")
                fix_confirmed = confirm.confirm_box(form)
                fix_clicked = st.form_submit_button(
                    t("checklist.entry.save_correction"), type="primary", key=f"{form}_submit"
                )
            if fix_clicked:
                with saving() as session:
                    fields = {
                        "held_on": fix["held_on"],
                        "title": fix["title"],
                        "attendance": fix["attendance"],
                        "topics": fix["topics"].splitlines(),
                        "today": today,
                        **_texts(fix),
                    }
                    preview = meetings.check_meeting(
                        session,
                        actor,
                        township_id=unit.id,
                        kind=entry["kind"],
                        year=entry["held_on"].year,
                        meeting_id=fix_id,
                        **fields,
                    )
                    confirm.hold_for_confirmation(form, _meeting_warnings(preview), fix_confirmed)
                    meetings.correct_meeting(session, actor, fix_id, reason=why, **fields)
                    confirm.forget(form, [k for k in st.session_state if str(k).startswith(form)])
                    st.session_state[COUNTS] = _counts_text(preview)
                    saved(t("correct.saved"))
            reason = withdraw_form(
                f"checklist_withdraw_meeting_{fix_id}", what=meeting_names[fix_id]
            )
            if reason is not None:
                with saving(t("correct.withdrawn")) as session:
                    meetings.withdraw_meeting(session, actor, fix_id, reason=reason)
                    st.session_state.pop("checklist_fix_meeting_pick", None)

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

        st.markdown(f"**{t('checklist.entry.fix_activity')}**")
        act_names = {
            int(r["id"]): f"{day(r['held_on'])} {label('checklist.kind', r['kind'])} {r['subject']}"
            for _, r in acts.iterrows()
        }
        act_id = st.selectbox(
            t("checklist.entry.pick_activity"),
            list(act_names),
            index=None,
            placeholder=t("checklist.choose"),
            format_func=act_names.get,
            key="checklist_fix_activity_pick",
        )
        if act_id is not None:
            with session_scope() as session:
                act_entry = meetings.activity_entry(session, actor, act_id)
            form = f"checklist_fix_activity_{act_id}"
            with st.form(form, border=True):
                fixed = _activity_fields(form, act_entry)
                why = reason_input(f"{form}_reason")
                act_clicked = st.form_submit_button(
                    t("checklist.entry.save_correction"), type="primary", key=f"{form}_submit"
                )
            if act_clicked:
                with saving(t("correct.saved")) as session:
                    meetings.correct_supervision_activity(
                        session, actor, act_id, reason=why, today=today, **fixed
                    )
                    confirm.forget(form, [k for k in st.session_state if str(k).startswith(form)])
            reason = withdraw_form(f"checklist_withdraw_activity_{act_id}", what=act_names[act_id])
            if reason is not None:
                with saving(t("correct.withdrawn")) as session:
                    meetings.withdraw_supervision_activity(session, actor, act_id, reason=reason)
                    st.session_state.pop("checklist_fix_activity_pick", None)
