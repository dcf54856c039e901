"""Budget and expense entry: each form checks the fund rules before saving and says which rule
breaks and why; an expense that breaks a rule allowing exceptions may be saved with a reason,
for the district admin to approve. Every saved expense and budget line can be corrected or
withdrawn with a stated reason."""

from datetime import date

import streamlit as st

from models.funds import (
    MAX_APPROVAL_REF,
    MAX_EXCEPTION_REASON,
    MAX_PAYEE,
    MAX_PURPOSE,
    MAX_RECEIPT_NO,
)
from services import clock, funds
from services.fund_rules import default_shares
from services.funds import ExpenseDraft
from services.money import to_yuan
from ui import data as cached
from ui import funds as ufunds
from ui.auth import page_actor
from ui.format import day, percent, yuan
from ui.forms import (
    date_field,
    reason_input,
    saved,
    saving,
    show_saved,
    withdraw_form,
    working_unit,
)
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

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
}
RESET = "funds_entry_reset"
# Counts the saves of prefilled forms; their widget keys carry it, so after a save the form is
# drawn anew from the record as saved (the browser would keep showing a value only removed
# from the session).
GENERATION = "funds_entry_generation"

actor = page_actor(__file__)
for slot in st.session_state.pop(RESET, ()):
    for key, value in RESETS[slot].items():
        st.session_state[key] = value
generation = st.session_state.get(GENERATION, 0)


def _next_generation() -> None:
    st.session_state[GENERATION] = generation + 1


# Choice widgets whose option labels depend on the language carry it in their key: a keyed
# widget keeps showing the label it was first drawn with.
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = clock.today()

page_header(t("funds.entry.title"), t("funds.entry.caption", year=year))

names = {u.id: u.name(lang) for u in cached.townships(version, actor)}
if not actor.is_district and actor.township_id not in names:
    st.info(t("funds.entry.no_unit"))
    st.stop()
township_id = working_unit(
    actor,
    names,
    label=t("funds.entry.unit"),
    key=f"funds_entry_unit_{lang}",
    empty=t("funds.entry.no_unit"),
)
if not actor.is_district:
    st.caption(t("funds.entry.unit_fixed", unit=names[township_id]))

rules = ufunds.rules_for(version, year)
codes = [c.code for c in rules.funds.categories]


def _reason_field(key: str, help_key: str, value: str = "") -> str:
    """Why a record that breaks a rule is a justified exception (left empty otherwise)."""
    return st.text_area(
        t("funds.field.exception_reason"),
        value=value,
        max_chars=MAX_EXCEPTION_REASON,
        placeholder=t("funds.ph.exception_reason"),
        help=t(help_key),
        key=key,
        height=80,
    )


def _saved_text(result, *, expense_id: int | None = None) -> str:
    if result.flagged:
        if expense_id is None:
            return t("funds.entry.budget_saved_pending")
        return t("funds.entry.saved_pending", id=expense_id)
    return t("funds.entry.saved", id=expense_id) if expense_id else t("common.saved")


