"""Budget and expense entry: each form checks the fund rules before saving and says which rule
breaks and why; an expense that breaks one may still be saved as a justified exception."""

from datetime import date

import streamlit as st

from models.db import session_scope
from models.enums import Role
from models.funds import (
    MAX_APPROVAL_REF,
    MAX_EXCEPTION_REASON,
    MAX_PAYEE,
    MAX_PURPOSE,
    MAX_RECEIPT_NO,
)
from services import clock, funds
from services.errors import ServiceError
from services.fund_rules import Severity
from services.funds import ExpenseDraft, RuleViolationError
from ui import data as cached
from ui import funds as ufunds
from ui.auth import page_actor
from ui.format import percent, yuan
from ui.forms import unit_picker
from ui.i18n import current_lang, error_text, t
from ui.layout import page_header, selected_year

FLASH = {"expense": "funds_entry_flash_expense", "budget": "funds_entry_flash_budget"}
# What a saved form is reset to on the next run (date, year and category stay as they were, as
# the next entry is often alike). Set before the widgets are drawn: the browser keeps showing a
# value that is only removed from the session.
RESETS = {
    "expense": {
        "funds_exp_amount": "",
        "funds_exp_payee": "",
        "funds_exp_purpose": "",
        "funds_exp_receipt": "",
        "funds_exp_approved": False,
        "funds_exp_ref": "",
        "funds_exp_reason": "",
    },
    "budget": {
        "funds_bud_amount": "",
        "funds_bud_district": "",
        "funds_bud_township": "",
        "funds_bud_reason": "",
    },
}
RESET = "funds_entry_reset"

actor = page_actor(__file__)
for slot in st.session_state.pop(RESET, ()):
    for key, value in RESETS[slot].items():
        st.session_state[key] = value

# Choice widgets whose option labels depend on the language carry it in their key: a keyed
# widget keeps showing the label it was first drawn with.
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = clock.today()

page_header(t("funds.entry.title"), t("funds.entry.caption", year=year))

units = cached.townships(version, actor)
if actor.role == Role.township_staff:
    units = [u for u in units if u.id == actor.township_id]
if not units:
    st.info(t("funds.entry.no_unit"))
    st.stop()
names = {u.id: u.name(lang) for u in units}
if len(units) > 1:
    township_id = unit_picker(names, label=t("funds.entry.unit"), key=f"funds_entry_unit_{lang}")
else:
    township_id = units[0].id
    st.caption(t("funds.entry.unit_fixed", unit=names[township_id]))

rules = ufunds.rules_for(version, year)
codes = [c.code for c in rules.funds.categories]


def _flash(slot: str, lines: list[tuple[str, str]]) -> None:
    """Messages to show after the rerun that clears the form: (level, text) pairs."""
    st.session_state[FLASH[slot]] = lines


def _show_flash(slot: str) -> None:
    show = {"success": st.success, "warning": st.warning, "error": st.error}
    for level, text in st.session_state.pop(FLASH[slot], []):
        show[level](text)


def _reason_field(key: str, help_key: str) -> str:
    """Why a record that breaks a rule is a justified exception (left empty otherwise)."""
    return st.text_area(
        t("funds.field.exception_reason"),
        max_chars=MAX_EXCEPTION_REASON,
        placeholder=t("funds.ph.exception_reason"),
        help=t(help_key),
        key=key,
        height=80,
    )


def _violation_lines(found, year_rules) -> list[tuple[str, str]]:
    return [
        (
            "error" if v.severity == Severity.error else "warning",
            ufunds.violation_message(v, year_rules),
        )
        for v in found
    ]


tab_expense, tab_budget, tab_list = st.tabs(
    [t("funds.entry.tab_expense"), t("funds.entry.tab_budget"), t("funds.entry.tab_list")]
)

# --- expense ----------------------------------------------------------------------------------

