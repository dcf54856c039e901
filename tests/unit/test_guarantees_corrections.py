"""Guarantees and integrated work after they were saved: a closed year refuses every write, and
each record — the three ones, a platform and its yearly check, an integrated activity, a
commendation — is corrected or withdrawn by its unit's clerk or the admin, with a reason kept in
the audit log; a platform with checks is retired, not withdrawn; files stay until purged."""

import io
from datetime import date

import pytest
from PIL import Image
from sqlmodel import select

from models import AuditLog, Deputy, IntegratedActivity, Platform
from models.enums import DeputyLevel
from services import activities, commendations, org, platforms, rules, years
from services.errors import InUse, NotFound, PermissionDenied, ValidationError
from services.evidence import Upload, open_file
from tests.factories import ADMIN, LEADER, add_unit, clerk_of

Y = 2026
CLOSED = 2025
TODAY = date(Y, 11, 27)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(session, tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "up"))
    monkeypatch.setenv("APP_TODAY", TODAY.isoformat())
    rules.install_defaults(session)
    tid = add_unit(session, "jia")
    other = add_unit(session, "yi", order=2)
    deputies = {}
    for name, level in (
        ("乡代表", DeputyLevel.township),
        ("区代表", DeputyLevel.county),
        ("市代表", DeputyLevel.city),
    ):
        row = Deputy(township_id=tid, name=name, level=level)
        session.add(row)
        session.flush()
        deputies[name] = row.id
    session.commit()
    return {"tid": tid, "other": other, "clerk": clerk_of(tid), "deputies": deputies}


def _audit(session, entity):
    return session.exec(
        select(AuditLog.action, AuditLog.reason, AuditLog.before, AuditLog.after)
        .where(AuditLog.entity == entity)
        .order_by(AuditLog.id)
    ).all()


def _activity(session, actor, tid, deputies, held_on, **extra):
    return activities.record_activity(
        session,
        actor,
        township_id=tid,
        held_on=held_on,
        title="五级代表进网格",
        theme="助力乡村振兴",
        deputy_ids=[deputies["乡代表"], deputies["区代表"]],
        **extra,
    )


def _refused(call, key="error.year_closed"):
    with pytest.raises(PermissionDenied) as refused:
        call()
    assert refused.value.key == key


# --- the closed-year lock ------------------------------------------------------------------------


def test_a_closed_year_refuses_every_guarantees_write_until_the_admin_reopens_it(session, world):
    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    pid = platforms.add_platform(
        session, clerk, township_id=tid, kind="home", name="代表之家", opened_on=date(2020, 5, 1)
    )
    cid = commendations.propose(
        session,
        clerk,
        township_id=tid,
        year=CLOSED,
        deputy_id=dep["乡代表"],
        title="优秀人大代表",
        story="带头修路。",
    )
    years.close_year(session, ADMIN, CLOSED, reason="考评已定")

    entry = {"ok": True, "note": "台账"}
    writes = {
        "three ones": lambda actor: org.set_three_ones(
            session, actor, township_id=tid, year=CLOSED, department_name="人大办"
        ),
        "platform opened then": lambda actor: platforms.add_platform(
            session,
            actor,
            township_id=tid,
            kind="point",
            name="联系点",
            opened_on=date(CLOSED, 3, 2),
        ),
        "retirement": lambda actor: platforms.retire_platform(
            session, actor, pid, closed_on=date(CLOSED, 12, 1)
        ),
        "check": lambda actor: platforms.check_platform(
            session, actor, pid, year=CLOSED, entries={"place": platforms.ItemEntry(**entry)}
        ),
        "activity": lambda actor: _activity(session, actor, tid, dep, date(CLOSED, 6, 3)),
        "proposal": lambda actor: commendations.propose(
            session,
            actor,
            township_id=tid,
            year=CLOSED,
            deputy_id=dep["区代表"],
            title="履职之星",
            story="常年联系选民。",
        ),
        "approval": lambda actor: commendations.review(
            session, actor, cid, approve=True, on=date(CLOSED, 12, 20)
        ),
    }
    for what, write in writes.items():
        if what != "approval":
            _refused(lambda w=write: w(clerk))
        _refused(lambda w=write: w(ADMIN), "error.year_closed_admin")
    # Nothing was written: the platform is open, no activity, the proposal still proposed.
    assert platforms.get_platform(session, LEADER, pid).active
    assert activities.list_activities(session, LEADER, CLOSED) == []
    assert commendations.list_commendations(session, LEADER, CLOSED)[0].status == "proposed"

    # The admin reopens the year for a correction: the admin writes, the clerk still may not.
    years.reopen_year(session, ADMIN, CLOSED, reason="补录一次活动")
    _refused(lambda: writes["activity"](clerk))
    writes["activity"](ADMIN)
    writes["approval"](ADMIN)
    assert len(activities.list_activities(session, LEADER, CLOSED)) == 1
    assert commendations.stories(session, LEADER, CLOSED)[0].id == cid
    assert years.close_notice(session, CLOSED).changes_after_close == 2
    # The open year is not affected.
    _activity(session, clerk, tid, dep, date(Y, 6, 3))


