"""Why a rule set was not saved, in the user's language: one table for every rule editor."""

from collections.abc import Iterable

import pandas as pd

from services.rules import RuleProblem, RuleSetError
from ui.i18n import has, t


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
    rows = list(rows)
    return pd.DataFrame(
        {
            t("rules.problem_col.path", lang): [path for path, _ in rows],
            t("rules.problem_col.message", lang): [text for _, text in rows],
        }
    )
