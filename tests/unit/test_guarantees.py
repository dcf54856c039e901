"""Guarantees and integrated work as users record them: the three ones, the platform register and
its yearly check, integrated activities and commendations — with the permissions and audit of
every service, and T10, the appraisal and the rewards reading what they store. Values worked out
by hand in the comments."""

import io
from datetime import date

import pytest
from PIL import Image
from sqlmodel import select

from models import AuditLog, Deputy, Township
from models.enums import DeputyLevel, PlatformKind, Role, UnitType
from services import activities, checklist, commendations, org, platforms, rules, scoring
from services.errors import PermissionDenied, ValidationError
from services.evidence import Upload, open_file
from services.permissions import Actor

Y = 2026
ADMIN = Actor(id=None, username="admin", role=Role.district_admin)
LEADER = Actor(id=None, username="leader", role=Role.district_leader)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(session, tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path / "up"))
    rules.install_defaults(session)
    units = {}
    for i, code in enumerate(("jia", "yi"), start=1):
        unit = Township(
            code=code, name_zh=f"{code}镇", name_en=code, unit_type=UnitType.town, sort_order=i
        )
        session.add(unit)
        session.flush()
        units[code] = unit.id
    deputies = {}
    for name, level in (
        ("乡代表", DeputyLevel.township),
        ("乡代表二", DeputyLevel.township),
        ("区代表", DeputyLevel.county),
        ("市代表", DeputyLevel.city),
    ):
        d = Deputy(township_id=units["jia"], name=name, level=level)
        session.add(d)
        session.flush()
        deputies[name] = d.id
    other = Deputy(township_id=units["yi"], name="乙镇代表", level=DeputyLevel.township)
    session.add(other)
    session.commit()
    tid = units["jia"]
    return {
        "tid": tid,
        "other": units["yi"],
        "deputies": deputies,
        "other_deputy": other.id,
        "clerk": Actor(id=None, username="clerk", role=Role.township_staff, township_id=tid),
        "theme": rules.get_rules(session, Y).themes[0],
    }


def _scores(session, as_of):
    return {u.township_id: u for u in scoring.township_scores(session, Y, as_of).units}


def _t10(session, tid, as_of=date(Y, 12, 31)):
    unit = checklist.checklist_status(session, Y, as_of, [tid]).units[0]
    return unit.task("T10")


# --- integrated activities and T10 ---------------------------------------------------------------


def test_levels_follow_from_the_deputies_taking_part():
    assert activities.levels_of([DeputyLevel.township, "township"]) == (DeputyLevel.township,)
    assert activities.levels_of([DeputyLevel.county], outside_city=2, outside_national=1) == (
        DeputyLevel.national,
        DeputyLevel.city,
        DeputyLevel.county,
    )
    assert activities.levels_of([], outside_provincial=0) == ()


def test_t10_counts_activities_of_two_levels_or_more_on_a_theme_of_the_year(session, world):
    tid, dep, clerk, theme = world["tid"], world["deputies"], world["clerk"], world["theme"]
    today = date(Y, 12, 31)

    def record(day, deputies, theme=theme, **outside):
        return activities.record_activity(
            session,
            clerk,
            township_id=tid,
            held_on=day,
            title="代表进网格",
            theme=theme,
            deputy_ids=[dep[n] for n in deputies],
            today=today,
            **outside,
        )

    # One level (two township deputies): recorded, does not count.
    record(date(Y, 3, 1), ["乡代表", "乡代表二"])
    assert _t10(session, tid).value == 0
    # Two levels on the theme: counts → 1 of 2.
    record(date(Y, 4, 1), ["乡代表", "区代表"])
    assert _t10(session, tid).value == 1
    # Three levels, but another theme: recorded and shown as not counting.
    record(date(Y, 5, 1), ["乡代表", "区代表", "市代表"], theme="自选主题")
    assert _t10(session, tid).value == 1
    # Three levels on the theme: a township deputy, two city and one national deputy from
    # outside the roster → national, city, township; counts → 2 of 2, done.
    record(date(Y, 6, 1), ["乡代表"], outside_city=2, outside_national=1)
    t10 = _t10(session, tid)
    assert (t10.value, t10.status) == (2, "done")
    listed = activities.list_activities(session, clerk, Y, township_id=tid)
    assert [(len(a.levels), a.on_theme, a.counts_for_t10) for a in listed] == [
        (3, True, True),
        (3, False, False),
        (2, True, True),
        (1, True, False),
    ]
    assert listed[0].deputy_names == ("乡代表",)
    # Four activities: by month and by number of levels.
    frame = activities.activities_by_month(session, LEADER, Y)
    assert frame.to_dict("records") == [
        {"month": 3, "levels": 1, "activities": 1},
        {"month": 4, "levels": 2, "activities": 1},
        {"month": 5, "levels": 3, "activities": 1},
        {"month": 6, "levels": 3, "activities": 1},
    ]
    # The appraisal's activity half: 2 of 2 → 2.5 of 2.5 points.
    fact = next(f for f in _scores(session, today)[tid].facts if f.key == "score.fact.activities")
    assert (fact.params["n"], fact.points) == (2, 2.5)


