"""District admin: the year's fund rules and reward amounts, saved as a new rule set version."""

import pandas as pd
import streamlit as st

from models.db import session_scope
from services import rules as rules_service
from services.errors import ServiceError
from services.fund_rules import FUND_RULES, Severity
from ui import data as cached
from ui import funds as ufunds
from ui import rules as urules
from ui.auth import page_actor
from ui.i18n import current_lang, error_text, t
from ui.layout import page_header, selected_year

FLASH = "funds_rules_flash"

actor = page_actor(__file__)
lang = current_lang()
year = selected_year()
page_header(t("funds.rules.title", year=year), t("funds.rules.caption"))

if saved_version := st.session_state.pop(FLASH, None):
    st.success(t("funds.rules.saved", year=year, version=saved_version))

current = ufunds.rules_for(cached.data_version(), year)
f, r = current.funds, current.rewards
found = ufunds.violations(cached.data_version(), actor, year)
st.info(t("funds.rules.headline", year=year, counts=ufunds.counts_text(found)))

with st.form("funds_rules_form", border=True):
    st.subheader(t("funds.rules.section_funds"))
    left, right = st.columns(2)
    with left:
        per_deputy = st.text_input(
            t("funds.rules.per_deputy"),
            value=str(f.per_deputy_activity_yuan),
            key="funds_rules_per_deputy",
        )
        lost_work = st.text_input(
            t("funds.rules.lost_work"),
            value=str(f.lost_work_subsidy_monthly_yuan),
            key="funds_rules_lost_work",
        )
        threshold = st.text_input(
            t("funds.rules.threshold"),
            value=str(f.approval_threshold_yuan),
            key="funds_rules_threshold",
        )
    with right:
        district_share = st.text_input(
            t("funds.rules.district_share"),
            value=str(f.district_share),
            help=t("funds.rules.share_help"),
            key="funds_rules_district_share",
        )
        township_share = st.text_input(
            t("funds.rules.township_share"),
            value=str(f.township_share),
            help=t("funds.rules.share_help"),
            key="funds_rules_township_share",
        )
        banned = st.text_area(
            t("funds.rules.banned"),
            value="\n".join(f.banned_purposes),
            help=t("funds.rules.banned_help"),
            key="funds_rules_banned",
            height=120,
        )
    exception_allowed = st.multiselect(
        t("funds.rules.exception_allowed"),
        [code for code, rule in FUND_RULES.items() if rule.severity == Severity.error],
        default=[c for c in f.exception_allowed if c in FUND_RULES],
        format_func=lambda code: ufunds.rule_title(code, lang),
        help=t("funds.rules.exception_allowed_help"),
        placeholder=t("funds.rules.exception_none"),
        key=f"funds_rules_exception_allowed_{lang}",
    )
    st.markdown(f"**{t('funds.rules.categories')}**")
    st.caption(t("funds.rules.categories_help"))
    categories = st.data_editor(
        pd.DataFrame([c.model_dump() for c in f.categories], columns=["code", "zh", "en"]),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn(t("funds.rules.col.code"), required=True),
            "zh": st.column_config.TextColumn(t("funds.rules.col.zh"), required=True),
            "en": st.column_config.TextColumn(t("funds.rules.col.en"), required=True),
        },
        key="funds_rules_categories",
    )

    st.subheader(t("funds.rules.section_rewards"))
    left, right = st.columns(2)
    with left:
        excellent = st.text_input(
            t("funds.rules.excellent"), value=str(r.excellent_yuan), key="funds_rules_excellent"
        )
        platform = st.text_input(
            t("funds.rules.platform"),
            value=str(r.outstanding_platform_yuan),
            key="funds_rules_platform",
        )
        activities = st.text_input(
            t("funds.rules.activities"),
            value=str(r.distinctive_activities_yuan),
            key="funds_rules_activities",
        )
    with right:
        min_share = st.number_input(
            t("funds.rules.min_share"),
            min_value=0.0,
            max_value=1.0,
            step=0.01,
            format="%.2f",
            value=float(r.outstanding_platform_min_share),
            key="funds_rules_min_share",
        )
        min_activities = st.number_input(
            t("funds.rules.min_activities"),
            min_value=0,
            max_value=100,
            step=1,
            value=int(r.distinctive_min_activities),
            key="funds_rules_min_activities",
        )
        min_levels = st.number_input(
            t("funds.rules.min_levels"),
            min_value=1,
            max_value=5,
            step=1,
            value=int(r.distinctive_min_levels),
            key="funds_rules_min_levels",
        )
    note = st.text_input(
        t("funds.rules.note"),
        max_chars=200,
        placeholder=t("funds.rules.note_ph"),
        key="funds_rules_note",
    )
    submitted = st.form_submit_button(t("common.save"), type="primary", key="funds_rules_save")

if submitted:
    data = rules_service.to_content(current)
    data["funds"] = {
        "per_deputy_activity_yuan": per_deputy.strip(),
        "lost_work_subsidy_monthly_yuan": lost_work.strip(),
        "district_share": district_share.strip(),
        "township_share": township_share.strip(),
        "approval_threshold_yuan": threshold.strip(),
        "banned_purposes": [w.strip() for w in banned.splitlines() if w.strip()],
        "categories": ufunds.category_rows(categories),
        "exception_allowed": list(exception_allowed),
    }
    data["rewards"] = {
        "excellent_yuan": excellent.strip(),
        "outstanding_platform_yuan": platform.strip(),
        "distinctive_activities_yuan": activities.strip(),
        "outstanding_platform_min_share": round(float(min_share), 4),
        "distinctive_min_activities": int(min_activities),
        "distinctive_min_levels": int(min_levels),
    }
    try:
        with session_scope() as session:
            version = rules_service.save_rules(session, actor, data, note=note.strip())
    except rules_service.RuleSetError as exc:
        st.error(t("funds.rules.invalid", n=len(exc.problems)))
        st.dataframe(
            urules.problems_frame(urules.problem_rows(exc)),
            hide_index=True,
            width="stretch",
            key="funds_rules_problems",
        )
    except ServiceError as exc:
        st.error(error_text(exc))
    else:
        st.session_state[FLASH] = version
        st.rerun()
