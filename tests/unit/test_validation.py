"""The one free-text policy every form and import follows."""

import pytest

from services.errors import ValidationError
from services.validation import clean_text, has_markup


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("满意率 < 90% 的事项", False),
        ("3>2，已办结", False),
        ("<>", False),
        ("第一行\n第二行\t附注", False),
        ("<b>加粗</b>", True),
        ("< script>alert(1)</script>", True),
        ("</div>", True),
        ("<!-- 注释 -->", True),
        ("<?xml version='1.0'?>", True),
        ("<img src=x onerror=alert(1)>", True),
        ("响铃\x07", True),
        ("删除\x7f", True),
    ],
)
def test_what_counts_as_markup(text, markup):
    assert has_markup(text) is markup


def test_text_is_trimmed_and_normalised():
    # "é" typed as e + combining accent is stored as the one composed character.
    assert clean_text("  Cafe\u0301 座谈  ", field="title", limit=10) == "Café 座谈"
    assert clean_text(None, field="note", limit=10) == ""


@pytest.mark.parametrize(
    ("value", "kwargs", "key", "params"),
    [
        ("   ", {"required": True}, "error.required", {}),
        ("", {"required": True, "required_key": "x.title_required"}, "x.title_required", {}),
        ("长" * 11, {}, "error.too_long", {"n": 10}),
        ("长" * 11, {"too_long_key": "x.too_long.title"}, "x.too_long.title", {"n": 10}),
        (12, {}, "error.not_text", {}),
        ("<b>x</b>", {}, "error.markup", {}),
    ],
)
def test_refusals_name_the_field(value, kwargs, key, params):
    with pytest.raises(ValidationError) as err:
        clean_text(value, field="title", limit=10, **kwargs)
    assert (err.value.field, err.value.key, err.value.params) == ("title", key, params)


def test_exactly_at_the_limit_is_accepted():
    assert clean_text("长" * 10, field="title", limit=10) == "长" * 10
