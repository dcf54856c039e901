"""Reporting status: late entries by the rule's threshold and what each unit still owes."""

from datetime import UTC, date, datetime

import pytest

from models import ContactDay, Expense, Meeting, Township, Visit
from models.enums import MeetingKind, Role, UnitType, VisitKind
from services import reporting, rules
from services.permissions import Actor
from tests.factories import LEADER


def _at(y, m, d, hour=9):
    return datetime(y, m, d, hour, tzinfo=UTC)


@pytest.fixture
def units(session):
    rules.install_defaults(session)
    town = Township(code="t", name_zh="甲镇", name_en="T", unit_type=UnitType.town, sort_order=1)
    sub = Township(
        code="s", name_zh="乙街道", name_en="S", unit_type=UnitType.subdistrict, sort_order=2
    )
    session.add_all([town, sub])
    session.commit()
    return town.id, sub.id


def test_late_entries_use_the_rule_threshold(session, units):
    town, sub = units
    # late_after_days = 10 in the 2026 defaults.
    session.add_all(
        [
            # 10 days after the fact: on time.
            Meeting(
                township_id=town,
                kind=MeetingKind.presidium,
                held_on=date(2026, 3, 2),
                title="一季度主席团会议",
                entered_at=_at(2026, 3, 12),
            ),
            # 11 days after: late by the rule.
            ContactDay(township_id=town, held_on=date(2026, 3, 20), entered_at=_at(2026, 3, 31)),
            # 40 days after.
            Visit(
                township_id=sub,
                kind=VisitKind.voter,
                held_on=date(2026, 4, 1),
                entered_at=_at(2026, 5, 11),
            ),
            Expense(
                township_id=sub,
                occurred_on=date(2026, 1, 5),
                budget_year=2026,
                category="other",
                amount_fen=100,
                payee="x",
                purpose="y",
                receipt_no="r1",
                entered_at=_at(2026, 1, 6),
            ),
            # Another year's late entry is not counted for 2026.
            ContactDay(township_id=town, held_on=date(2025, 12, 20), entered_at=_at(2026, 2, 1)),
        ]
    )
    session.commit()
    df = reporting.late_entries(session, LEADER, year=2026)
    assert list(zip(df["entity"], df["days_late"], strict=True)) == [
        ("visit", 40),
        ("contact_day", 11),
    ]
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=town)
    assert list(reporting.late_entries(session, clerk, year=2026)["entity"]) == ["contact_day"]

    data = rules.to_content(rules.get_rules(session, 2026))
    data["reporting"]["late_after_days"] = 30
    rules.save_rules(session, Actor(id=None, username="a", role=Role.district_admin), data)
    assert list(reporting.late_entries(session, LEADER, year=2026)["entity"]) == ["visit"]


def test_reporting_status_of_the_month_and_quarter(session, units):
    town, sub = units
    session.add_all(
        [
            ContactDay(township_id=town, held_on=date(2026, 11, 20), entered_at=_at(2026, 11, 20)),
            Meeting(
                township_id=town,
                kind=MeetingKind.presidium,
                held_on=date(2026, 10, 15),
                title="四季度主席团会议",
                entered_at=_at(2026, 10, 15),
            ),
            # A meeting held without a supervision topic is an entry of the month all the same.
            Meeting(
                township_id=town,
                kind=MeetingKind.presidium,
                held_on=date(2026, 11, 2),
                title="无议题的主席团会议",
                entered_at=_at(2026, 11, 2),
            ),
        ]
    )
    session.commit()
    before_day = {
        u.township_id: u
        for u in reporting.reporting_status(session, LEADER, as_of=date(2026, 11, 19))
    }
    assert not before_day[sub].contact_day_due  # the 20th has not come yet
    assert not before_day[sub].silent
    after = {
        u.township_id: u
        for u in reporting.reporting_status(session, LEADER, as_of=date(2026, 11, 27))
    }
    t, s = after[town], after[sub]
    assert (t.contact_day_due, t.contact_day_entered, t.presidium_held_this_quarter) == (
        True,
        True,
        True,
    )
    assert t.entries_this_month == 2  # the contact day and the meeting: the clerk is not silent
    assert not t.silent
    assert (s.contact_day_entered, s.presidium_applies, s.entries_this_month) == (False, False, 0)
    assert s.silent  # the contact day was due on the 20th and nothing came in this month
    # 20 Dec 2026 is a Sunday: the rule lets it be held up to Monday the 21st, so over the
    # weekend nothing is owed yet.
    weekend = reporting.reporting_status(session, LEADER, as_of=date(2026, 12, 20))
    assert not any(u.contact_day_due for u in weekend)
    monday = reporting.reporting_status(session, LEADER, as_of=date(2026, 12, 21))
    assert all(u.contact_day_due for u in monday)


def test_a_stored_rule_set_missing_a_newer_setting_takes_the_default(session):
    rules.install_defaults(session)
    from sqlmodel import select

    from models import RuleSet

    row = session.exec(select(RuleSet).where(RuleSet.year == 2026)).one()
    content = dict(row.content)
    del content["reporting"]
    content["linkage"] = {**content["linkage"], "voters_per_deputy": 12}
    row.content = content
    session.add(row)
    session.commit()
    loaded = rules.get_rules(session, 2026)
    assert loaded.reporting.late_after_days == 10  # from the seed file
    assert loaded.linkage.voters_per_deputy == 12  # the stored value wins