# --- integrated activities -----------------------------------------------------------------------


def test_an_activity_is_corrected_with_a_reason_and_by_its_units_writers_only(session, world):
    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    aid = _activity(session, clerk, tid, dep, date(Y, 5, 6))
    fix = {
        "held_on": date(Y, 5, 8),
        "title": "五级代表联合视察",
        "theme": "助力乡村振兴",
        "deputy_ids": [dep["乡代表"]],
        "outside_national": 1,
    }
    with pytest.raises(ValidationError) as refused:
        activities.correct_activity(session, clerk, aid, reason=" ", **fix)
    assert (refused.value.key, refused.value.field) == ("error.reason_required", "reason")
    for stranger in (clerk_of(world["other"]), LEADER):
        with pytest.raises(PermissionDenied):
            activities.correct_activity(session, stranger, aid, reason="录错", **fix)
    # Moved to another year, or to a day that has not come: refused next to the date.
    for held_on, key in (
        (date(Y - 1, 12, 30), "error.date_outside_year"),
        (date(Y, 11, 28), "error.date_future"),
    ):
        with pytest.raises(ValidationError) as refused:
            activities.correct_activity(
                session, clerk, aid, reason="录错", **(fix | {"held_on": held_on})
            )
        assert (refused.value.key, refused.value.field) == (key, "held_on")

    activities.correct_activity(session, clerk, aid, reason="日期和参加人员录错", **fix)
    (saved,) = activities.list_activities(session, LEADER, Y)
    assert (saved.held_on, saved.title, saved.deputy_names) == (
        date(Y, 5, 8),
        "五级代表联合视察",
        ("乡代表",),
    )
    # Levels now: national (outside the roster) and township.
    assert [lv.value for lv in saved.levels] == ["national", "township"]
    (_, _, _, _), (action, reason, before, after) = _audit(session, "integrated_activity")
    assert (action, reason) == ("update", "日期和参加人员录错")
    assert (before["held_on"], after["held_on"]) == ("2026-05-06", "2026-05-08")
    assert (before["deputy_ids"], after["deputy_ids"]) == (
        sorted([dep["乡代表"], dep["区代表"]]),
        [dep["乡代表"]],
    )
    # The admin corrects it too.
    activities.correct_activity(session, ADMIN, aid, reason="题目规范", **(fix | {"title": "视察"}))
    assert activities.list_activities(session, LEADER, Y)[0].title == "视察"


def test_many_activities_are_recorded_together_or_not_at_all(session, world):
    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    good = activities.ActivityEntry(
        township_id=tid,
        held_on=date(Y, 4, 1),
        title="集中接待",
        theme="助力乡村振兴",
        deputy_ids=[dep["区代表"]],
        outside_city=2,
    )
    bad = activities.ActivityEntry(
        township_id=tid, held_on=date(Y, 12, 1), title="未来", theme="x", outside_city=1
    )
    with pytest.raises(ValidationError) as refused:
        activities.record_activities(session, clerk, [good, bad])
    assert refused.value.key == "error.date_future"
    assert session.exec(select(IntegratedActivity.id)).all() == []
    ids = activities.record_activities(session, clerk, [good, good])
    assert len(ids) == 2 and len(_audit(session, "integrated_activity")) == 2


# --- platforms and their checks ------------------------------------------------------------------


def test_a_platform_with_checks_is_retired_not_withdrawn(session, world):
    tid, clerk = world["tid"], world["clerk"]
    home = platforms.add_platform(session, clerk, township_id=tid, kind="home", name="代表之家")
    point = platforms.add_platform(session, clerk, township_id=tid, kind="point", name="联系点")
    platforms.check_platform(
        session, clerk, home, year=Y, entries={"place": platforms.ItemEntry(ok=True, note="台账")}
    )
    with pytest.raises(InUse) as refused:
        platforms.withdraw_platform(session, clerk, home, reason="录重了")
    assert refused.value.dependents == {"platform_check": 1}
    with pytest.raises(PermissionDenied):
        platforms.withdraw_platform(session, clerk_of(world["other"]), point, reason="录重了")
    with pytest.raises(ValidationError) as no_reason:
        platforms.withdraw_platform(session, clerk, point, reason="")
    assert no_reason.value.key == "error.reason_required"
    platforms.withdraw_platform(session, clerk, point, reason="录重了")
    assert [p.name for p in platforms.list_platforms(session, LEADER, tid)] == ["代表之家"]
    assert _audit(session, "platform")[-1][:2] == ("delete", "录重了")
    # Retiring on a day that has not come is refused; on a past day it is kept with its checks.
    with pytest.raises(ValidationError) as refused_day:
        platforms.retire_platform(session, clerk, home, closed_on=date(Y, 12, 1))
    assert (refused_day.value.key, refused_day.value.field) == ("error.date_future", "closed_on")
    platforms.retire_platform(session, clerk, home, closed_on=date(Y, 11, 1))
    assert platforms.platform_check(session, LEADER, home, Y)["place"].ok


