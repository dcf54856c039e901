"""The working calendar: which days are working days in China.

One source for every screen and task that speaks of working days (the contact day's nearest
working day: T07, the alerts, the reporting status, the coverage screen). A day is a working day
by, in this order:

1. the district's local exceptions in the rule set (a local holiday, a local working day);
2. China's official calendar of public holidays and swapped working days (调休), from the pinned
   package ``chinesecalendar`` (e.g. 20 Feb 2026 falls in the Spring Festival holiday, Sunday
   20 Sep 2026 is a swapped working day);
3. past the years that package covers: Monday to Friday.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

# A contact day's nearest working day is looked for at most this far away (the longest
# official holiday, with its weekends, is nine days).
MAX_SEARCH_DAYS = 31


@lru_cache(maxsize=4096)
def official_working_day(day: date) -> bool:
    """China's official calendar, Monday to Friday past the years it covers (a fixed answer per
    day, kept once asked: every unit's contact days ask about the same few days)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_working_day(
    day: date, *, holidays: Iterable[date] = (), working_days: Iterable[date] = ()
) -> bool:
    """Whether ``day`` is a working day, local exceptions first (see the module docstring)."""
    if day in set(holidays):
        return False
    if day in set(working_days):
        return True
    return official_working_day(day)


def nearest_working_days(
    day: date, *, holidays: Iterable[date] = (), working_days: Iterable[date] = ()
) -> tuple[date, date]:
    """The last working day before ``day`` and the first after it."""
    holidays, working_days = frozenset(holidays), frozenset(working_days)

    def step(direction: int) -> date:
        for n in range(1, MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=direction * n)
            if is_working_day(candidate, holidays=holidays, working_days=working_days):
                return candidate
        return day + timedelta(days=direction)

    return step(-1), step(1)