def test_an_activity_needs_deputies_of_the_roster_and_a_date_not_in_the_future(session, world):
    tid, clerk = world["tid"], world["clerk"]
    base = {"township_id": tid, "title": "活动", "theme": world["theme"], "today": date(Y, 6, 1)}
    with pytest.raises(ValidationError) as err:
        activities.record_activity(session, clerk, held_on=date(Y, 5, 1), **base)
    assert err.value.key == "guarantees.error.no_deputies"
    with pytest.raises(ValidationError) as err:
        activities.record_activity(
            session, clerk, held_on=date(Y, 5, 1), deputy_ids=[world["other_deputy"]], **base
        )
    assert err.value.key == "guarantees.error.deputy_not_on_roster"
    with pytest.raises(ValidationError) as err:
        activities.record_activity(session, clerk, held_on=date(Y, 6, 2), outside_city=1, **base)
    assert (err.value.key, err.value.field) == ("error.date_future", "held_on")
    with pytest.raises(ValidationError) as err:
        activities.record_activity(session, clerk, held_on=date(Y, 5, 1), outside_city=-1, **base)
    assert err.value.field == "outside_city"


def test_withdrawing_an_activity_keeps_its_photos_and_is_audited_with_the_reason(session, world):
    tid, clerk = world["tid"], world["clerk"]
    aid = activities.record_activity(
        session,
        clerk,
        township_id=tid,
        held_on=date(Y, 5, 1),
        title="活动",
        theme=world["theme"],
        deputy_ids=[world["deputies"]["区代表"]],
        outside_city=1,
        photos=[Upload("现场.jpg", _jpeg())],
        today=date(Y, 6, 1),
    )
    photo = activities.list_activities(session, clerk, Y)[0].photos[0]
    activities.withdraw_activity(session, clerk, aid, reason="重复录入")
    assert activities.list_activities(session, clerk, Y) == []
    assert open_file(photo) is not None  # kept until an admin purges unreferenced files
    actions = session.exec(
        select(AuditLog.action, AuditLog.reason)
        .where(AuditLog.entity == "integrated_activity")
        .order_by(AuditLog.id)
    ).all()
    assert actions == [("create", None), ("delete", "重复录入")]


# --- platforms -----------------------------------------------------------------------------------


def _tick(session, actor, pid, n, year=Y, reason=""):
    items = rules.get_rules(session, year).platforms.items
    platforms.check_platform(
        session,
        actor,
        pid,
        year=year,
        entries={code: platforms.ItemEntry(ok=i < n, note="台账") for i, code in enumerate(items)},
        reason=reason,
    )