def test_a_platform_is_corrected_with_a_reason_and_its_opening_day_has_happened(session, world):
    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    with pytest.raises(ValidationError) as refused:
        platforms.add_platform(
            session, clerk, township_id=tid, kind="home", name="家", opened_on=date(Y, 12, 1)
        )
    assert (refused.value.key, refused.value.field) == ("error.date_future", "opened_on")
    pid = platforms.add_platform(
        session, clerk, township_id=tid, kind="home", name="代表之家", opened_on=date(2024, 3, 1)
    )
    fix = {"kind": "station", "name": "代表联络站", "deputy_ids": [dep["区代表"]]}
    with pytest.raises(ValidationError):
        platforms.correct_platform(session, clerk, pid, reason="", **fix)
    with pytest.raises(PermissionDenied):
        platforms.correct_platform(session, LEADER, pid, reason="改名", **fix)
    platforms.correct_platform(
        session, clerk, pid, reason="类型录错", opened_on=date(2024, 3, 5), **fix
    )
    info = platforms.get_platform(session, LEADER, pid)
    assert (info.kind.value, info.name, info.opened_on, info.deputy_names) == (
        "station",
        "代表联络站",
        date(2024, 3, 5),
        ("区代表",),
    )
    action, reason, before, after = _audit(session, "platform")[-1]
    assert (action, reason, before["kind"], after["kind"]) == (
        "update",
        "类型录错",
        "home",
        "station",
    )
    assert (before["deputy_ids"], after["deputy_ids"]) == ([], [dep["区代表"]])
    # Once 2024 is closed, its opening day stands; the other details stay correctable.
    years.close_year(session, ADMIN, 2024, reason="考评已定")
    _refused(
        lambda: platforms.correct_platform(
            session, clerk, pid, reason="日期", opened_on=date(2024, 4, 1), **fix
        )
    )
    platforms.correct_platform(
        session,
        clerk,
        pid,
        reason="地址补全",
        opened_on=date(2024, 3, 5),
        address="幸福路 1 号",
        **fix,
    )
    assert platforms.get_platform(session, LEADER, pid).address == "幸福路 1 号"


def test_the_register_import_refuses_dates_in_a_closed_year(session, world):
    from openpyxl import load_workbook

    from services import platform_io

    tid, clerk = world["tid"], world["clerk"]
    platforms.add_platform(session, clerk, township_id=tid, kind="home", name="代表之家")
    years.close_year(session, ADMIN, CLOSED, reason="考评已定")
    wb = load_workbook(io.BytesIO(platform_io.export_register(session, clerk, tid, lang="zh")))
    ws = wb.worksheets[0]
    ws.append(["代表联系点", "新联系点", "", date(CLOSED, 5, 1), "", "", None])
    out = io.BytesIO()
    wb.save(out)
    _refused(lambda: platform_io.import_register(session, clerk, tid, out.getvalue()))
    assert [p.name for p in platforms.list_platforms(session, LEADER, tid)] == ["代表之家"]
    # Opened this year: imported.
    ws.cell(row=ws.max_row, column=4).value = date(Y, 5, 1)
    out = io.BytesIO()
    wb.save(out)
    assert platform_io.import_register(session, clerk, tid, out.getvalue()).counts["created"] == 1


