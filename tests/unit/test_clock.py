"""The product's clock: the machine's date unless APP_TODAY pins it."""

from datetime import date

import pytest

from services import clock


def test_the_clock_is_the_machines_date_unless_pinned(monkeypatch):
    monkeypatch.delenv(clock.ENV, raising=False)
    assert clock.today() == date.today()
    monkeypatch.setenv(clock.ENV, "2028-02-29")
    assert clock.today() == date(2028, 2, 29)


def test_a_malformed_pin_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv(clock.ENV, "29/02/2028")
    with pytest.raises(ValueError, match="APP_TODAY"):
        clock.today()


def test_the_year_choices_follow_the_pinned_clock(monkeypatch):
    """In 2028 the sidebar offers 2028, 2027 and 2026 (three years, all after the first rules)."""
    from ui import layout

    monkeypatch.setenv(clock.ENV, "2028-03-01")
    monkeypatch.setattr(layout, "first_rules_year", lambda: 2025)
    assert layout._year_options() == ["2028", "2027", "2026"]
    assert layout.as_of_for(2026) == date(2026, 12, 31)
    assert layout.as_of_for(2028) == date(2028, 3, 1)
