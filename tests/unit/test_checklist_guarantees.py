"""Aspect D of the task list, T10: the count and the records behind a cell, on small
hand-built records, values worked by hand."""

from datetime import date

import pytest

from tests.factories import (
    add_integrated,
    add_unit,
    records,
    setup_rules,
    status,
)


@pytest.fixture
def town(session) -> int:
    setup_rules(session)
    return add_unit(session)


# ---------------------------------------------------------------------------------------------
# T10 integrated activities


def test_t10_counts_activities_of_at_least_two_levels(town, session):
    add_integrated(session, town, date(2026, 4, 1), "county,township")
    add_integrated(session, town, date(2026, 5, 1), "township")
    # One level named twice, or with an unknown code, is still one level.
    add_integrated(session, town, date(2026, 5, 8), "township,township")
    add_integrated(session, town, date(2026, 5, 15), "township,village")
    # Several levels, but not on the district's theme of the year.
    add_integrated(session, town, date(2026, 5, 22), "county,township", theme="自选主题")
    add_integrated(session, town, date(2026, 9, 1), "national,provincial,city,county,township")
    t = status(session, town, "T10", date(2026, 6, 30))
    assert (t.value, t.expected, t.status) == (1, 1, "on_track")
    assert status(session, town, "T10", date(2026, 9, 1)).status == "done"


def test_t10_records_count_what_t10_counts(town, session):
    add_integrated(session, town, date(2026, 4, 1), "county,township")
    # One level named twice is one level; several levels off the year's theme do not count.
    add_integrated(session, town, date(2026, 5, 8), "township,township")
    add_integrated(session, town, date(2026, 5, 22), "county,township", theme="自选主题")
    rows = records(session, town, "T10", date(2026, 6, 30))
    assert list(rows["counts"]) == [True, False, False]
    assert list(rows["detail"]) == ["county,township", "township,township", "county,township"]
    assert rows["text"][2] == "自选主题"
    assert status(session, town, "T10", date(2026, 6, 30)).value == 1
