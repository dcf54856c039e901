"""Closed years: once closed, a year's records stand. Clerks are refused; the admin corrects
only after reopening with a reason, and each correction is counted for every screen's notice."""

from datetime import date

import pytest
from sqlmodel import func, select

from models import AuditLog, Township, Visit
from models.enums import Role, UnitType, VisitKind
from services import contact_days, years
from services.errors import PermissionDenied, ValidationError
from services.permissions import Actor

ADMIN = Actor(id=None, username="admin", role=Role.district_admin)
DAY_2025 = date(2025, 12, 20)
DAY_2026 = date(2026, 3, 20)


@pytest.fixture
def unit(session):
    row = Township(code="a", name_zh="甲镇", name_en="A", unit_type=UnitType.town)
    session.add(row)
    session.commit()
    return row.id


def _visit(session, actor, unit, day, note="走访"):
    return contact_days.add_visit(
        session,
        actor,
        township_id=unit,
        kind=VisitKind.voter,
        held_on=day,
        people_visited=2,
        note=note,
        today=DAY_2026,
    )


def _visits(session) -> int:
    return session.exec(select(func.count()).select_from(Visit)).one()


def test_a_closed_year_refuses_the_clerk_and_leaves_other_years_open(session, unit):
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=unit)
    _visit(session, clerk, unit, DAY_2025, "关账前")
    years.close_year(session, ADMIN, 2025, reason="2025年考评已定稿")
    with pytest.raises(PermissionDenied) as err:
        _visit(session, clerk, unit, DAY_2025, "关账后")
    assert (err.value.key, err.value.params) == ("error.year_closed", {"year": 2025})
    assert _visit(session, clerk, unit, DAY_2026, "新的一年")
    assert _visits(session) == 2


def test_the_admin_corrects_only_after_reopening_with_a_reason(session, unit):
    years.close_year(session, ADMIN, 2025)
    with pytest.raises(PermissionDenied) as err:
        _visit(session, ADMIN, unit, DAY_2025)
    assert err.value.key == "error.year_closed_admin"
    with pytest.raises(ValidationError):
        years.reopen_year(session, ADMIN, 2025, reason="  ")
    years.reopen_year(session, ADMIN, 2025, reason="补录漏报的走访")
    clerk = Actor(id=None, username="c", role=Role.township_staff, township_id=unit)
    with pytest.raises(PermissionDenied):  # reopened for the admin only
        _visit(session, clerk, unit, DAY_2025)
    _visit(session, ADMIN, unit, DAY_2025, "更正一")
    _visit(session, ADMIN, unit, DAY_2025, "更正二")
    notice = years.close_notice(session, 2025)
    assert notice.reopened and notice.reopen_reason == "补录漏报的走访"
    assert notice.changes_after_close == 2
    years.close_year(session, ADMIN, 2025)
    notice = years.close_notice(session, 2025)
    assert not notice.reopened and notice.changes_after_close == 2
    with pytest.raises(PermissionDenied):
        _visit(session, ADMIN, unit, DAY_2025, "更正三")
    assert years.close_notice(session, 2026) is None
    trail = session.exec(select(AuditLog).where(AuditLog.entity == "year_close")).all()
    assert [row.after.get("reason") for row in trail] == ["", "补录漏报的走访", ""]


def test_a_refused_correction_counts_nothing(session, unit):
    years.close_year(session, ADMIN, 2025)
    years.reopen_year(session, ADMIN, 2025, reason="更正")
    with pytest.raises(ValidationError):  # a bad entry: nothing written, nothing counted
        contact_days.add_visit(
            session,
            ADMIN,
            township_id=unit,
            kind=VisitKind.voter,
            held_on=DAY_2025,
            people_visited=0,
            today=DAY_2026,
        )
    session.rollback()
    assert years.close_notice(session, 2025).changes_after_close == 0


def test_only_the_admin_closes_and_reopens(session, unit):
    leader = Actor(id=None, username="l", role=Role.district_leader)
    with pytest.raises(PermissionDenied):
        years.close_year(session, leader, 2025)
    years.close_year(session, ADMIN, 2025)
    with pytest.raises(ValidationError):
        years.close_year(session, ADMIN, 2025)
    with pytest.raises(PermissionDenied):
        years.reopen_year(session, leader, 2025, reason="x")
    with pytest.raises(ValidationError):
        years.reopen_year(session, ADMIN, 2024, reason="x")
