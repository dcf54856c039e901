"""Every create, update and delete through the services leaves who, when, what, before, after."""

import pytest
from sqlmodel import select

from models import AuditLog, Township
from models.enums import Role, UnitType
from services import org
from services.errors import ValidationError
from services.permissions import Actor
from tests.factories import ADMIN


def test_create_and_update_leave_before_and_after(session):
    tid = org.add_township(
        session, ADMIN, code="Xin", name_zh="新镇", name_en="Xin Town", unit_type=UnitType.town
    )
    org.update_township(session, ADMIN, tid, name_zh="新城镇", active=False)
    rows = session.exec(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.entity, r.entity_id) for r in rows] == [
        ("create", "township", tid),
        ("update", "township", tid),
    ]
    create, update = rows
    assert create.before is None and create.after["code"] == "xin"
    assert create.township_id == tid and update.township_id == tid
    assert update.username == "admin" and update.at is not None
    assert update.before["name_zh"] == "新镇" and update.before["active"] is True
    assert update.after["name_zh"] == "新城镇" and update.after["active"] is False


def test_an_upsert_records_create_then_update(session):
    tid = org.add_township(
        session, ADMIN, code="y", name_zh="乙镇", name_en="Y", unit_type=UnitType.town
    )
    clerk = Actor(id=None, username="clerk", role=Role.township_staff, township_id=tid)
    for dept in ("", "人大办"):
        org.set_three_ones(
            session,
            clerk,
            township_id=tid,
            year=2026,
            department_name=dept,
            department_note="党委文件 2026-3 号",
        )
    rows = session.exec(
        select(AuditLog).where(AuditLog.entity == "org_guarantee").order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].before["has_department"] is False and rows[1].after["has_department"] is True
    assert rows[1].township_id == tid and rows[1].username == "clerk"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "", "name_zh": "甲", "name_en": "A"}, "code"),
        ({"code": "a", "name_zh": "  ", "name_en": "A"}, "name_zh"),
        ({"code": "a", "name_zh": "甲" * 41, "name_en": "A"}, "name_zh"),
        ({"code": "a", "name_zh": "甲", "name_en": "A", "population": -5}, "population"),
    ],
)
def test_a_refused_write_saves_and_audits_nothing(session, kwargs, field):
    with pytest.raises(ValidationError) as err:
        org.add_township(session, ADMIN, unit_type=UnitType.town, **kwargs)
    assert err.value.field == field
    session.rollback()
    assert session.exec(select(AuditLog)).all() == []


def test_a_duplicate_code_is_refused(session):
    org.add_township(session, ADMIN, code="a", name_zh="甲", name_en="A", unit_type="town")
    with pytest.raises(ValidationError) as err:
        org.add_township(session, ADMIN, code="A", name_zh="甲2", name_en="A2", unit_type="town")
    assert err.value.key == "error.duplicate.township"


def test_html_in_a_unit_name_is_refused(session):
    with pytest.raises(ValidationError) as err:
        org.add_township(
            session, ADMIN, code="h", name_zh="<script>x</script>", name_en="H", unit_type="town"
        )
    assert (err.value.field, err.value.key) == ("name_zh", "error.markup")
    session.rollback()
    assert session.exec(select(Township).where(Township.code == "h")).first() is None
