"""Funding overview: budget against spending, execution by month, rule violations and rewards."""

from datetime import date

import streamlit as st

from models.db import session_scope
from models.enums import Role
from models.funds import MAX_EXCEPTION_REASON
from services import clock, fund_reports, funds
from services.fund_rules import FUND_RULES, Severity
from ui import charts
from ui import data as cached
from ui import funds as ufunds
from ui import linkage as ulinkage
from ui.auth import page_actor
from ui.format import number, percent, wan_yuan, yuan
from ui.forms import saving, show_saved
from ui.i18n import current_lang, t
from ui.layout import page_header, selected_year

actor = page_actor(__file__)
# Choice widgets whose option labels depend on the language carry it in their key: a keyed
# widget keeps showing the label it was first drawn with.
lang = current_lang()
year = selected_year()
version = cached.data_version()
today = clock.today()
as_of = min(today, date(year, 12, 31))

page_header(
    t("funds.overview.title_district" if actor.is_district else "funds.overview.title_township"),
    t("funds.overview.caption", year=year),
)

show_saved()
rules = ufunds.rules_for(version, year)
units = cached.townships(version, actor)
names = {u.id: u.name(lang) for u in units}
table = ufunds.budget_table(version, actor, year)
found = ufunds.violations(version, actor, year)
report = ufunds.reward_report(version, actor, year, as_of)

# The screen's totals and counts, summed once per data version for every viewer.
head = charts.built(
    ("funds.head", version, actor, year, as_of, lang),
    lambda: ufunds.overview_head(table, found, report),
)
total_budget, total_spent, rewards_total = head.budget, head.spent, head.rewards

# District figures read in 万元, the exact amount one hover away; a clerk keeps the unit's books
# and reads the exact amount.
money = wan_yuan if actor.is_district else yuan
with st.container(key="funds_metrics", horizontal=True):
    st.metric(
        t("funds.metric.budget", year=year),
        money(total_budget),
        help=yuan(total_budget),
        border=True,
    )
    st.metric(t("funds.metric.spent"), money(total_spent), help=yuan(total_spent), border=True)
    st.metric(t("funds.metric.rate"), ufunds.rate_text(total_spent, total_budget), border=True)
    st.metric(t("funds.metric.violations"), head.counts_text, border=True)
    st.metric(
        t("funds.metric.rewards"),
        money(rewards_total),
        help=yuan(rewards_total),
        border=True,
    )

# --- budget against spending -------------------------------------------------------------------

st.subheader(t("funds.overview.execution"))
if total_budget == 0 and total_spent == 0:
    st.info(t("funds.overview.no_budget", year=year))
else:
    category_codes = charts.built(
        ("funds.categories", version, actor, year), lambda: list(dict.fromkeys(table["category"]))
    )
    if actor.is_district and len(units) > 1:
        # Past one district: one bar per county-level district, or a chosen district's units.
        county = ulinkage.pick_county(version, actor, lang, key="funds_overview_county")
        if county is not None:
            units = [u for u in units if u.parent_id == county]
        choice = st.selectbox(
            t("funds.overview.filter_category"),
            ["", *category_codes],
            format_func=lambda c: (
                ufunds.category_label(rules, c, lang) if c else t("funds.all", lang)
            ),
            key=f"funds_overview_category_{lang}",
        )
        # Summed and drawn once per data version, language and choice for every viewer.
        chart = charts.built(
            ("funds.by_unit", version, actor, year, lang, county, choice),
            lambda: ufunds.unit_bars(
                table,
                units,
                counties=ulinkage.counties(version) if county is None else [],
                category=choice,
                year=year,
                lang=lang,
            ),
        )
        charts.show(chart, key="funds_chart_by_township")

    unit_choice = None
    if len(units) > 1:
        unit_choice = st.selectbox(
            t("funds.overview.filter_township"),
            [None, *[u.id for u in units]],
            format_func=lambda i: names[i] if i is not None else t("funds.all_townships", lang),
            key=f"funds_overview_township_{lang}",
        )
    scope = (
        names[unit_choice]
        if unit_choice is not None
        else (names[units[0].id] if len(units) == 1 else t("funds.scope_district"))
    )
    categories = charts.built(
        ("funds.by_category", version, actor, year, lang, unit_choice, scope),
        lambda: ufunds.category_bars(table, rules, unit_choice, scope=scope, year=year, lang=lang),
    )
    if categories.chart is not None:
        charts.show(categories.chart, key="funds_chart_by_category")

    # --- execution over the months -------------------------------------------------------------
    # Drawn once per data version, day, language and choice for every viewer.
    monthly = charts.built(
        ("funds.monthly", version, actor, year, today, lang, unit_choice, scope),
        lambda: ufunds.monthly_view(
            ufunds.monthly(version, actor, year, unit_choice),
            year=year,
            today=today,
            scope=scope,
            lang=lang,
        ),
    )
    if monthly is not None:
        charts.show(monthly.chart, key="funds_chart_monthly")
        if year <= today.year and monthly.spent_to_date != categories.spent:
            outside = categories.spent - monthly.spent_to_date
            st.caption(t("funds.overview.outside_months", amount=yuan(outside)))

# --- violations -------------------------------------------------------------------------------

