"""Money typed by a user as exact Decimal yuan, and the fen stored in the database."""

from decimal import Decimal

import pytest

from services.errors import ValidationError
from services.money import parse_yuan, to_fen, to_yuan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5000", "5000.00"),
        ("5,000.01", "5000.01"),
        (" ¥80.5 ", "80.50"),
        ("１２．３４", "12.34"),  # full-width digits from a Chinese input method
        ("1.230", "1.23"),  # a trailing zero is not a third decimal
        (Decimal("0.01"), "0.01"),
        (7, "7.00"),
    ],
)
def test_amounts_parse_exactly(text, expected):
    assert parse_yuan(text) == Decimal(expected)
    assert str(parse_yuan(text)) == expected


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (0.1, "funds.error.amount_invalid"),  # a float is already inexact
        (True, "funds.error.amount_invalid"),
        ("NaN", "funds.error.amount_invalid"),
        ("inf", "funds.error.amount_invalid"),
        (Decimal("NaN"), "funds.error.amount_invalid"),
        ("1e3", "funds.error.amount_invalid"),
        ("12元", "funds.error.amount_invalid"),
        ("", "funds.error.amount_required"),
        ("-5", "funds.error.amount_negative"),
        (Decimal("-0.01"), "funds.error.amount_negative"),
        ("1.001", "funds.error.amount_decimals"),
        ("0", "funds.error.amount_zero"),
        ("100000000.01", "funds.error.amount_too_large"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(value, key):
    with pytest.raises(ValidationError) as err:
        parse_yuan(value)
    assert err.value.key == key and err.value.field == "amount"


def test_zero_is_a_valid_budget_and_fen_round_trip():
    assert parse_yuan("0", allow_zero=True) == Decimal("0.00")
    assert to_fen(Decimal("5000.01")) == 500001
    assert to_yuan(500001) == Decimal("5000.01")
    assert str(to_yuan(0)) == "0.00"
    assert to_yuan(Decimal(123)) == Decimal("1.23")  # a PostgreSQL SUM
    with pytest.raises(ValueError):
        to_fen(Decimal("0.015"))
