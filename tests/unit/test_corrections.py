"""The shared rules of correcting and withdrawing a saved record."""

import pytest
from sqlmodel import select

from models import AuditLog, Township
from services import corrections, years
from services.errors import InUse, PermissionDenied, ValidationError
from tests.factories import ADMIN, add_unit, clerk_of


def test_a_reason_is_required_and_kept_to_its_limit():
    with pytest.raises(ValidationError) as refused:
        corrections.reason_of("   ")
    assert refused.value.key == "error.reason_required"
    with pytest.raises(ValidationError) as refused:
        corrections.reason_of("x" * 501)
    assert refused.value.key == "error.too_long"
    assert corrections.reason_of("  日期录错  ") == "日期录错"


def test_only_the_units_writer_may_change_and_not_in_a_closed_year(session):
    town = add_unit(session, "xz")
    other = add_unit(session, "ll", order=2)
    clerk = clerk_of(town)
    assert corrections.check_change(session, clerk, town, 2026, "录错") == "录错"
    with pytest.raises(PermissionDenied):
        corrections.check_change(session, clerk_of(other), town, 2026, "录错")
    years.close_year(session, ADMIN, 2026, reason="年终")
    with pytest.raises(PermissionDenied) as refused:
        corrections.check_change(session, clerk, town, 2026, "录错")
    assert refused.value.key == "error.year_closed"


def test_a_record_with_dependents_names_them():
    corrections.refuse_if_depended({"expense": 0})
    with pytest.raises(InUse) as refused:
        corrections.refuse_if_depended({"expense": 2, "supervision_item": 0})
    assert refused.value.dependents == {"expense": 2}


def test_correction_and_withdrawal_are_audited_with_their_reason(session):
    tid = add_unit(session, "xz")
    town = session.get(Township, tid)
    before = {"name_zh": town.name_zh}
    town.name_zh = "新庄"
    corrections.corrected(
        session, ADMIN, town, entity="township", township_id=tid, before=before, reason="改名"
    )
    row = session.get(Township, tid)
    corrections.withdrawn(
        session,
        ADMIN,
        row,
        entity="township",
        township_id=tid,
        before={"name_zh": "新庄"},
        reason="重复录入",
    )
    logs = session.exec(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(log.action, log.reason) for log in logs[-2:]] == [
        ("update", "改名"),
        ("delete", "重复录入"),
    ]
    assert logs[-2].before == {"name_zh": "xz镇"} and logs[-2].after["name_zh"] == "新庄"
    assert session.get(Township, tid) is None