with tab_expense:
    _show_flash("expense")
    first_year, last_year = today.year - funds.MAX_PAST_YEARS, today.year + 1
    year_options = [y for y in (year - 1, year, year + 1) if first_year <= y <= last_year]
    default_day = today if year >= today.year else date(year, 12, 31)
    with st.form("funds_expense_form", border=True):
        left, right = st.columns(2)
        with left:
            occurred_on = st.date_input(
                t("funds.field.occurred_on"),
                value=default_day,
                min_value=date(first_year, 1, 1),
                max_value=today,
                format="YYYY-MM-DD",
                key="funds_exp_date",
            )
            budget_year = st.selectbox(
                t("funds.field.budget_year"),
                year_options,
                index=year_options.index(year) if year in year_options else 0,
                format_func=lambda y: t("funds.year_n", lang, year=y),
                key=f"funds_exp_year_{lang}",
            )
            category = st.selectbox(
                t("funds.field.category"),
                codes,
                format_func=lambda c: ufunds.category_label(rules, c, lang),
                key=f"funds_exp_category_{lang}",
            )
            amount = st.text_input(
                t("funds.field.amount"),
                max_chars=20,
                placeholder=t("funds.ph.amount"),
                key="funds_exp_amount",
            )
            receipt_no = st.text_input(
                t("funds.field.receipt_no"),
                max_chars=MAX_RECEIPT_NO,
                placeholder=t("funds.ph.receipt_no"),
                key="funds_exp_receipt",
            )
        with right:
            payee = st.text_input(
                t("funds.field.payee"),
                max_chars=MAX_PAYEE,
                placeholder=t("funds.ph.payee"),
                key="funds_exp_payee",
            )
            purpose = st.text_input(
                t("funds.field.purpose"),
                max_chars=MAX_PURPOSE,
                placeholder=t("funds.ph.purpose"),
                key="funds_exp_purpose",
            )
            approved = st.checkbox(
                t("funds.field.presidium_approved"),
                help=t(
                    "funds.help.presidium_approved",
                    threshold=yuan(rules.funds.approval_threshold_yuan),
                ),
                key="funds_exp_approved",
            )
            approval_ref = st.text_input(
                t("funds.field.approval_ref"),
                max_chars=MAX_APPROVAL_REF,
                placeholder=t("funds.ph.approval_ref"),
                key="funds_exp_ref",
            )
        reason = _reason_field("funds_exp_reason", "funds.help.exception_reason")
        with st.container(horizontal=True):
            check = st.form_submit_button(
                t("funds.entry.check"), icon=":material/rule:", key="funds_exp_check"
            )
            save = st.form_submit_button(t("common.save"), type="primary", key="funds_exp_save")

    if check or save:
        found = None
        # The expense is checked against the rules of the year it is charged to.
        charged = ufunds.rules_for(version, budget_year)
        typed = ExpenseDraft(
            township_id=township_id,
            occurred_on=occurred_on,
            budget_year=budget_year,
            category=category,
            amount=amount,
            payee=payee,
            purpose=purpose,
            receipt_no=receipt_no,
            presidium_approved=approved,
            approval_ref=approval_ref,
        )
        try:
            draft = funds.prepare_expense(typed)
            with session_scope() as session:
                found = funds.check_expense(session, draft, charged)
        except ServiceError as exc:
            st.error(error_text(exc))
        if found is not None:
            errors = [v for v in found if v.severity == Severity.error]
            if check:
                if found:
                    ufunds.show_violations(found, charged)
                else:
                    st.success(t("funds.entry.check_ok"))
            elif errors and not reason.strip():
                ufunds.show_violations(found, charged)
                st.error(t("funds.entry.need_reason"))
            else:
                try:
                    with session_scope() as session:
                        saved = funds.record_expense(session, actor, draft, exception_reason=reason)
                except RuleViolationError as exc:
                    ufunds.show_violations(exc.violations, charged)
                    st.error(t("funds.entry.need_reason"))
                except ServiceError as exc:
                    st.error(error_text(exc))
                else:
                    if saved.flagged:
                        head = t("funds.entry.saved_flagged", id=saved.id)
                        _flash(
                            "expense",
                            [("warning", head), *_violation_lines(saved.violations, charged)],
                        )
                    else:
                        _flash("expense", [("success", t("funds.entry.saved", id=saved.id))])
                    st.session_state[RESET] = ("expense",)
                    st.rerun()

# --- budget -----------------------------------------------------------------------------------

with tab_budget:
    _show_flash("budget")
    st.caption(
        t(
            "funds.entry.budget_caption",
            district=percent(rules.funds.district_share),
            township=percent(rules.funds.township_share),
            per_deputy=yuan(rules.funds.per_deputy_activity_yuan),
        )
    )
    lines = ufunds.budget_table(version, actor, year, township_id)
    st.dataframe(
        ufunds.budget_frame(lines, rules),
        hide_index=True,
        width="stretch",
        key="funds_budget_table",
    )
    with st.form("funds_budget_form", border=True):
        b_category = st.selectbox(
            t("funds.field.category"),
            codes,
            format_func=lambda c: ufunds.category_label(rules, c, lang),
            key=f"funds_bud_category_{lang}",
        )
        b_amount = st.text_input(
            t("funds.field.budget_amount", year=year),
            max_chars=20,
            placeholder=t("funds.ph.amount"),
            key="funds_bud_amount",
        )
        left, right = st.columns(2)
        with left:
            b_district = st.text_input(
                t("funds.field.district_share"),
                max_chars=20,
                placeholder=t("funds.ph.share_auto"),
                key="funds_bud_district",
            )
        with right:
            b_township = st.text_input(
                t("funds.field.township_share"),
                max_chars=20,
                placeholder=t("funds.ph.share_auto"),
                key="funds_bud_township",
            )
        b_reason = _reason_field("funds_bud_reason", "funds.help.budget_exception_reason")
        b_save = st.form_submit_button(t("common.save"), type="primary", key="funds_bud_save")
    if b_save:
        try:
            with session_scope() as session:
                saved_budget = funds.set_budget(
                    session,
                    actor,
                    township_id=township_id,
                    year=year,
                    category=b_category,
                    amount=b_amount,
                    district_share=b_district.strip(),
                    township_share=b_township.strip(),
                    exception_reason=b_reason,
                )
        except RuleViolationError as exc:
            ufunds.show_violations(exc.violations, rules)
            st.error(t("funds.entry.budget_need_reason"))
        except ServiceError as exc:
            st.error(error_text(exc))
        else:
            lines = _violation_lines(saved_budget.violations, rules)
            if saved_budget.flagged:
                head = ("warning", t("funds.entry.budget_saved_flagged"))
            else:
                head = ("success", t("common.saved"))
            _flash("budget", [head, *lines])
            st.session_state[RESET] = ("budget",)
            st.rerun()

# --- this year's expenses ---------------------------------------------------------------------

with tab_list:
    listed = ufunds.expenses(cached.data_version(), actor, year, township_id)
    if listed.empty:
        st.info(t("funds.entry.no_expenses", year=year))
    else:
        st.caption(t("funds.entry.list_caption", n=len(listed), year=year))
        st.dataframe(
            ufunds.expenses_frame(listed, rules),
            hide_index=True,
            width="stretch",
            key="funds_expense_list",
        )
