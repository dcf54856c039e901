"""Money (金额): integer fen (分) in the database, exact ``Decimal`` yuan in Python, and yuan as a
user types it. No float is involved anywhere."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from services.errors import ValidationError

CENT = Decimal("0.01")
# A sanity bound on typed input, not a funding rule: a single amount above 100 million yuan is a
# typing slip.
MAX_YUAN = Decimal("100000000.00")

_DIGITS = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def parse_yuan(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """Yuan typed by a user ("1,234.50", "¥80", "１２．５") as an exact Decimal with two places.

    Refuses floats (already inexact), NaN and infinities, signs, exponents, more than two
    decimals, zero (unless ``allow_zero``) and amounts over ``MAX_YUAN``.
    """
    if isinstance(value, bool | float):
        raise ValidationError("funds.error.amount_invalid", field=field)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError("funds.error.amount_invalid", field=field)
        amount = value
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
        text = text.removeprefix("¥").strip()
        if not text:
            raise ValidationError("funds.error.amount_required", field=field)
        if text.startswith("-"):
            raise ValidationError("funds.error.amount_negative", field=field)
        if not _DIGITS.match(text):
            raise ValidationError("funds.error.amount_invalid", field=field)
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            raise ValidationError("funds.error.amount_invalid", field=field) from None
    else:
        raise ValidationError("funds.error.amount_invalid", field=field)
    if amount < 0:
        raise ValidationError("funds.error.amount_negative", field=field)
    if amount > MAX_YUAN:
        raise ValidationError("funds.error.amount_too_large", field=field, max=MAX_YUAN)
    if amount != amount.quantize(CENT):
        raise ValidationError("funds.error.amount_decimals", field=field)
    if amount == 0 and not allow_zero:
        raise ValidationError("funds.error.amount_zero", field=field)
    return amount.quantize(CENT)


def to_fen(amount: Decimal) -> int:
    """Decimal yuan with at most two places as integer fen."""
    fen = amount.scaleb(2)
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(fen)


def to_yuan(fen: int | Decimal | None) -> Decimal:
    """Integer fen (a SQL SUM may come back as Decimal on PostgreSQL) as Decimal yuan."""
    return Decimal(int(fen or 0)).scaleb(-2)
