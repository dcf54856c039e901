"""Formatting of dates, money, counts and percentages in the active language."""

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from ui.i18n import current_lang

_LOCALES = {"zh": "zh_Hans_CN", "en": "en_US"}


def _locale(lang: str | None) -> str:
    return _LOCALES[lang or current_lang()]


def yuan(amount: Decimal, lang: str | None = None) -> str:
    return format_currency(
        amount, "CNY", format="¤#,##0.00", locale=_locale(lang), currency_digits=False
    ).replace("CN¥", "¥")


def number(value: float | int | Decimal, lang: str | None = None) -> str:
    return format_decimal(value, locale=_locale(lang))


def percent(share: float | None, lang: str | None = None) -> str:
    if share is None:
        return "—"
    return format_percent(share, format="#,##0%", locale=_locale(lang))


def day(d: date, lang: str | None = None) -> str:
    return format_date(d, format="medium", locale=_locale(lang))


def month_day(d: date, lang: str | None = None) -> str:
    lang = lang or current_lang()
    pattern = "M月d日" if lang == "zh" else "MMM d"
    return format_date(d, format=pattern, locale=_locale(lang))
