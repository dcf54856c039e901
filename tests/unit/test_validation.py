"""The one free-text policy every form and import follows."""

import pytest

from services.errors import ValidationError
from services.validation import clean_text, has_markup, match_form


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


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("李\u200b四", "李四"),  # zero-width space
        ("\ufeff王五", "王五"),  # byte-order mark
        ("张\u202e三", "张三"),  # right-to-left override
        ("赵\u00ad六", "赵六"),  # soft hyphen
        ("第一行\u2028第二行", "第一行\n第二行"),  # line separator
        ("ＡＢＣ１２３", "ABC123"),  # full-width letters and digits
        ("防汛应急，会后补审！", "防汛应急，会后补审！"),  # Chinese punctuation stays as typed
    ],
)
def test_text_is_normalised_once_before_it_is_stored(typed, stored):
    assert clean_text(typed, field="note", limit=100) == stored


def test_a_name_of_only_invisible_characters_is_empty():
    with pytest.raises(ValidationError) as err:
        clean_text("\u200b\u200c\ufeff", field="name", limit=40, required=True)
    assert err.value.key == "error.required"


def test_the_match_form_folds_what_hides_a_word():
    assert match_form("宴\u200b請 代-表！") == match_form("宴请代表") == "宴请代表"
    assert match_form("ＫＴＶ包间") == "ktv包间"


def test_past_date_refuses_what_has_not_happened_and_names_the_field():
    from datetime import date, datetime

    from services.validation import past_date

    today = date(2026, 12, 2)
    assert past_date(date(2026, 12, 2), field="held_on", today=today, year=2026) == today
    cases = [
        (None, {}, "error.date_required"),
        (datetime(2026, 1, 5, 9, 0), {}, "error.date_required"),
        (date(2027, 1, 15), {}, "error.date_future"),
        (date(2025, 12, 31), {"year": 2026}, "error.date_outside_year"),
        (date(2024, 12, 31), {"earliest": date(2025, 1, 1)}, "error.date_too_old"),
    ]
    for value, extra, key in cases:
        with pytest.raises(ValidationError) as refused:
            past_date(value, field="held_on", today=today, **extra)
        assert (refused.value.key, refused.value.field) == (key, "held_on")
