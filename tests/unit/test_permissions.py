"""Permissions live in the services: every role × a write on its own and another township."""

import pytest
from sqlmodel import select

from models import AuditLog, OrgGuarantee, Township
from models.enums import Role, UnitType
from services import org
from services.errors import PermissionDenied
from services.permissions import (
    Actor,
    can_read_township,
    readable_township_ids,
    scope_to_readable,
)


@pytest.fixture
def two_units(session):
    a = Township(code="a", name_zh="甲镇", name_en="A Town", unit_type=UnitType.town, sort_order=1)
    b = Township(
        code="b", name_zh="乙街道", name_en="B", unit_type=UnitType.subdistrict, sort_order=2
    )
    session.add_all([a, b])
    session.commit()
    return a.id, b.id


def _actor(role: Role, township_id: int | None) -> Actor:
    return Actor(
        id=None, username=f"{role.value}-{township_id}", role=role, township_id=township_id
    )


def _write(session, actor: Actor, township_id: int) -> int:
    return org.set_three_ones(
        session,
        actor,
        township_id=township_id,
        year=2026,
        department_name="人大办",
        department_note="党委文件 2026-3 号",
    )


# (role, writes own township?, writes the other township?)
CASES = [
    (Role.district_admin, True, True),
    (Role.district_leader, False, False),
    (Role.township_staff, True, False),
]


@pytest.mark.parametrize(("role", "own_ok", "other_ok"), CASES)
def test_write_on_own_and_other_township(session, two_units, role, own_ok, other_ok):
    own, other = two_units
    actor = _actor(role, own if role == Role.township_staff else None)
    for target, allowed in ((own, own_ok), (other, other_ok)):
        if allowed:
            _write(session, actor, target)
        else:
            with pytest.raises(PermissionDenied) as err:
                _write(session, actor, target)
            expected = (
                "error.permission.read_only"
                if role == Role.district_leader
                else "error.permission.other_township"
            )
            assert err.value.key == expected
    written = set(session.exec(select(OrgGuarantee.township_id)).all())
    assert written == {t for t, ok in ((own, own_ok), (other, other_ok)) if ok}
    # Every accepted write left one audit row, a refused one none.
    assert len(session.exec(select(AuditLog)).all()) == len(written)


def test_a_clerk_without_township_writes_nowhere(session, two_units):
    with pytest.raises(PermissionDenied):
        _write(session, _actor(Role.township_staff, None), two_units[0])


def test_reading_scope_by_role(two_units):
    own, other = two_units
    clerk = _actor(Role.township_staff, own)
    assert readable_township_ids(clerk) == [own]
    assert can_read_township(clerk, own) and not can_read_township(clerk, other)
    for role in (Role.district_admin, Role.district_leader):
        assert readable_township_ids(_actor(role, None)) is None
        assert can_read_township(_actor(role, None), other)


def test_reading_scope_narrowed_to_one_unit(two_units):
    own, other = two_units
    clerk = _actor(Role.township_staff, own)
    leader = _actor(Role.district_leader, None)
    assert readable_township_ids(clerk, own) == [own]
    assert readable_township_ids(clerk, other) == []
    assert readable_township_ids(leader, other) == [other]


def test_a_query_scoped_to_what_the_actor_reads(session, two_units):
    own, other = two_units
    stmt = select(Township.id).order_by(Township.id)

    def ids(actor, township_id=None):
        return session.exec(scope_to_readable(stmt, Township.id, actor, township_id)).all()

    clerk = _actor(Role.township_staff, own)
    leader = _actor(Role.district_leader, None)
    assert ids(clerk) == [own]
    assert ids(clerk, other) == []
    assert ids(leader) == [own, other]
    assert ids(leader, other) == [other]


def test_a_clerk_lists_only_their_own_township(session, two_units):
    own, _ = two_units
    assert [u.id for u in org.list_townships(session, _actor(Role.township_staff, own))] == [own]
    assert len(org.list_townships(session, _actor(Role.district_leader, None))) == 2


@pytest.mark.parametrize("role", [Role.district_leader, Role.township_staff])
def test_only_the_admin_adds_or_retires_units(session, two_units, role):
    actor = _actor(role, two_units[0])
    with pytest.raises(PermissionDenied):
        org.add_township(
            session, actor, code="c", name_zh="丙乡", name_en="C", unit_type="township"
        )
    with pytest.raises(PermissionDenied):
        org.update_township(session, actor, two_units[0], active=False)
    assert len(session.exec(select(Township)).all()) == 2
