"""District admin: the audit log, newest first."""

import streamlit as st

from models.db import session_scope
from services import audit
from ui.auth import page_actor
from ui.format import compact_json, local_time
from ui.i18n import has, label, t
from ui.layout import page_header

actor = page_actor(__file__)


def entity_label(entity: str) -> str:
    return t(f"audit_entity.{entity}") if has(f"audit_entity.{entity}") else entity


page_header(t("audit.title"), t("audit.caption"))
limit = st.select_slider(t("audit.limit"), options=[50, 200, 1000], value=200, key="audit_limit")
with session_scope() as session:
    df = audit.recent(session, limit=limit)
if df.empty:
    st.info(t("audit.empty"))
else:
    df["at"] = df["at"].map(local_time)
    df["action"] = [label("audit_action", a) for a in df["action"]]
    df["entity"] = [entity_label(e) for e in df["entity"]]
    for column in ("before", "after"):
        df[column] = df[column].map(compact_json)
    df["reason"] = df["reason"].fillna("")
    df = df.rename(columns={c: t(f"audit.col.{c}") for c in df.columns})
    st.dataframe(df, hide_index=True, width="stretch", key="audit_table")
