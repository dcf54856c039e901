"""Today's date for the whole product, from one place so that it can be pinned.

``APP_TODAY=2026-11-27`` in the environment makes every screen and service default behave as on
that day: the page tests pin it to the day the demo data were generated for, so they read the
same in any year, and a demonstration can be shown as of a chosen day.
"""

import os
from datetime import date

ENV = "APP_TODAY"


def today() -> date:
    """The pinned day when ``APP_TODAY`` is set (ISO ``YYYY-MM-DD``), else the machine's date."""
    pinned = os.environ.get(ENV, "").strip()
    if not pinned:
        return date.today()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"{ENV} must be a date like 2026-11-27, not {pinned!r}") from None