def test_platform_share_counts_platforms_open_on_the_date_every_item_owed(session, world):
    tid, clerk = world["tid"], world["clerk"]
    add = {"session": session, "actor": clerk, "township_id": tid}
    old = platforms.add_platform(**add, kind="home", name="代表之家", opened_on=date(2024, 5, 1))
    retired = platforms.add_platform(
        **add, kind="station", name="联络站", opened_on=date(2023, 1, 1)
    )
    new = platforms.add_platform(**add, kind="point", name="联系点", opened_on=date(Y, 7, 1))
    _tick(session, clerk, old, 8)  # 8 of the 11 items of 2026
    _tick(session, clerk, retired, 11)
    _tick(session, clerk, new, 3)
    platforms.retire_platform(session, clerk, retired, closed_on=date(Y, 3, 1))
    # 30 June: the home alone (the station closed in March, the point opens in July): 8 / 11.
    assert platforms.platform_shares(session, Y, date(Y, 6, 30), [tid]) == {tid: (8, 11)}
    # 30 November: the home and the point opened mid-year, owing every item: (8 + 3) / 22.
    assert platforms.platform_shares(session, Y, date(Y, 11, 30), [tid]) == {tid: (11, 22)}
    # The appraisal: 10 points × 11/22 = 5.0.
    score = _scores(session, date(Y, 11, 30))[tid]
    assert score.dimensions["platforms"] == 5.0
    # The retired station keeps its history.
    kept = platforms.get_platform(session, LEADER, retired)
    assert (kept.active, kept.closed_on) == (False, date(Y, 3, 1))
    assert platforms.platform_check(session, LEADER, retired, Y)["place"].ok
    # The leader's gaps: the home misses its last three items, the point all but three.
    gaps = {g.name: g.missing for g in platforms.platform_gaps(session, LEADER, Y, date(Y, 11, 30))}
    assert gaps == {
        "代表之家": ("functions", "mechanism", "design"),
        "联系点": tuple(rules.get_rules(session, Y).platforms.items[3:]),
    }


def test_an_item_cannot_be_ticked_without_evidence(session, world):
    tid, clerk = world["tid"], world["clerk"]
    pid = platforms.add_platform(
        session, clerk, township_id=tid, kind=PlatformKind.home, name="代表之家"
    )
    with pytest.raises(ValidationError) as err:
        platforms.check_platform(
            session, clerk, pid, year=Y, entries={"place": platforms.ItemEntry(ok=True)}
        )
    assert (err.value.key, err.value.field) == ("guarantees.error.item_evidence", "place")
    # With a photo only: ticked; saved again without a new file, the photo is kept.
    platforms.check_platform(
        session,
        clerk,
        pid,
        year=Y,
        entries={"place": platforms.ItemEntry(ok=True, files=[Upload("门牌.jpg", _jpeg())])},
    )
    platforms.check_platform(
        session, clerk, pid, year=Y, entries={"place": platforms.ItemEntry(ok=True)}
    )
    check = platforms.platform_check(session, clerk, pid, Y)
    assert check["place"].ok and len(check["place"].evidence.files) == 1
    assert not check["sign"].ok  # never ticked: missing
    with pytest.raises(ValidationError) as err:
        platforms.check_platform(
            session, clerk, pid, year=Y, entries={"no_such": platforms.ItemEntry(ok=False)}
        )
    assert err.value.key == "guarantees.error.unknown_item"


def test_platform_register_permissions_deputies_and_audit(session, world):
    tid, clerk = world["tid"], world["clerk"]
    with pytest.raises(PermissionDenied):
        platforms.add_platform(session, LEADER, township_id=tid, kind="home", name="家")
    with pytest.raises(PermissionDenied):
        platforms.add_platform(session, clerk, township_id=world["other"], kind="home", name="家")
    with pytest.raises(ValidationError) as err:
        platforms.add_platform(
            session,
            clerk,
            township_id=tid,
            kind="home",
            name="家",
            deputy_ids=[world["other_deputy"]],
        )
    assert err.value.key == "guarantees.error.deputy_not_on_roster"
    pid = platforms.add_platform(
        session,
        clerk,
        township_id=tid,
        kind="station",
        name="联络站",
        address="幸福路 1 号",
        opening_hours="每月15日 9:00-11:30",
        deputy_ids=[world["deputies"]["乡代表"], world["deputies"]["区代表"]],
    )
    info = platforms.get_platform(session, clerk, pid)
    assert info.deputy_names == ("乡代表", "区代表")
    with pytest.raises(ValidationError):
        platforms.add_platform(session, clerk, township_id=tid, kind="point", name="联络站")
    platforms.retire_platform(session, clerk, pid, closed_on=date(Y, 9, 1))
    assert platforms.list_platforms(session, clerk, tid, include_retired=False) == []
    entities = session.exec(
        select(AuditLog.action).where(AuditLog.entity == "platform").order_by(AuditLog.id)
    ).all()
    assert entities == ["create", "update"]


# --- the three ones ------------------------------------------------------------------------------