st.subheader(t("funds.overview.violations"))
st.caption(
    t(
        "funds.overview.violations_caption",
        open=number(head.standing),
        pending=number(head.pending),
        warnings=number(head.warnings),
        excepted=number(head.excepted),
    )
)
if not found:
    st.success(t("funds.overview.no_violations"))
else:
    left, right = st.columns(2)
    with left:
        codes = st.multiselect(
            t("funds.overview.filter_rule"),
            list(FUND_RULES),
            format_func=lambda code: ufunds.rule_title(code, lang),
            placeholder=t("funds.all_rules"),
            key=f"funds_violation_rules_{lang}",
        )
    with right:
        severities = st.multiselect(
            t("funds.col.severity"),
            list(Severity),
            format_func=lambda s: ufunds.severity_label(s, lang),
            placeholder=t("funds.all_severities"),
            key=f"funds_violation_severity_{lang}",
        )
    # The filtered list and its table, built once per data version and filter for every viewer.
    shown, frame = charts.built(
        ("funds.violations_table", version, actor, year, lang, tuple(codes), tuple(severities)),
        lambda: ufunds.violations_table(found, rules, names, codes=codes, severities=severities),
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="funds_violations_table",
        on_select="rerun",
        selection_mode="single-row",
    )
    picked = event.selection.rows if event is not None else []
    if picked:
        chosen = shown[picked[0]]
        ids = chosen.expense_ids
        st.markdown(f"**{ufunds.rule_title(chosen.code)}** · {names.get(chosen.township_id, '')}")
        if ids:
            rows = ufunds.expenses(version, actor, year, chosen.township_id)
            rows = rows[rows["id"].isin(ids)]
            st.dataframe(
                ufunds.expenses_frame(rows, rules),
                hide_index=True,
                width="stretch",
                key="funds_violation_records",
            )
        else:
            sep = "；" if lang == "zh" else "; "
            st.caption(sep.join(ufunds.record_text(r, rules) for r in chosen.records))
    else:
        st.caption(t("funds.overview.pick_violation"))

# --- the district admin's decisions on justified exceptions -------------------------------------

if actor.role == Role.district_admin:
    st.subheader(t("funds.exception_title"))
    st.caption(t("funds.exception_caption"))
    claims = {(c.kind, c.id): c for c in ufunds.exception_claims(version, actor, year)}
    if not claims:
        st.info(t("funds.exception_none"))
    else:
        picked_claim = st.selectbox(
            t("funds.exception_pick"),
            list(claims),
            format_func=lambda k: ufunds.claim_text(claims[k], rules, names, lang),
            key=f"funds_claim_pick_{lang}",
        )
        claim = claims[picked_claim]
        with st.form(f"funds_claim_{claim.kind}_{claim.id}", border=True):
            st.markdown(ufunds.claim_text(claim, rules, names))
            st.caption(t("funds.exception_reason_is", reason=claim.reason))
            note = st.text_input(
                t("funds.exception_note"),
                max_chars=MAX_EXCEPTION_REASON,
                key=f"funds_claim_note_{claim.kind}_{claim.id}",
            )
            with st.container(horizontal=True):
                approve = st.form_submit_button(
                    t("funds.exception_approve"),
                    type="primary",
                    key=f"funds_claim_approve_{claim.kind}_{claim.id}",
                )
                give_back = st.form_submit_button(
                    t("funds.exception_return"), key=f"funds_claim_return_{claim.kind}_{claim.id}"
                )
        if approve or give_back:
            done = "funds.exception_approved" if approve else "funds.exception_returned"
            with saving(t(done)) as session:
                funds.decide_exception(
                    session, actor, claim.kind, claim.id, approve=approve, note=note
                )

# --- rewards ----------------------------------------------------------------------------------

st.subheader(t("funds.overview.rewards"))
st.caption(
    t(
        "funds.overview.rewards_caption",
        excellent=yuan(rules.rewards.excellent_yuan),
        platform=yuan(rules.rewards.outstanding_platform_yuan),
        share=percent(rules.rewards.outstanding_platform_min_share),
        activities=yuan(rules.rewards.distinctive_activities_yuan),
        n=rules.rewards.distinctive_min_activities,
        levels=rules.rewards.distinctive_min_levels,
    )
)
if not report.rows:
    st.info(t("funds.overview.no_reward_units"))
else:
    if all(r.grade is None for r in report.rows):
        st.info(t("funds.overview.no_grades"))
    st.dataframe(
        charts.built(
            ("funds.rewards_table", version, actor, year, as_of, lang),
            lambda: ufunds.rewards_frame(report, rules),
        ),
        hide_index=True,
        width="stretch",
        key="funds_rewards",
    )
st.metric(
    t("funds.metric.rewards_total" if actor.is_district else "funds.metric.rewards_own"),
    yuan(rewards_total),
    border=True,
)

# --- export -----------------------------------------------------------------------------------


def _workbook() -> bytes:
    # Built only when the button is clicked, in a thread of its own: no session state there.
    with session_scope() as session:
        expense_df = fund_reports.list_expenses(session, actor, year=year)
        current = fund_reports.fund_violations(session, actor, year=year)
    return ufunds.excel_bytes(expense_df, current, rules, names, lang)


st.download_button(
    t("funds.export.button"),
    data=_workbook,
    file_name=t("funds.export.file_name", year=year),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="funds_export",
    on_click="ignore",
    icon=":material/download:",
)
