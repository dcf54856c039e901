"""Everyone: their own account — who they are signed in as, and a new password."""

import streamlit as st

from ui import auth
from ui.auth import page_actor
from ui.i18n import label, t
from ui.layout import page_header

actor = page_actor(__file__)
page_header(t("account.title"), t("account.caption"))
st.markdown(f"**{actor.display_name or actor.username}** · {label('role', actor.role)}")
st.caption(t("account.username", username=actor.username))
st.subheader(t("account.change_password"))
auth.password_form(actor, required=False)