def test_three_ones_half_filled_earn_only_what_is_complete_with_evidence(session, world):
    tid, clerk = world["tid"], world["clerk"]
    org.set_three_ones(
        session,
        clerk,
        township_id=tid,
        year=Y,
        department_name="人大办公室",
        department_files=[Upload("设立通知.jpg", _jpeg())],
        staff_name="王敏",  # no date since when: not complete
        staff_note="任职文件",
        training_title="人大干部培养锻炼办法",
        training_date=date(Y, 3, 1),  # no evidence: not had
    )
    ones = org.three_ones(session, LEADER, tid, Y)
    assert (ones.has_department, ones.has_fulltime_staff, ones.has_training_mechanism) == (
        True,
        False,
        False,
    )
    # 5 points × 1/3 = 1.67.
    assert _scores(session, date(Y, 11, 30))[tid].dimensions["organisation"] == 1.67
    # Completed later: the file of the department is kept, the other two are now had → 5.0.
    org.set_three_ones(
        session,
        clerk,
        township_id=tid,
        year=Y,
        department_name="人大办公室",
        staff_name="王敏",
        staff_since=date(2024, 9, 1),
        staff_note="任职文件",
        training_title="人大干部培养锻炼办法",
        training_date=date(Y, 3, 1),
        training_note="已印发",
    )
    ones = org.three_ones(session, clerk, tid, Y)
    assert ones.had == 3 and len(ones.department_evidence.files) == 1
    assert _scores(session, date(Y, 11, 30))[tid].dimensions["organisation"] == 5.0
    table = org.three_ones_table(session, LEADER, Y)
    assert [(o.township_id, o.had) for o in table] == [(tid, 3), (world["other"], 0)]
    with pytest.raises(PermissionDenied):
        org.three_ones(session, clerk, world["other"], Y)


# --- commendations -------------------------------------------------------------------------------


def test_a_commendation_counts_once_approved_and_a_return_needs_a_reason(session, world):
    tid, clerk = world["tid"], world["clerk"]
    cid = commendations.propose(
        session,
        clerk,
        township_id=tid,
        year=Y,
        deputy_id=world["deputies"]["乡代表"],
        title="优秀人大代表",
        story="带领村民修路，收集意见 40 条。",
        photo=Upload("代表.jpg", _jpeg()),
    )
    fact = next(f for f in _scores(session, date(Y, 12, 31))[tid].facts if f.key.endswith("ions"))
    assert (fact.params["n"], fact.points) == (0, 0.0)  # proposed: not yet counted
    with pytest.raises(PermissionDenied):
        commendations.review(session, clerk, cid, approve=True)
    with pytest.raises(ValidationError) as err:
        commendations.review(session, ADMIN, cid, approve=False, reason=" ")
    assert err.value.field == "reason"
    commendations.review(session, ADMIN, cid, approve=True, on=date(Y, 12, 1))
    fact = next(f for f in _scores(session, date(Y, 12, 31))[tid].facts if f.key.endswith("ions"))
    assert (fact.params["n"], fact.points) == (1, 2.5)
    story = commendations.stories(session, LEADER, Y)[0]
    assert (story.deputy_name, story.status, story.awarded_on) == (
        "乡代表",
        "approved",
        date(Y, 12, 1),
    )
    assert open_file(story.photo).is_image
    # Returned with a reason: shown to the unit, not in the stories.
    second = commendations.propose(
        session,
        clerk,
        township_id=tid,
        year=Y,
        deputy_id=world["deputies"]["区代表"],
        title="优秀代表",
        story="事迹",
    )
    commendations.review(session, ADMIN, second, approve=False, reason="事迹过简，请补充")
    mine = commendations.list_commendations(session, clerk, Y, township_id=tid)
    assert [(c.status, c.return_reason) for c in mine] == [
        ("returned", "事迹过简，请补充"),
        ("approved", ""),
    ]
    assert len(commendations.stories(session, LEADER, Y)) == 1
    with pytest.raises(ValidationError):
        commendations.propose(
            session,
            clerk,
            township_id=tid,
            year=Y,
            deputy_id=world["other_deputy"],
            title="优秀代表",
            story="事迹",
        )


# --- rewards at their boundaries -----------------------------------------------------------------


