"""Free text typed into any form or read from an import: one policy for every service.

Text is normalised once (``normalise``: Unicode NFC; full-width letters and digits become plain
ones; invisible and bidirectional control characters removed; line and paragraph separators
become line breaks), trimmed, kept under a length limit, and may not hold HTML tags,
script or control characters; a plain "<" as in "满意率 < 90%" is fine. What is stored is the
normalised text, so duplicate checks and rule checks compare what a person would read.

Stored text keeps Chinese full-width punctuation as typed: full NFKC would turn "，" into ",".
For matching words against a rule (a banned purpose) or comparing names, ``match_form`` goes
further: NFKC, lower case, no spaces or punctuation, and traditional characters folded to
simplified ones, so "宴 請代表" matches the banned word "宴请".
"""

import re
import unicodedata
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from services import clock
from services.errors import ValidationError

_TAG = re.compile(r"<\s*(?:[/?]?\s*[A-Za-z]|!)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that draw nothing or reorder text: zero-width spaces and joiners, direction marks
# and overrides, the byte-order mark, the soft hyphen, the word joiner and its kin.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_LINE_SEPARATORS = re.compile("[\u2028\u2029\u0085]")
_NOT_WORD = re.compile(r"[\W_]+")


# Full-width digits and Latin letters, folded to their plain forms in stored text.
_FULL_WIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
}


def normalise(text: str) -> str:
    """The text as stored: NFC, full-width letters and digits made plain, invisible and bidi
    controls removed, line separators as line breaks.

    Spaces inside are kept (an address has them); ``clean_text`` trims the ends.
    """
    text = _LINE_SEPARATORS.sub("\n", text)
    text = unicodedata.normalize("NFC", text).translate(_FULL_WIDTH_ALNUM)
    return _INVISIBLE.sub("", text)


@cache
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1 << 16)
def match_form(text: str) -> str:
    """The form two texts are compared in for rule matching: normalised, lower case, without
    spaces or punctuation, traditional characters folded to simplified ones. Kept per text: the
    fund rules fold every purpose and payee of a year, and offices repeat them."""
    plain = unicodedata.normalize("NFKC", normalise(text or ""))
    folded = _to_simplified().convert(plain).lower()
    return _NOT_WORD.sub("", folded)


def has_markup(text: str) -> bool:
    """True for an HTML tag or comment, a script, or a control character other than a line
    break or a tab."""
    return bool(_TAG.search(text) or _CONTROL.search(text))


def clean_text(
    value: Any,
    *,
    field: str,
    limit: int,
    required: bool = False,
    required_key: str = "error.required",
    too_long_key: str = "error.too_long",
) -> str:
    """The trimmed text of a form field, or a ValidationError that names the field: not text,
    required but empty (``required_key``), over ``limit`` characters (``too_long_key`` with
    ``n``), or holding markup."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("error.not_text", field=field)
    text = normalise(value).strip()
    if required and not text:
        raise ValidationError(required_key, field=field)
    if len(text) > limit:
        raise ValidationError(too_long_key, field=field, n=limit)
    if has_markup(text):
        raise ValidationError("error.markup", field=field)
    return text


def past_date(
    value: Any,
    *,
    field: str,
    today: date | None = None,
    year: int | None = None,
    earliest: date | None = None,
) -> date:
    """The date of something that has happened, as typed: a date (not a datetime), not after
    ``today``, inside ``year`` when given, not before ``earliest`` when given. Each refusal is a
    ValidationError naming ``field`` (the form shows it next to the field)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError("error.date_required", field=field)
    today = today or clock.today()
    if value > today:
        raise ValidationError("error.date_future", field=field, today=today.isoformat())
    if year is not None and value.year != year:
        raise ValidationError("error.date_outside_year", field=field, year=year)
    if earliest is not None and value < earliest:
        raise ValidationError("error.date_too_old", field=field, earliest=earliest.isoformat())
    return value
