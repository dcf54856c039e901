"""One source of strings: both catalogs hold the same keys, and no screen bypasses t()."""

import ast
import re
import string
from pathlib import Path

import pytest

from models.enums import AuditAction, Role, UnitType
from services.errors import ValidationError
from ui.i18n import LANGUAGES, catalog, error_text, label, t

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted((ROOT / "ui").glob("*.py")),
]
CJK = re.compile(r"[\u3400-\u9fff]")
# Arguments that show text to the user.
TEXT_KWARGS = {"label", "placeholder", "help", "body", "title", "caption", "button_name", "value"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_catalog_files():
    names = {
        lang: sorted(p.name for p in (ROOT / "ui" / "locales" / lang).glob("*.toml"))
        for lang in LANGUAGES
    }
    assert names["zh"] == names["en"]


def test_both_catalogs_hold_the_same_keys():
    zh, en = set(catalog("zh")), set(catalog("en"))
    assert zh - en == set(), "keys only in Chinese"
    assert en - zh == set(), "keys only in English"


def test_placeholders_match_between_languages():
    for key, text in catalog("zh").items():
        assert _placeholders(text) == _placeholders(catalog("en")[key]), key


def test_no_chinese_in_the_english_catalog_except_language_names_and_examples():
    allowed = {"lang.zh", "nav.language", "units.ph.zh"}
    leaks = [k for k, v in catalog("en").items() if CJK.search(v) and k not in allowed]
    assert leaks == []


@pytest.mark.parametrize(
    ("prefix", "enum"), [("role", Role), ("unit_type", UnitType), ("audit_action", AuditAction)]
)
def test_every_enum_value_has_a_label(prefix, enum):
    for lang in LANGUAGES:
        for value in enum:
            assert not label(prefix, value, lang).startswith("["), f"{lang}: {prefix}.{value}"


def test_a_missing_key_shows_itself_rather_than_crashing():
    assert t("no.such.key", "en") == "[no.such.key]"


def _literal_texts(tree: ast.AST):
    """String literals passed as user-facing text to a call (positional or text keyword)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in {"t", "label", "get", "pop", "Page", "startswith", "join", "format"}:
            continue
        if name.endswith("Error"):  # a developer's message, not UI text
            continue
        args = list(node.args) + [k.value for k in node.keywords if k.arg in TEXT_KWARGS]
        for arg in args:
            parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
            for part in parts:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    text = part.value
                    if CJK.search(text) or re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{2,}", text):
                        yield node.lineno, text


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_screens_hold_no_ui_literal(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = list(_literal_texts(tree))
    assert found == [], f"{path.name}: text that bypasses t(): {found}"


def test_the_scan_catches_a_literal():
    code = 'import streamlit as st\nst.title("工作总览")\nst.button(label="Save all now")\n'
    assert [text for _, text in _literal_texts(ast.parse(code))] == ["工作总览", "Save all now"]


def test_a_general_input_error_names_its_field():
    too_long = ValidationError("error.too_long", field="purpose", n=300)
    assert error_text(too_long, "zh") == "用途：内容过长，最多 300 个字。"
    assert error_text(too_long, "en") == "Purpose: Too long: at most 300 characters."
    # A field without a name in the catalog, or no field, leaves the message as it is.
    assert error_text(ValidationError("error.required", field="x_y"), "zh") == "此项为必填项。"
    assert error_text(ValidationError("error.required"), "en") == "This field is required."
    # A message that already says what it is about is not prefixed.
    own = ValidationError("funds.error.category", field="category")
    assert error_text(own, "zh") == t("funds.error.category", "zh")


def test_a_unit_is_named_in_the_language_asked_from_any_kind_of_row():
    import pandas as pd

    from models.enums import UnitType
    from services.org import TownshipInfo
    from ui.i18n import local_name, name_column

    info = TownshipInfo(
        id=1,
        code="a",
        name_zh="甲镇",
        name_en="A Town",
        unit_type=UnitType.town,
        population=None,
        active=True,
    )
    as_dict = {"name_zh": "甲镇", "name_en": "A Town"}
    for row in (info, as_dict, pd.Series(as_dict)):
        assert local_name(row, "zh") == "甲镇"
        assert local_name(row, "en") == "A Town"
    assert info.name("en") == "A Town"
    assert pd.DataFrame([as_dict])[name_column("en")].tolist() == ["A Town"]


def test_a_run_of_the_frame_reads_the_language_once(monkeypatch):
    import streamlit as st

    from ui import i18n

    reads = []

    class Session(dict):
        def get(self, key, default=None):
            reads.append(key)
            return super().get(key, default)

    state = Session(lang="en")
    monkeypatch.setattr(st, "session_state", state)
    with i18n.one_language():
        assert [t("app.title"), i18n.current_lang(), i18n.current_lang()][1:] == ["en", "en"]
    assert reads == ["lang"]
    # Outside a run of the frame (a fragment's rerun) every look-up reads the session.
    state["lang"] = "zh"
    assert i18n.current_lang() == "zh" and i18n.current_lang() == "zh"
    assert reads == ["lang"] * 3
    # An unknown language reads as the default, inside a run too.
    state["lang"] = "fr"
    with i18n.one_language():
        assert i18n.current_lang() == i18n.DEFAULT_LANG
