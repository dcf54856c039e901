"""Units may belong to a parent, a county-level district (County): the admin adds the
districts, gives a unit its district when adding it, moves or takes it out later; every change
is audited, and an unknown district is refused."""

import pandas as pd
import pytest
from sqlmodel import select

from models import AuditLog, County, Township
from models.enums import UnitType
from services import linkage, org
from services.errors import PermissionDenied, ValidationError
from tests.factories import ADMIN, LEADER


def test_units_are_added_to_a_county_and_moved_between_counties(session):
    north = org.add_county(session, ADMIN, code="North", name_zh="北区", name_en="North")
    south = org.add_county(session, ADMIN, code="south", name_zh="南区", name_en="South")
    assert [(c.code, c.name_zh, c.name_en) for c in org.list_counties(session)] == [
        ("north", "北区", "North"),
        ("south", "南区", "South"),
    ]

    town = org.add_township(
        session,
        ADMIN,
        code="xinzhen",
        name_zh="新镇",
        name_en="Xinzhen Town",
        unit_type=UnitType.town,
        parent_id=north,
    )
    alone = org.add_township(
        session, ADMIN, code="gu", name_zh="古乡", name_en="Gu", unit_type=UnitType.township
    )
    parents = {u.code: u.parent_id for u in org.list_townships(session)}
    assert parents == {"xinzhen": north, "gu": None}

    # A rename keeps the district; a move changes it; no_parent takes the unit out of any.
    org.update_township(session, ADMIN, town, name_zh="新城镇")
    assert org.get_township(session, town).parent_id == north
    org.update_township(session, ADMIN, town, parent_id=south)
    assert org.get_township(session, town).parent_id == south
    org.update_township(session, ADMIN, town, no_parent=True)
    assert org.get_township(session, town).parent_id is None
    assert org.get_township(session, alone).parent_id is None

    moves = session.exec(
        select(AuditLog).where(AuditLog.entity == "township", AuditLog.entity_id == town)
    ).all()
    assert [(m.before or {}).get("parent_id") for m in moves] == [None, north, north, south]
    assert [m.after["parent_id"] for m in moves] == [north, north, south, None]
    assert session.exec(select(AuditLog).where(AuditLog.entity == "county")).all()


def test_an_unknown_county_and_a_non_admin_are_refused(session):
    north = org.add_county(session, ADMIN, code="north", name_zh="北区", name_en="North")
    with pytest.raises(ValidationError) as refused:
        org.add_township(
            session,
            ADMIN,
            code="xinzhen",
            name_zh="新镇",
            name_en="Xinzhen",
            unit_type=UnitType.town,
            parent_id=north + 99,
        )
    assert refused.value.field == "parent_id"
    assert session.exec(select(Township)).all() == []
    with pytest.raises(ValidationError):
        org.add_county(session, ADMIN, code="NORTH", name_zh="又北区", name_en="North again")
    with pytest.raises(PermissionDenied):
        org.add_county(session, LEADER, code="east", name_zh="东区", name_en="East")
    assert len(session.exec(select(County)).all()) == 1


def test_coverage_by_county_sums_the_units_of_each_district():
    north = org.CountyInfo(1, "north", "北区", "North")
    south = org.CountyInfo(2, "south", "南区", "South")
    empty = org.CountyInfo(3, "east", "东区", "East")
    cov = pd.DataFrame(
        [
            # a town of the north: 8 of 10 members and 40 of 50 deputies linked enough
            {"township_id": 11, "presidium_applicable": True, "presidium_members": 10,
             "presidium_covered": 8, "deputies": 50, "deputies_covered": 40},
            # a sub-district of the north: no presidium, 20 of 20 deputies
            {"township_id": 12, "presidium_applicable": False, "presidium_members": 0,
             "presidium_covered": 0, "deputies": 20, "deputies_covered": 20},
            # a town of the south: 5 of 5 members, 15 of 30 deputies
            {"township_id": 21, "presidium_applicable": True, "presidium_members": 5,
             "presidium_covered": 5, "deputies": 30, "deputies_covered": 15},
        ]
    )  # fmt: skip
    part = pd.DataFrame(
        [
            {"township_id": 11, "month": 1, "participants": 40, "expected": 50},
            {"township_id": 12, "month": 1, "participants": 10, "expected": 20},
            {"township_id": 21, "month": 1, "participants": 30, "expected": 30},
        ]
    )
    parents = {11: 1, 12: 1, 21: 2}

    got = linkage.coverage_by_county(cov, part, parents, [north, south, empty])

    assert got["name_zh"].tolist() == ["北区", "南区"]  # a district without units is left out
    assert got["units"].tolist() == [2, 1]
    assert got["presidium_share"].tolist() == [0.8, 1.0]  # 8/10; 5/5
    assert got["deputy_share"].tolist() == [60 / 70, 0.5]  # (40+20)/(50+20); 15/30
    assert got["participation"].tolist() == [50 / 70, 1.0]  # (40+10)/(50+20); 30/30