def _eight_items_rules(session, min_share):
    data = rules.to_content(rules.get_rules(session, Y))
    data["platforms"]["v2_items"] = []
    data["rewards"]["outstanding_platform_min_share"] = min_share
    rules.save_rules(session, ADMIN, data)


def test_outstanding_platform_reward_at_its_boundary(session, world):
    tid, clerk = world["tid"], world["clerk"]
    _eight_items_rules(session, 0.875)  # 7 of 8 items
    a = platforms.add_platform(session, clerk, township_id=tid, kind="home", name="家")
    b = platforms.add_platform(session, clerk, township_id=tid, kind="point", name="点")
    _tick(session, clerk, a, 8)
    _tick(session, clerk, b, 6)
    as_of = date(Y, 11, 30)
    # 14 of 16 = 0.875: exactly the share asked for → outstanding.
    elig = scoring.reward_eligibility(session, Y, as_of, {tid: "good"})[tid]
    assert (elig.platform_ok, elig.platform_items, elig.platform_outstanding) == (14, 16, True)
    # 13 of 16 = 0.8125: one item short → not (unticking a saved item is a correction).
    _tick(session, clerk, b, 5, reason="复核发现台账缺失")
    elig = scoring.reward_eligibility(session, Y, as_of, {tid: "good"})[tid]
    assert (elig.platform_ok, elig.platform_outstanding) == (13, False)


def test_distinctive_activities_reward_at_its_boundary(session, world):
    # Default rule: at least 4 activities, one of them with at least 4 levels.
    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    as_of = date(Y, 11, 30)

    def record(day, **outside):
        activities.record_activity(
            session,
            clerk,
            township_id=tid,
            held_on=date(Y, day, 1),
            title="活动",
            theme=world["theme"],
            deputy_ids=[dep["乡代表"], dep["区代表"]],
            today=as_of,
            **outside,
        )

    record(3, outside_city=1, outside_provincial=1)  # 4 levels
    record(4)
    record(5)
    elig = scoring.reward_eligibility(session, Y, as_of, {tid: "good"})[tid]
    assert (elig.activities, elig.max_levels, elig.distinctive) == (3, 4, False)
    record(6)  # the fourth activity
    elig = scoring.reward_eligibility(session, Y, as_of, {tid: "good"})[tid]
    assert (elig.activities, elig.max_levels, elig.distinctive) == (4, 4, True)
    assert (
        not elig.excellent
        and scoring.reward_eligibility(session, Y, as_of, {tid: "excellent"})[tid].excellent
    )


# --- nothing recorded, nothing met ---------------------------------------------------------------


def test_units_with_nothing_recorded_score_nothing_and_the_scorecard_says_why(session, world):
    scores = _scores(session, date(Y, 11, 30))
    for tid in (world["tid"], world["other"]):
        unit = scores[tid]
        assert unit.dimensions["platforms"] == 0.0
        assert unit.dimensions["organisation"] == 0.0
        assert unit.dimensions["integrated"] == 0.0
        keys = {f.key: f for f in unit.facts}
        assert keys["score.fact.no_platform_checks"].points == 0.0
        assert keys["score.fact.no_three_ones"].points == 0.0
        assert keys["score.fact.activities"].params["n"] == 0
        assert keys["score.fact.commendations"].params["n"] == 0
        t10 = _t10(session, tid)
        assert t10.value == 0 and not t10.met
        elig = unit.rewards
        assert not (elig.platform_outstanding or elig.distinctive)


def test_purging_removes_only_files_no_record_names_and_only_for_the_admin(session, world):
    from services import evidence

    tid, clerk = world["tid"], world["clerk"]
    common = {
        "township_id": tid,
        "title": "活动",
        "theme": world["theme"],
        "deputy_ids": [world["deputies"]["区代表"]],
        "outside_city": 1,
        "today": date(Y, 6, 1),
    }
    kept = activities.record_activity(
        session, clerk, held_on=date(Y, 5, 1), photos=[Upload("a.jpg", _jpeg())], **common
    )
    png = io.BytesIO()
    Image.new("RGB", (9, 9)).save(png, "PNG")
    gone = activities.record_activity(
        session, clerk, held_on=date(Y, 5, 2), photos=[Upload("b.png", png.getvalue())], **common
    )
    listed = {a.id: a.photos[0] for a in activities.list_activities(session, clerk, Y)}
    activities.withdraw_activity(session, clerk, gone, reason="录错")
    with pytest.raises(PermissionDenied):
        evidence.purge_unreferenced(session, clerk)
    assert evidence.purge_unreferenced(session, ADMIN) == 1
    assert open_file(listed[kept]) is not None and open_file(listed[gone]) is None


