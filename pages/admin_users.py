"""District admin: the accounts — create, edit, reset a password, disable, unlock."""

import pandas as pd
import streamlit as st

from models.db import session_scope
from models.enums import Role
from services import org, users
from ui.auth import page_actor
from ui.forms import saved_slot, saving, show_saved
from ui.i18n import label, t
from ui.layout import page_header

actor = page_actor(__file__)
page_header(t("users.title"), t("users.caption"))

with session_scope() as session:
    accounts = users.list_users(session, actor)
    units = org.list_townships(session, include_retired=False)
unit_names = {u.id: u.name_zh for u in units}
role_names = {role: label("role", role) for role in Role}


def _unit_choice(key: str, current: int | None = None) -> int | None:
    options = [None, *unit_names]
    return st.selectbox(
        t("users.col.township"),
        options,
        index=options.index(current) if current in options else 0,
        format_func=lambda i: t("users.no_unit") if i is None else unit_names[i],
        placeholder=t("users.no_unit"),
        key=key,
    )


# A refused new account keeps what was typed; a created one empties the form (before its
# widgets are drawn), so a second click cannot create it again.
if saved_slot() == "created":
    for key in ("new_username", "new_display_name", "new_password"):
        st.session_state.pop(key, None)
show_saved(slot="created")
show_saved()

table = pd.DataFrame(
    {
        t("users.col.username"): accounts["username"],
        t("users.col.display_name"): accounts["display_name"],
        t("users.col.role"): [role_names[Role(r)] for r in accounts["role"]],
        t("users.col.township"): [unit_names.get(i, "") for i in accounts["township_id"]],
        t("users.col.status"): [
            t("users.locked") if locked else t("users.active") if active else t("users.disabled")
            for active, locked in zip(accounts["active"], accounts["locked"], strict=True)
        ],
        t("users.col.must_change"): [
            t("users.yes") if v else "" for v in accounts["must_change_password"]
        ],
    }
)
st.dataframe(table, hide_index=True, width="stretch", key="users_table")

left, right = st.columns(2)
with left, st.form("add_user", border=True):
    st.subheader(t("users.add"))
    username = st.text_input(t("users.col.username"), max_chars=40, key="new_username")
    display_name = st.text_input(
        t("users.col.display_name"), max_chars=users.MAX_DISPLAY_NAME, key="new_display_name"
    )
    role = st.selectbox(
        t("users.col.role"), list(Role), format_func=role_names.__getitem__, key="new_role"
    )
    township_id = _unit_choice("new_township")
    password = st.text_input(t("users.temporary_password"), type="password", key="new_password")
    st.caption(t("users.temporary_hint"))
    if st.form_submit_button(t("users.create"), type="primary"):
        with saving(t("users.created"), slot="created") as session:
            users.create_user(
                session,
                actor,
                username=username,
                display_name=display_name,
                password=password,
                role=role,
                township_id=township_id,
            )

with right:
    st.subheader(t("users.edit"))
    by_id = {int(row.id): row for row in accounts.itertuples()}
    chosen = st.selectbox(
        t("users.choose"),
        list(by_id),
        format_func=lambda i: f"{by_id[i].username} · {by_id[i].display_name}",
        key="edit_user_choice",
    )
if chosen is not None:
    row = by_id[chosen]
    with right, st.form(f"edit_user_{chosen}", border=True):
        new_name = st.text_input(
            t("users.col.display_name"), value=row.display_name, max_chars=users.MAX_DISPLAY_NAME
        )
        roles = list(Role)
        new_role = st.selectbox(
            t("users.col.role"),
            roles,
            index=roles.index(Role(row.role)),
            format_func=role_names.__getitem__,
        )
        current_unit = None if pd.isna(row.township_id) else int(row.township_id)
        new_unit = _unit_choice(f"edit_township_{chosen}", current_unit)
        if st.form_submit_button(t("common.save"), type="primary"):
            with saving(t("common.saved")) as session:
                users.update_user(
                    session,
                    actor,
                    chosen,
                    display_name=new_name,
                    role=new_role,
                    township_id=new_unit,
                )
    with right, st.form(f"reset_user_{chosen}", clear_on_submit=True, border=True):
        new_password = st.text_input(t("users.temporary_password"), type="password")
        if st.form_submit_button(t("users.reset")):
            with saving(t("users.reset_done")) as session:
                users.reset_password(session, actor, chosen, password=new_password)
    with right:
        toggle, unlock = st.columns(2)
        if toggle.button(
            t("users.disable") if row.active else t("users.enable"), key=f"toggle_{chosen}"
        ):
            with saving(t("common.saved")) as session:
                users.set_active(session, actor, chosen, active=not row.active)
        if row.locked and unlock.button(t("users.unlock"), key=f"unlock_{chosen}"):
            with saving(t("users.unlocked")) as session:
                users.unlock(session, actor, chosen)
