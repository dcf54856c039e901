"""Formatting of dates, money, counts and percentages in the active language."""

import json
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from ui.i18n import current_lang, t

_LOCALES = {"zh": "zh_Hans_CN", "en": "en_US"}


def _locale(lang: str | None) -> str:
    return _LOCALES[lang or current_lang()]


def yuan(amount: Decimal, lang: str | None = None) -> str:
    return _yuan(amount, _locale(lang))


# Leaders read money in 万元 (ten thousand yuan) on charts and in summaries.
WAN = Decimal(10000)


def wan_yuan(amount: Decimal | int | float, lang: str | None = None, *, digits: int = 1) -> str:
    """An amount of yuan in 万元 with ``digits`` decimals: zh "12.3万元", en "12.3 × 10,000
    yuan" (the same figure in both languages). An amount that is not zero never reads as zero:
    ¥482 is "0.05万元", with as many decimals as it takes (at most four, one yuan)."""
    value = Decimal(str(amount)) / WAN
    while digits < 4 and value and round(value, digits) == 0:
        digits += 1
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    text = format_decimal(value, format=pattern, locale=_locale(lang))
    return f"{text}万元" if (lang or current_lang()) == "zh" else f"{text} × 10,000 yuan"


def number(value: float | int | Decimal, lang: str | None = None) -> str:
    return _number(value, _locale(lang))


def percent(share: float | None, lang: str | None = None) -> str:
    if share is None:
        return "—"
    return _percent(share, _locale(lang))


# A large table formats the same few figures thousands of times: each is formatted once.
@lru_cache(maxsize=16384, typed=True)
def _number(value: float | int | Decimal, locale: str) -> str:
    return format_decimal(value, locale=locale)


@lru_cache(maxsize=16384, typed=True)
def _yuan(amount: Decimal, locale: str) -> str:
    return format_currency(
        amount, "CNY", format="¤#,##0.00", locale=locale, currency_digits=False
    ).replace("CN¥", "¥")


@lru_cache(maxsize=16384, typed=True)
def _percent(share: float, locale: str) -> str:
    return format_percent(share, format="#,##0%", locale=locale)


def points_delta(difference: float) -> dict[str, Any]:
    """A metric's ``delta`` of points, signed to one decimal: a difference that rounds to zero
    shows as ±0.0 without an arrow or a colour (no unit is ahead of an equal score)."""
    text = f"{difference:+.1f}"
    if float(text) == 0:
        return {"delta": "±0.0", "delta_color": "off", "delta_arrow": "off"}
    return {"delta": text}


def day(d: date, lang: str | None = None) -> str:
    return _day(d, _locale(lang))


@lru_cache(maxsize=16384, typed=True)
def _day(d: date, locale: str) -> str:
    # A province's tables repeat the same few hundred days thousands of times.
    return format_date(d, format="medium", locale=locale)


def month_day(d: date, lang: str | None = None) -> str:
    lang = lang or current_lang()
    pattern = "M月d日" if lang == "zh" else "MMM d"
    return format_date(d, format=pattern, locale=_locale(lang))


# The district keeps Beijing time; the database keeps UTC.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_time(moment: datetime | None) -> str:
    if moment is None or moment != moment:  # None or NaT
        return ""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def compact_json(value) -> str:
    """A short one-line rendering of an audit snapshot (empty for none)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def ranking_title(board: Any, year: int, lang: str | None = None) -> str:
    """The title of a ranking of the appraisal's totals: who leads and the median, or, while no
    unit has a point (nothing recorded yet), that no unit has scored."""
    top = board.units[0]
    if top.total <= 0:
        return t("overview.ranking_title_none", lang, year=year)
    return t(
        "overview.ranking_title",
        lang,
        year=year,
        top=top.name(lang or current_lang()),
        score=f"{top.total:.1f}",
        median=f"{board.median_total:.1f}",
    )