# --- the register as a workbook ---------------------------------------------------------------


def test_the_register_exports_and_imports_with_the_same_columns(session, world):
    from openpyxl import load_workbook

    from services import platform_io
    from services.imports import ImportRejected

    tid, clerk, dep = world["tid"], world["clerk"], world["deputies"]
    home = platforms.add_platform(
        session,
        clerk,
        township_id=tid,
        kind="home",
        name="代表之家",
        address="幸福路 1 号",
        opened_on=date(2024, 5, 1),
        opening_hours="工作日",
        deputy_ids=[dep["乡代表"], dep["区代表"]],
    )
    old = platforms.add_platform(session, clerk, township_id=tid, kind="point", name="旧联系点")
    platforms.retire_platform(session, clerk, old, closed_on=date(Y, 3, 1))
    for lang in ("zh", "en"):
        data = platform_io.export_register(session, clerk, tid, lang=lang)
        result = platform_io.import_register(session, clerk, tid, data, filename="a.xlsx")
        assert result.counts == {"created": 0, "updated": 0, "unchanged": 2}

    # Corrected in Excel: new opening hours, one deputy fewer, and a new station.
    wb = load_workbook(io.BytesIO(platform_io.export_register(session, clerk, tid, lang="zh")))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == ["类型*", "名称*", "地址", "启用日期", "开放时间", "进驻代表", "撤销日期"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "代表之家")
    row[4].value = "每天 9:00-17:00"
    row[5].value = "乡代表"
    ws.append(["代表联络站", "新联络站", "", None, "", "市代表", None])
    out = io.BytesIO()
    wb.save(out)
    result = platform_io.import_register(session, clerk, tid, out.getvalue())
    assert result.counts == {"created": 1, "updated": 1, "unchanged": 1}
    by_name = {p.name: p for p in platforms.list_platforms(session, clerk, tid)}
    assert by_name["代表之家"].opening_hours == "每天 9:00-17:00"
    assert by_name["代表之家"].deputy_names == ("乡代表",)
    assert by_name["新联络站"].kind == PlatformKind.station
    assert by_name["旧联系点"].closed_on == date(Y, 3, 1) and by_name["代表之家"].id == home

    # A deputy not on the roster: the whole file is refused, nothing written.
    ws.append(["代表联系点", "又一联系点", "", None, "", "外单位代表", None])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportRejected) as err:
        platform_io.import_register(session, clerk, tid, out.getvalue())
    assert [(p.row, p.column, p.key) for p in err.value.problems] == [
        (5, "deputies", "guarantees.import.unknown_deputy")
    ]
    assert "又一联系点" not in {p.name for p in platforms.list_platforms(session, clerk, tid)}
    with pytest.raises(PermissionDenied):
        platform_io.import_register(session, LEADER, tid, out.getvalue())


def test_evidence_is_handed_out_only_to_readers_of_its_unit(session, world):
    tid, clerk = world["tid"], world["clerk"]
    stranger = Actor(id=None, username="yi", role=Role.township_staff, township_id=world["other"])
    pid = platforms.add_platform(session, clerk, township_id=tid, kind="home", name="家")
    platforms.check_platform(
        session,
        clerk,
        pid,
        year=Y,
        entries={"place": platforms.ItemEntry(ok=True, files=[Upload("a.jpg", _jpeg())])},
    )
    assert platforms.platform_check(session, LEADER, pid, Y)["place"].evidence.files
    for read in (
        lambda: platforms.platform_check(session, stranger, pid, Y),
        lambda: platforms.list_platforms(session, stranger, tid),
        lambda: activities.list_activities(session, stranger, Y, township_id=tid),
        lambda: commendations.list_commendations(session, stranger, Y, township_id=tid),
        lambda: org.three_ones(session, stranger, tid, Y),
    ):
        with pytest.raises(PermissionDenied):
            read()
    # Reads across units give a clerk their own unit only.
    assert platforms.platform_gaps(session, stranger, Y, date(Y, 11, 30)) == []
