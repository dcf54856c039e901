"""The benchmark's synthetic districts: copies of the demo's units in the demo's proportions."""

from sqlmodel import func, select

from bench.scale import populate
from models import County, Deputy, Township, User
from models.enums import DeputyLevel, Role, UnitType
from seed.demo import read_units, township_deputy_quota

# A tiny scale: three units of the district (a town, the township, a sub-district), twice.
TINY = ("lailong", "caoji", "shunhe")


def test_each_replica_repeats_the_units_in_the_demos_proportions(session):
    specs = [u for u in read_units() if u["code"] in TINY]
    populate(session, 2, units=specs)

    units = session.exec(select(Township).order_by(Township.sort_order)).all()
    assert [u.code for u in units] == [
        "lailong",
        "caoji",
        "shunhe",
        "lailong-002",
        "caoji-002",
        "shunhe-002",
    ]
    assert units[3].name_zh == "来龙镇·002"
    assert [u.unit_type for u in units[3:]] == [u.unit_type for u in units[:3]]

    own = dict(
        session.exec(
            select(Deputy.township_id, func.count(Deputy.id))
            .where(Deputy.constituency_id.is_not(None))
            .group_by(Deputy.township_id)
        ).all()
    )
    for unit in units:
        if unit.unit_type == UnitType.subdistrict:
            # A working committee's district deputies: 15 to 25, drawn by the generator.
            assert 15 <= own[unit.id] <= 25, unit.code
        else:
            assert own[unit.id] == township_deputy_quota(unit.population), unit.code
    # Township deputies by the quota, in every replica: 来龙镇 45 + 37,600 // 1,500 = 70,
    # 曹集乡 45 + 30,900 // 1,500 = 65.
    assert own[units[0].id] == own[units[3].id] == 70
    assert own[units[1].id] == own[units[4].id] == 65

    # Each replica has the demo's higher-level deputies: 1 national, 2 provincial, 7 city.
    higher = session.exec(
        select(func.count(Deputy.id)).where(
            Deputy.level.in_([DeputyLevel.national, DeputyLevel.provincial, DeputyLevel.city])
        )
    ).one()
    assert higher == 2 * 10

    # One clerk per unit as in the demo, numbered on across replicas, plus admin and leader.
    clerks = dict(
        session.exec(
            select(User.username, User.township_id).where(User.role == Role.township_staff)
        ).all()
    )
    assert clerks == {f"clerk{n:02d}": u.id for n, u in enumerate(units, start=1)}
    roles = set(session.exec(select(User.role).where(User.username.in_(["admin", "leader"]))))
    assert roles == {Role.district_admin, Role.district_leader}


def test_past_one_district_each_replica_is_a_county_of_its_own(session):
    specs = [u for u in read_units() if u["code"] in TINY]
    populate(session, 2, units=specs)

    counties = session.exec(select(County).order_by(County.sort_order)).all()
    assert [(c.code, c.name_zh, c.name_en) for c in counties] == [
        ("county-001", "第001区", "District 001"),
        ("county-002", "第002区", "District 002"),
    ]
    units = session.exec(select(Township).order_by(Township.sort_order)).all()
    assert [u.parent_id for u in units] == [counties[0].id] * 3 + [counties[1].id] * 3


def test_one_district_has_no_county(session):
    specs = [u for u in read_units() if u["code"] in TINY]
    populate(session, 1, units=specs)

    assert session.exec(select(County)).all() == []
    assert {u.parent_id for u in session.exec(select(Township)).all()} == {None}
