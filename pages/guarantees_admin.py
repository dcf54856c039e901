"""District admin: the year's themes of integrated activities and the platform check items (a
new audited version of the rule set), commendation proposals to approve or return, and the
purge of evidence files no record names any more."""

from datetime import date

import streamlit as st

from models.db import session_scope
from services import clock, commendations, evidence
from services import rules as rule_sets
from ui import data as cached
from ui import guarantees as ui
from ui import rules as urules
from ui.auth import page_actor
from ui.forms import saved, saving, show_saved
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

SLOT = "g_admin"

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
version = cached.data_version()

page_header(t("guarantees.admin.title"), t("guarantees.admin.caption", year=year))
show_saved(slot=SLOT)

units = {u.id: u.name(lang) for u in cached.townships(version, actor)}
with session_scope() as session:
    current = rule_sets.get_rules(session, year)
    proposed = commendations.list_commendations(session, actor, year, status=commendations.PROPOSED)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- rules: themes and platform items -----------------------------------------------------------
with st.form("g_admin_rules", border=True):
    st.subheader(t("guarantees.admin.rules_title"))
    themes = st.text_area(
        t("guarantees.admin.themes"),
        value="\n".join(current.themes),
        help=t("guarantees.admin.themes_help"),
        key="g_admin_themes",
    )
    eight = st.text_area(
        t("guarantees.admin.eight_haves"),
        value="\n".join(current.platforms.eight_haves),
        help=t("guarantees.admin.items_help"),
        key="g_admin_eight",
    )
    v2 = st.text_area(
        t("guarantees.admin.v2_items"),
        value="\n".join(current.platforms.v2_items),
        help=t("guarantees.admin.items_help"),
        key="g_admin_v2",
    )
    st.caption(
        t("guarantees.admin.item_labels")
        + " "
        + t("guarantees.list_sep").join(
            f"{code} = {ui.item_label(code)}" for code in current.platforms.items
        )
    )
    note = st.text_input(t("guarantees.admin.note"), key="g_admin_note")
    if st.form_submit_button(t("guarantees.save"), type="primary", key="g_admin_rules_submit"):
        data = rule_sets.to_content(current)
        data["themes"] = _lines(themes)
        data["platforms"] = {"eight_haves": _lines(eight), "v2_items": _lines(v2)}
        try:
            with saving(slot=SLOT) as session:
                version = rule_sets.save_rules(session, actor, data, note=note)
                saved(t("guarantees.admin.rules_saved", version=version), slot=SLOT)
        except rule_sets.RuleSetError as exc:  # not saved: every problem listed
            st.error(t("guarantees.admin.invalid"))
            st.dataframe(
                urules.problems_frame(urules.problem_rows(exc)), hide_index=True, width="stretch"
            )

# -- commendation review -------------------------------------------------------------------------
st.subheader(t("guarantees.admin.review_title", n=len(proposed)))
if not proposed:
    st.info(t("guarantees.admin.review_empty"))
for c in proposed:
    with st.container(border=True, key=f"g_review_{c.id}"):
        st.markdown(f"**{c.deputy_name} · {c.title}** — {units.get(c.township_id, '')}")
        st.text(c.story)
        if c.photo:
            ui.show_files([c.photo], key=f"g_review_photo_{c.id}")
        with st.form(f"g_review_form_{c.id}", border=False):
            reason = st.text_input(
                t("guarantees.admin.reason"),
                max_chars=commendations.MAX_REASON,
                key=f"g_review_reason_{c.id}",
            )
            approve = st.form_submit_button(
                t("guarantees.admin.approve"), type="primary", key=f"g_review_ok_{c.id}"
            )
            send_back = st.form_submit_button(
                t("guarantees.admin.return"), key=f"g_review_back_{c.id}"
            )
            if approve or send_back:
                outcome = "approved" if approve else "returned"
                with saving(t(f"guarantees.admin.{outcome}"), slot=SLOT) as session:
                    commendations.review(
                        session,
                        actor,
                        c.id,
                        approve=approve,
                        reason=reason,
                        on=min(clock.today(), date(year, 12, 31)),
                    )

# -- files no record names ---------------------------------------------------------------------
st.subheader(t("guarantees.admin.purge_title"))
st.caption(t("guarantees.admin.purge_note"))
if st.button(t("guarantees.admin.purge"), key="g_admin_purge"):
    with saving(slot=SLOT) as session:
        removed = evidence.purge_unreferenced(session, actor)
        saved(t("guarantees.admin.purged", n=removed), slot=SLOT)
