"""Documents from the records: a clerk's two notifications (T09) and, for district roles, the
appraisal report and the meeting briefing; a notification issued is recorded here in one step."""

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import Role
from services import clock
from services.documents import issue
from services.documents.periods import default_period, periods_of
from services.errors import ServiceError
from ui import data as cached
from ui import documents as ui
from ui.auth import page_actor
from ui.format import day
from ui.forms import date_field, saving, show_saved
from ui.i18n import LANGUAGES, current_lang, error_text, t
from ui.layout import as_of_for, page_header, selected_year
from ui.linkage import pick_township

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
as_of = as_of_for(year)
version = cached.data_version()

page_header(t("documents.page.title"), t("documents.page.caption"))

kinds = [k for k in ui.Kind if k.for_unit or actor.is_district]
kind = st.radio(
    t("documents.page.kind"),
    kinds,
    format_func=lambda k: t(f"documents.page.kind_{k.name}", lang),
    horizontal=True,
    key=f"documents_kind_{lang}",
)
township_id = None
if kind.for_unit:
    township_id = pick_township(actor, version, lang, key=f"documents_unit_{lang}")

periods = periods_of(year)
preferred = default_period(as_of)
with st.container(horizontal=True):
    period = st.selectbox(
        t("documents.page.period"),
        periods,
        index=periods.index(preferred) if preferred in periods else 0,
        format_func=lambda p: ui.period_text(p, lang),
        key=f"documents_period_{year}_{lang}",
    )
    doc_lang = st.selectbox(
        t("documents.page.language"),
        LANGUAGES,
        format_func=lambda code: t(f"lang.{code}", lang),
        key=f"documents_lang_{lang}",
    )
    formats = ui.FORMATS[kind]
    fmt = st.selectbox(
        t("documents.page.format"),
        formats,
        format_func=str.upper,
        key=f"documents_fmt_{kind}_{lang}",
    )
hide_names = False
if kind == ui.Kind.notification_deputies:
    hide_names = st.toggle(t("documents.page.hide_names"), key="documents_hide_names")
st.caption(t(f"documents.page.about_{kind.name}"))

if period.start > as_of:
    st.info(t("documents.error.future_period", period=ui.period_text(period, lang), day=day(as_of)))
    st.stop()

if st.button(t("documents.page.make"), type="primary", key="documents_make"):
    with st.status(t("documents.page.working"), expanded=False) as status:
        try:
            output = ui.cached_build(
                version, actor, kind, period, township_id, doc_lang, fmt, hide_names, as_of
            )
        except ServiceError as exc:
            status.update(label=error_text(exc), state="error")
            st.stop()
        status.update(label=t("documents.page.ready"), state="complete")
    st.session_state["documents_output"] = (kind, period, township_id, output)

made = st.session_state.get("documents_output")
if made and made[:3] == (kind, period, township_id):
    output = made[3]
    st.download_button(
        t("documents.page.download", name=output.file_name),
        output.data,
        file_name=output.file_name,
        mime=output.mime,
        icon=":material/download:",
        key="documents_download",
    )

    # Recording the notice as issued: clerks and the admin, for a notification only.
    if kind.notification is not None and actor.role != Role.district_leader:
        show_saved()
        with st.form("documents_issue_form", border=True):
            st.markdown(f"**{t('documents.page.issue_title')}**")
            st.caption(t("documents.page.issue_help"))
            issued_on = date_field(
                t("documents.page.issued_on"),
                value=min(clock.today(), period.end),
                key="documents_issued_on",
            )
            title = st.text_input(
                t("documents.page.issue_name"),
                value=output.document.title,
                key=f"documents_issue_name_{output.file_name}",
            )
            upload = st.file_uploader(
                t("documents.page.issued_file"), type=["docx", "pdf"], key="documents_issued_file"
            )
            if st.form_submit_button(t("documents.page.issue"), type="primary"):
                name, data = (
                    (upload.name, upload.getvalue()) if upload else (output.file_name, output.data)
                )
                with saving(t("documents.page.issued", day=day(issued_on, lang))) as session:
                    issue.record_issued(
                        session,
                        actor,
                        township_id=township_id,
                        kind=kind.notification,
                        period=period,
                        issued_on=issued_on,
                        title=title,
                        file_name=name,
                        data=data,
                    )

if kind.for_unit:
    with session_scope() as session:
        issued = issue.issued_documents(session, actor, township_id, year)
    if not issued.empty:
        st.subheader(t("documents.page.issued_list", year=year))
        st.dataframe(
            pd.DataFrame(
                {
                    t("documents.page.issued_on"): [day(d, lang) for d in issued["issued_on"]],
                    t("documents.page.kind"): [
                        t(f"checklist.notification.{k}") for k in issued["kind"]
                    ],
                    t("documents.page.issue_name"): issued["title"],
                    t("documents.page.period"): issued["period"],
                }
            ),
            hide_index=True,
            width="stretch",
            key="documents_issued_table",
        )
