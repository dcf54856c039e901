"""One source of strings: ``t("key")`` looks a text up in the active language's catalog.

The catalogs are the TOML files under ``ui/locales/zh/`` (default) and ``ui/locales/en/``, one
file per part of the product; the two folders hold the same files and the same keys.
"""

import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANG = "zh"


def _flatten(prefix: str, node: dict, out: dict[str, str]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = value


@cache
def catalog(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        part: dict[str, str] = {}
        _flatten("", tomllib.loads(path.read_text(encoding="utf-8")), part)
        if clash := part.keys() & out.keys():
            raise ValueError(f"{path}: keys defined twice: {sorted(clash)}")
        out |= part
    return out


# The language of one run of the app's frame, read from the session once (``one_language``):
# a screen looks up tens of texts per run, and each session-state read costs Streamlit a lookup
# of the run's context, a lock and the widget state.
_THIS_RUN: ContextVar[list[str] | None] = ContextVar("run_language", default=None)


@contextmanager
def one_language() -> Iterator[None]:
    """Around each run of the app's frame, whose first step settles the session's language
    (``ui.layout.init_url_state``; a switch takes effect on the next run)."""
    token = _THIS_RUN.set([])
    try:
        yield
    finally:
        _THIS_RUN.reset(token)


def current_lang() -> str:
    held = _THIS_RUN.get()
    if held:
        return held[0]
    try:
        import streamlit as st

        lang = st.session_state.get("lang", DEFAULT_LANG)
    except Exception:  # outside a Streamlit run (CLI, tests of plain helpers)
        lang = DEFAULT_LANG
    lang = lang if lang in LANGUAGES else DEFAULT_LANG
    if held is not None:
        held.append(lang)
    return lang


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """The text of ``key`` in ``lang`` (default: the session's language), formatted with params.

    A missing key shows as the key itself in brackets so it is noticed, never as a crash.
    """
    text = catalog(lang or current_lang()).get(key)
    if text is None:
        return f"[{key}]"
    return text.format(**params) if params else text


def name_column(lang: str) -> str:
    """The column that holds a unit's name in ``lang``: ``name_zh`` or ``name_en``."""
    return "name_zh" if lang == "zh" else "name_en"


def local_name(row: Any, lang: str) -> str:
    """The name of a unit (or anything with ``name_zh``/``name_en``) in ``lang``, from a row
    object, a dict or a table row."""
    column = name_column(lang)
    return row[column] if isinstance(row, Mapping | pd.Series) else getattr(row, column)


def has(key: str, lang: str | None = None) -> bool:
    return key in catalog(lang or current_lang())


def label(prefix: str, code: Any, lang: str | None = None) -> str:
    """The label of an enum value or code, e.g. ``label("role", Role.district_admin)``."""
    value = getattr(code, "value", code)
    return t(f"{prefix}.{value}", lang)


# Messages that do not say which field they are about; the field's name is put before them.
GENERAL_ERRORS = frozenset(
    {
        "error.required",
        "error.too_long",
        "error.markup",
        "error.not_text",
        "error.negative",
        "error.reason_required",
        "error.date_required",
        "error.date_future",
        "error.date_outside_year",
        "error.date_too_old",
    }
)


def error_text(exc: Exception, lang: str | None = None) -> str:
    """The user's-language message of a ServiceError, e.g. "用途：内容过长，最多 300 个字。"."""
    key = getattr(exc, "key", None)
    if key is None:
        return str(exc)
    dependents = getattr(exc, "dependents", None)
    if dependents is not None:  # InUse: name what depends on the record
        sep = "、" if (lang or current_lang()) == "zh" else ", "
        what = sep.join(t(f"dependent.{kind}", lang, n=n) for kind, n in dependents.items())
        return t(key, lang, what=what)
    text = t(key, lang, **getattr(exc, "params", {}))
    field = getattr(exc, "field", None)
    if key in GENERAL_ERRORS and field and has(f"field.{field}", lang):
        colon = "：" if (lang or current_lang()) == "zh" else ": "
        return f"{t(f'field.{field}', lang)}{colon}{text}"
    return text