def _expense_fields(prefix: str, row=None) -> dict:
    """The expense form's fields (prefilled from ``row`` when correcting one); returns what is
    typed. Keys start with ``prefix``."""
    first_year, last_year = today.year - funds.MAX_PAST_YEARS, today.year + 1
    year_options = [y for y in (year - 1, year, year + 1) if first_year <= y <= last_year]
    if row is not None and int(row["budget_year"]) not in year_options:
        year_options.append(int(row["budget_year"]))
    charged_year = int(row["budget_year"]) if row is not None else year
    default_day = today if year >= today.year else date(year, 12, 31)
    left, right = st.columns(2)
    with left:
        occurred_on = date_field(
            t("funds.field.occurred_on") + " *",
            value=row["occurred_on"] if row is not None else default_day,
            key=f"{prefix}_date",
        )
        budget_year = st.selectbox(
            t("funds.field.budget_year"),
            year_options,
            index=year_options.index(charged_year) if charged_year in year_options else 0,
            format_func=lambda y: t("funds.year_n", lang, year=y),
            key=f"{prefix}_year_{lang}",
        )
        category = st.selectbox(
            t("funds.field.category"),
            codes,
            index=codes.index(row["category"])
            if row is not None and row["category"] in codes
            else 0,
            format_func=lambda c: ufunds.category_label(rules, c, lang),
            key=f"{prefix}_category_{lang}",
        )
        amount = st.text_input(
            t("funds.field.amount") + " *",
            value=f"{row['amount']}" if row is not None else "",
            max_chars=20,
            placeholder=t("funds.ph.amount"),
            key=f"{prefix}_amount",
        )
        receipt_no = st.text_input(
            t("funds.field.receipt_no"),
            value=row["receipt_no"] if row is not None else "",
            max_chars=MAX_RECEIPT_NO,
            placeholder=t("funds.ph.receipt_no"),
            key=f"{prefix}_receipt",
        )
    with right:
        payee = st.text_input(
            t("funds.field.payee") + " *",
            value=row["payee"] if row is not None else "",
            max_chars=MAX_PAYEE,
            placeholder=t("funds.ph.payee"),
            key=f"{prefix}_payee",
        )
        purpose = st.text_input(
            t("funds.field.purpose") + " *",
            value=row["purpose"] if row is not None else "",
            max_chars=MAX_PURPOSE,
            placeholder=t("funds.ph.purpose"),
            key=f"{prefix}_purpose",
        )
        approved = st.checkbox(
            t("funds.field.presidium_approved"),
            value=bool(row["presidium_approved"]) if row is not None else False,
            help=t(
                "funds.help.presidium_approved",
                threshold=yuan(rules.funds.approval_threshold_yuan),
            ),
            key=f"{prefix}_approved",
        )
        approval_ref = st.text_input(
            t("funds.field.approval_ref"),
            value=row["approval_ref"] if row is not None else "",
            max_chars=MAX_APPROVAL_REF,
            placeholder=t("funds.ph.approval_ref"),
            key=f"{prefix}_ref",
        )
    excuse = _reason_field(
        f"{prefix}_reason",
        "funds.help.exception_reason",
        value=row["exception_reason"] if row is not None else "",
    )
    return {
        "draft": ExpenseDraft(
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
        ),
        "excuse": excuse,
    }


LAST_SAVED = "_funds_exp_last_saved"
tab_expense, tab_budget, tab_list = st.tabs(
    [t("funds.entry.tab_expense"), t("funds.entry.tab_budget"), t("funds.entry.tab_list")]
)

# --- expense ----------------------------------------------------------------------------------

with tab_expense:
    show_saved(slot="expense")
    with st.form("funds_expense_form", border=True):
        typed = _expense_fields("funds_exp")
        with st.container(horizontal=True):
            check = st.form_submit_button(
                t("funds.entry.check"), icon=":material/rule:", key="funds_exp_check"
            )
            save = st.form_submit_button(t("common.save"), type="primary", key="funds_exp_save")

    # The late second click of a double click finds the form emptied by the first save: it
    # saves nothing and says again what was saved, instead of refusing an empty form.
    untouched = not any(
        str(st.session_state.get(f"funds_exp_{field}") or "").strip()
        for field in ("amount", "receipt", "payee", "purpose")
    )
    if save and untouched and (again := st.session_state.pop(LAST_SAVED, None)):
        saved(again, slot="expense")
    if check or save:
        st.session_state.pop(LAST_SAVED, None)
        draft, excuse = typed["draft"], typed["excuse"]
        # The expense is checked against the rules of the year it is charged to.
        charged = ufunds.rules_for(version, draft.budget_year)
        found = ufunds.precheck(draft, charged)
        if found is not None:
            if found:
                ufunds.show_violations(found, charged)
            if check:
                if not found:
                    st.success(t("funds.entry.check_ok"))
            elif ufunds.may_save(found, excuse):
                with saving(slot="expense") as session:
                    result = funds.record_expense(session, actor, draft, exception_reason=excuse)
                    st.session_state[RESET] = ("expense",)
                    st.session_state[LAST_SAVED] = _saved_text(result, expense_id=result.id)
                    saved(st.session_state[LAST_SAVED], slot="expense")

# --- budget -----------------------------------------------------------------------------------