def test_unticking_a_saved_item_is_a_correction_and_a_check_is_withdrawn_keeping_files(
    session, world
):
    tid, clerk = world["tid"], world["clerk"]
    pid = platforms.add_platform(session, clerk, township_id=tid, kind="home", name="代表之家")
    photo = {"place": platforms.ItemEntry(ok=True, files=[Upload("门牌.jpg", _jpeg())])}
    platforms.check_platform(session, clerk, pid, year=Y, entries=photo)
    # Adding an item is not a correction: no reason needed.
    more = {"sign": platforms.ItemEntry(ok=True, note="标牌照片")}
    platforms.check_platform(session, clerk, pid, year=Y, entries=more)
    undo = {"place": platforms.ItemEntry(ok=False)}
    with pytest.raises(ValidationError) as refused:
        platforms.check_platform(session, clerk, pid, year=Y, entries=undo)
    assert refused.value.key == "error.reason_required"
    platforms.check_platform(session, clerk, pid, year=Y, entries=undo, reason="场所已不用")
    check = platforms.platform_check(session, LEADER, pid, Y)
    assert (check["place"].ok, check["sign"].ok) == (False, True)
    assert [(a, r) for a, r, _, _ in _audit(session, "platform_check")] == [
        ("create", None),
        ("update", None),
        ("update", "场所已不用"),
    ]
    kept = check["place"].evidence.files[0]
    platforms.withdraw_check(session, clerk, pid, year=Y, reason="核查记错了平台")
    assert not any(c.ok for c in platforms.platform_check(session, LEADER, pid, Y).values())
    assert open_file(kept) is not None  # kept until an admin purges unreferenced files
    with pytest.raises(NotFound):
        platforms.withdraw_check(session, clerk, pid, year=Y, reason="再撤一次")
    # With its check withdrawn, the platform itself may be withdrawn.
    platforms.withdraw_platform(session, clerk, pid, reason="录错单位")
    assert session.exec(select(Platform.id)).all() == []


# --- the three ones ------------------------------------------------------------------------------


def test_changing_a_saved_one_takes_a_reason_filling_a_blank_does_not(session, world):
    tid, clerk = world["tid"], world["clerk"]
    base = {"township_id": tid, "year": Y, "department_name": "人大办", "department_note": "通知"}
    org.set_three_ones(session, clerk, **base)
    org.set_three_ones(session, clerk, **base, staff_name="王敏", staff_since=date(2024, 9, 1))
    with pytest.raises(ValidationError) as refused:
        org.set_three_ones(session, clerk, **base, staff_since=date(Y, 12, 1), staff_name="王敏")
    assert (refused.value.key, refused.value.field) == ("error.date_future", "staff_since")
    renamed = base | {"department_name": "人大工作办公室"}
    with pytest.raises(ValidationError) as refused:
        org.set_three_ones(session, clerk, **renamed)
    assert refused.value.key == "error.reason_required"
    org.set_three_ones(session, clerk, **renamed, reason="机构更名")
    ones = org.three_ones(session, LEADER, tid, Y)
    assert (ones.department_name, ones.staff_name) == ("人大工作办公室", "")
    assert [(a, r) for a, r, _, _ in _audit(session, "org_guarantee")] == [
        ("create", None),
        ("update", None),
        ("update", "机构更名"),
    ]
    with pytest.raises(PermissionDenied):
        org.withdraw_three_ones(
            session, clerk_of(world["other"]), township_id=tid, year=Y, reason="x"
        )
    org.withdraw_three_ones(session, clerk, township_id=tid, year=Y, reason="录错年份")
    assert org.three_ones(session, LEADER, tid, Y).had == 0
    assert _audit(session, "org_guarantee")[-1][:2] == ("delete", "录错年份")


# --- commendations -------------------------------------------------------------------------------


def test_a_proposal_is_corrected_by_its_clerk_an_approved_one_by_the_admin_only(session, world):
    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    cid = commendations.propose(
        session,
        clerk,
        township_id=tid,
        year=Y,
        deputy_id=dep["乡代表"],
        title="履职之星",
        story="修路。",
    )
    commendations.review(session, ADMIN, cid, approve=False, reason="事迹太简略")
    # Corrected after a return: proposed again, the return reason gone.
    commendations.correct_commendation(
        session,
        clerk,
        cid,
        reason="补充事迹",
        deputy_id=dep["乡代表"],
        title="履职之星",
        story="牵头修通三公里村道，收集意见四十条。",
    )
    (info,) = commendations.list_commendations(session, LEADER, Y)
    assert (info.status, info.return_reason) == ("proposed", "")
    commendations.review(session, ADMIN, cid, approve=True, on=date(Y, 11, 20))
    for change in (
        lambda: commendations.correct_commendation(
            session,
            clerk,
            cid,
            reason="改",
            deputy_id=dep["乡代表"],
            title="优秀代表",
            story="修路。",
        ),
        lambda: commendations.withdraw_commendation(session, clerk, cid, reason="撤"),
    ):
        _refused(change, "guarantees.error.approved_admin_only")
    commendations.withdraw_commendation(session, ADMIN, cid, reason="重复表彰")
    assert commendations.stories(session, LEADER, Y) == []
    assert _audit(session, "commendation")[-1][:2] == ("delete", "重复表彰")
