"""Free text typed into any form or read from an import: one policy for every service.

Text is normalised (NFC) and trimmed, kept under a length limit, and may not hold HTML tags,
script or control characters; a plain "<" as in "满意率 < 90%" is fine. The screens show stored
text as text, so the rule keeps the records clean for the exports and meeting materials built
from them.
"""

import re
import unicodedata
from typing import Any

from services.errors import ValidationError

_TAG = re.compile(r"<\s*(?:[/?]?\s*[A-Za-z]|!)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise ValidationError(required_key, field=field)
    if len(text) > limit:
        raise ValidationError(too_long_key, field=field, n=limit)
    if has_markup(text):
        raise ValidationError("error.markup", field=field)
    return text
