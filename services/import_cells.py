"""One spreadsheet cell read as a value of its column's kind: text, a person's name, a phone
number, a whole number, yes/no, a date. A value that does not fit raises ``CellError`` naming
the message (``imports.error.…``), which the import lists as a problem of that row and column.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from services.validation import has_markup, normalise

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "f"}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# A month alone, as rosters write a birth or term month: "1975.03", "1975-3", "1975年3月".
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
# Excel counts days from 30 Dec 1899 (its 1900 leap-year bug folded in); up to 31 Dec 9999.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_LAST_SERIAL = 2_958_465
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class CellError(Exception):
    """A value that does not fit its column; ``key`` and ``params`` name the message."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def clean_text(value: Any, *, max_len: int = 0) -> str:
    """Trimmed text; refuses markup and control characters, and text over ``max_len``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()[:10]
    text = normalise(str(value)).strip()
    if has_markup(text):
        raise CellError("imports.error.markup")
    if max_len and len(text) > max_len:
        raise CellError("imports.error.too_long", n=max_len)
    return text


def person_name(value: Any, *, max_len: int = 0) -> str:
    """A person's name as stored: clean text, and a Chinese name without the spaces offices
    type to line up two-character names ("王  伟" is 王伟); a Latin name keeps its spaces."""
    text = clean_text(value)
    text = re.sub(r"\s+", "" if _CJK.search(text) else " ", text)
    if max_len and len(text) > max_len:
        raise CellError("imports.error.too_long", n=max_len)
    return text


def phone_value(value: Any) -> str:
    """A mainland mobile (11 digits) or a landline with area code, spaces removed."""
    if isinstance(value, bool):
        raise CellError("imports.error.phone", value=str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"[\s()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    if _MOBILE.match(text.replace("-", "")):
        return text.replace("-", "")
    if _LANDLINE.match(text):
        return text
    raise CellError("imports.error.phone", value=str(value)[:30])


def is_phone(value: str) -> bool:
    try:
        phone_value(value)
    except CellError:
        return False
    return True


def int_value(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("imports.error.integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not re.fullmatch(r"-?\d+", text):
            raise CellError("imports.error.integer")
        number = int(text)
    if number < 0:
        raise CellError("imports.error.negative")
    return number


def bool_value(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("imports.error.yes_no")


def date_value(value: Any) -> date:
    """A date cell, an Excel serial number (a date column formatted as a number), or text
    such as 2026-01-20, 2026/1/20, 2026年1月20日, or a month alone (1975.03, 1975年3月: its
    first day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value <= _EXCEL_LAST_SERIAL and float(value).is_integer():
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("imports.error.date")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in (_DATE_TEXT, _MONTH_TEXT):
        match = pattern.match(text)
        if match:
            parts = [int(g) for g in match.groups()]
            try:
                return date(*parts, *([1] * (3 - len(parts))))
            except ValueError:
                break
    raise CellError("imports.error.date")
