"""How roster imports recognise a constituency or a person written the way an office writes it.

A constituency is compared in ``constituency_key`` form: ``match_form`` (width, case, spaces,
punctuation and traditional characters folded) with every number read as its value, so
"第一选区", "第1选区", "第 01 选区" and "第壹选区" are one constituency. When a name matches
none, ``closest`` proposes the nearest one for the message.
"""

import difflib
import re

from services.validation import match_form

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
    "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_NUMERAL = re.compile("[" + "".join(_DIGITS) + "".join(_UNITS) + "]+")
_ARABIC = re.compile(r"\d+")
# The least likeness (difflib's ratio) at which a name is offered as the one meant.
NEAR_ENOUGH = 0.6


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral: 十二 → 12, 二十 → 20, 一百零五 → 105, and digits read
    one by one when no unit is written (一〇五 → 105)."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


def constituency_key(name: str) -> str:
    """The form two constituency names are compared in (see the module's docstring)."""
    key = _NUMERAL.sub(lambda m: str(chinese_number(m.group(0))), match_form(name or ""))
    return _ARABIC.sub(lambda m: str(int(m.group(0))), key)


def closest(name: str, names: list[str]) -> str | None:
    """The one of ``names`` nearest to ``name``; None when none is near enough or two are
    equally near (a guess between two would mislead)."""
    key = constituency_key(name)
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, constituency_key(n)).ratio(), n) for n in names),
        reverse=True,
    )
    if not scored or scored[0][0] < NEAR_ENOUGH:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]