with tab_budget:
    show_saved(slot="budget")
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
    saved_lines = ufunds.budget_lines(version, actor, year, township_id)
    b_category = st.selectbox(
        t("funds.field.category"),
        codes,
        format_func=lambda c: (
            ufunds.category_label(rules, c, lang) + (" ✓" if c in saved_lines else "")
        ),
        key=f"funds_bud_category_{lang}",
    )
    line = saved_lines.get(b_category)
    tag = f"{b_category}_{line.id if line else 'new'}_{generation}"
    # Shares that follow the rule's split are left empty (computed again from a new amount);
    # shares agreed otherwise are shown as saved.
    shares = ("", "")
    if line is not None:
        saved_shares = (to_yuan(line.district_share_fen), to_yuan(line.township_share_fen))
        if saved_shares != default_shares(to_yuan(line.amount_fen), rules):
            shares = (f"{saved_shares[0]}", f"{saved_shares[1]}")
    bud_keys = [f"funds_bud_{f}_{tag}" for f in ("amount", "district", "township", "reason", "why")]
    if line is not None and line.exception_status == "returned":
        st.warning(t("funds.entry.exception_returned", note=line.exception_note))
    with st.form(f"funds_budget_form_{tag}", border=True):
        st.markdown(f"**{t('funds.entry.budget_fix' if line else 'funds.entry.budget_new')}**")
        b_amount = st.text_input(
            t("funds.field.budget_amount", year=year) + " *",
            value=f"{to_yuan(line.amount_fen)}" if line else "",
            max_chars=20,
            placeholder=t("funds.ph.amount"),
            key=bud_keys[0],
        )
        left, right = st.columns(2)
        with left:
            b_district = st.text_input(
                t("funds.field.district_share"),
                value=shares[0],
                max_chars=20,
                placeholder=t("funds.ph.share_auto"),
                key=bud_keys[1],
            )
        with right:
            b_township = st.text_input(
                t("funds.field.township_share"),
                value=shares[1],
                max_chars=20,
                placeholder=t("funds.ph.share_auto"),
                key=bud_keys[2],
            )
        b_excuse = _reason_field(
            bud_keys[3],
            "funds.help.budget_exception_reason",
            value=line.exception_reason if line else "",
        )
        b_why = reason_input(bud_keys[4]) if line else ""
        b_save = st.form_submit_button(t("common.save"), type="primary", key="funds_bud_save")
    if b_save:
        with ufunds.rule_saving(rules, slot="budget") as session:
            if line is None:
                result = funds.set_budget(
                    session,
                    actor,
                    township_id=township_id,
                    year=year,
                    category=b_category,
                    amount=b_amount,
                    district_share=b_district.strip(),
                    township_share=b_township.strip(),
                    exception_reason=b_excuse,
                )
            else:
                result = funds.correct_budget(
                    session,
                    actor,
                    line.id,
                    amount=b_amount,
                    district_share=b_district.strip(),
                    township_share=b_township.strip(),
                    exception_reason=b_excuse,
                    reason=b_why,
                )
            _next_generation()
            saved(_saved_text(result), slot="budget")
    if line is not None:
        what = ufunds.category_label(rules, line.category, lang)
        if (why := withdraw_form(f"funds_bud_withdraw_{line.id}", what=what)) is not None:
            with saving(t("funds.entry.budget_withdrawn"), slot="budget") as session:
                funds.withdraw_budget(session, actor, line.id, reason=why)
                _next_generation()

# --- this year's expenses: list, correct, withdraw ---------------------------------------------

with tab_list:
    show_saved(slot="list")
    listed = ufunds.expenses(version, actor, year, township_id)
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
        st.subheader(t("funds.entry.fix"))
        st.caption(t("funds.entry.fix_caption"))
        labels = {
            int(r["id"]): f"#{r['id']} · {day(r['occurred_on'])} · {yuan(r['amount'])} · "
            f"{r['purpose']}"
            for _, r in listed.iterrows()
        }
        pick_key = f"funds_fix_pick_{lang}"
        expense_id = st.selectbox(
            t("funds.entry.fix_pick"),
            list(labels),
            index=None,
            format_func=labels.__getitem__,
            placeholder=t("funds.entry.fix_pick"),
            key=pick_key,
        )
        if expense_id is not None:
            row = listed[listed["id"] == expense_id].iloc[0]
            if row["exception_status"] == "returned":
                st.warning(t("funds.entry.exception_returned", note=row["exception_note"]))
            prefix = f"funds_fix_{expense_id}_{generation}"
            with st.form(f"{prefix}_form", border=True):
                fixed = _expense_fields(prefix, row)
                why = reason_input(f"{prefix}_why")
                fix_save = st.form_submit_button(t("funds.entry.fix_save"), type="primary")
            if fix_save:
                draft, excuse = fixed["draft"], fixed["excuse"]
                charged = ufunds.rules_for(version, draft.budget_year)
                found = ufunds.precheck(draft, charged, exclude=expense_id)
                if found is not None:
                    if found:
                        ufunds.show_violations(found, charged)
                    if ufunds.may_save(found, excuse):
                        with saving(slot="list") as session:
                            funds.correct_expense(
                                session,
                                actor,
                                expense_id,
                                draft,
                                reason=why,
                                exception_reason=excuse,
                            )
                            _next_generation()
                            saved(t("funds.entry.corrected", id=expense_id), slot="list")
            if (gone := withdraw_form(f"{prefix}_withdraw", what=labels[expense_id])) is not None:
                with saving(t("funds.entry.withdrawn"), slot="list") as session:
                    funds.withdraw_expense(session, actor, expense_id, reason=gone)
