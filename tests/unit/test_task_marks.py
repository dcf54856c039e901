"""Hand marks: only the district admin sets and clears them, with evidence, every change
audited; the task list shows a marked task as done."""

import pytest
from sqlmodel import func, select

from models import AuditLog, TaskMark
from models.enums import Role
from services import task_marks
from services.errors import NotFound, PermissionDenied, ValidationError
from services.permissions import Actor
from tests.factories import ADMIN, LEADER, YEAR, add_unit, setup_rules


def clerk(tid: int) -> Actor:
    return Actor(id=None, username="clerk", role=Role.township_staff, township_id=tid)


@pytest.fixture
def town(session) -> int:
    setup_rules(session)
    return add_unit(session)


def _count(session, model) -> int:
    return session.exec(select(func.count(model.id))).one()


def test_hand_marks_are_for_the_admin_with_evidence_and_audited(town, session):
    for actor in (LEADER, clerk(town)):
        with pytest.raises(PermissionDenied):
            task_marks.set_task_mark(
                session, actor, township_id=town, year=YEAR, task_code="T05", evidence="x"
            )
    with pytest.raises(ValidationError) as err:
        task_marks.set_task_mark(
            session, ADMIN, township_id=town, year=YEAR, task_code="T05", evidence="  "
        )
    assert err.value.key == "checklist.error.evidence_required"
    with pytest.raises(ValidationError):
        task_marks.set_task_mark(
            session, ADMIN, township_id=town, year=YEAR, task_code="T11", evidence="x"
        )
    assert _count(session, TaskMark) == 0

    task_marks.set_task_mark(
        session, ADMIN, township_id=town, year=YEAR, task_code="T05", evidence="视察记录扫描件"
    )
    task_marks.set_task_mark(
        session, ADMIN, township_id=town, year=YEAR, task_code="T05", evidence="补充证明"
    )
    assert _count(session, TaskMark) == 1
    marks = task_marks.list_task_marks(session, ADMIN, year=YEAR)
    assert list(marks["evidence"]) == ["补充证明"]
    assert task_marks.list_task_marks(session, clerk(town + 1), year=YEAR).empty

    task_marks.clear_task_mark(session, ADMIN, township_id=town, year=YEAR, task_code="T05")
    assert _count(session, TaskMark) == 0
    actions = session.exec(
        select(AuditLog.action).where(AuditLog.entity == "task_mark").order_by(AuditLog.id)
    ).all()
    assert actions == ["create", "update", "delete"]
    with pytest.raises(NotFound):
        task_marks.clear_task_mark(session, ADMIN, township_id=town, year=YEAR, task_code="T05")
