"""Why a rule set was not saved, in the user's language: one table for every rule editor."""

import re
from collections.abc import Iterable

import pandas as pd

from services.rules import RuleProblem, RuleSetError
from ui.i18n import has, t

# Where each key path is edited, by the label the rule editors show it with (list indexes dropped).
FIELD_LABELS = {
    "funds.per_deputy_activity_yuan": "funds.rules.per_deputy",
    "funds.lost_work_subsidy_monthly_yuan": "funds.rules.lost_work",
    "funds.approval_threshold_yuan": "funds.rules.threshold",
    "funds.district_share": "funds.rules.district_share",
    "funds.township_share": "funds.rules.township_share",
    "funds.banned_purposes": "funds.rules.banned",
    "funds.exception_allowed": "funds.rules.exception_allowed",
    "funds.categories.code": "funds.rules.col.code",
    "funds.categories.zh": "funds.rules.col.zh",
    "funds.categories.en": "funds.rules.col.en",
    "funds": "funds.rules.section_funds",
    "rewards.excellent_yuan": "funds.rules.excellent",
    "rewards.outstanding_platform_yuan": "funds.rules.platform",
    "rewards.distinctive_activities_yuan": "funds.rules.activities",
    "rewards.outstanding_platform_min_share": "funds.rules.min_share",
    "rewards.distinctive_min_activities": "funds.rules.min_activities",
    "rewards.distinctive_min_levels": "funds.rules.min_levels",
    "appraisal.weights": "appraisal_rules.weights",
    "appraisal.grades": "appraisal_rules.grades",
    "appraisal.adjustments.township": "appraisal_rules.col.unit",
    "appraisal.adjustments.points": "appraisal_rules.col.points",
    "appraisal.adjustments.reason": "appraisal_rules.col.reason",
    "checklist.tasks.weight": "checklist.rules.col.weight",
    "checklist.tasks.target": "checklist.rules.col.target",
    "checklist.tasks.schedule": "checklist.rules.col.schedule",
    "checklist.tasks.warn_days": "checklist.rules.col.warn_days",
    "contact_day.local_holidays": "checklist.rules.local_holidays",
    "contact_day.local_working_days": "checklist.rules.local_working_days",
    "contact_day.day_of_month": "checklist.rules.day",
    "contact_day.tolerance": "checklist.rules.tolerance",
    "contact_day.min_participation": "checklist.rules.min_participation",
    "themes": "guarantees.admin.themes",
    "platforms.eight_haves": "guarantees.admin.eight_haves",
    "platforms.v2_items": "guarantees.admin.v2_items",
    "platforms": "guarantees.admin.eight_haves",
    "(root)": "rules.whole",
}
_INDEX = re.compile(r"\[(\d+)\]")


def where(path: str, lang: str | None = None) -> str:
    """The field a key path names, as the editor labels it, with the table row when the path
    points into a list: "代码（第 9 行）". A path no editor shows stays as it is."""
    plain = _INDEX.sub("", path)
    parts = plain.split(".")
    for n in range(len(parts), 0, -1):
        key = FIELD_LABELS.get(".".join(parts[:n]))
        if key:
            text = t(key, lang)
            if index := _INDEX.search(path):
                text += t("rules.row", lang, n=int(index.group(1)) + 1)
            return text
    return path


def problem_text(problem: RuleProblem, lang: str | None = None) -> str:
    """The problem's message by its kind, with its figures (e.g. "不能小于 0。")."""
    key = f"rules.problem.{problem.type}"
    if has(key, lang):
        return t(key, lang, **problem.ctx)
    return t("rules.problem.other", lang)


def problem_rows(exc: RuleSetError, lang: str | None = None) -> list[tuple[str, str]]:
    """(key path, message) for each problem of a refused rule set."""
    return [(p.path, problem_text(p, lang)) for p in exc.details]


def problems_frame(rows: Iterable[tuple[str, str]], lang: str | None = None) -> pd.DataFrame:
    """The problem table of a rule editor, each (key path, message) placed by ``where``."""
    rows = list(rows)
    return pd.DataFrame(
        {
            t("rules.problem_col.path", lang): [where(path, lang) for path, _ in rows],
            t("rules.problem_col.message", lang): [text for _, text in rows],
        }
    )
