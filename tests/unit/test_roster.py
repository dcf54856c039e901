"""The roster's writes and reads: permission-checked, validated before writing, audited.

``tests.factories.build_roster`` makes a town with constituencies 第1选区 (deputies 甲, a
presidium member, 乙 and 丙; voters v0–v2) and 第2选区 (deputy 丁; voter w0), and a
sub-district whose 第1选区 has the county deputy 戊. The contact-day tests use the same unit.
"""

from datetime import date

import pytest
from sqlmodel import select

from models import AuditLog, Deputy, PresidiumLink, Voter, VoterLink
from models.enums import DeputyLevel
from services import roster, roster_reads
from services.errors import PermissionDenied, ValidationError
from tests.factories import ADMIN, LEADER, build_roster, count_rows


@pytest.fixture
def unit(session):
    return build_roster(session)


# --- deputies and voters ------------------------------------------------------------------------


def test_add_deputy_is_audited(session, unit):
    new_id = roster.add_deputy(
        session,
        unit["clerk"],
        township_id=unit["town"],
        name="  新代表 ",
        level=DeputyLevel.township,
        constituency_id=unit["c2"],
        phone="138 0000 0000",
    )
    row = session.get(Deputy, new_id)
    assert (row.name, row.phone) == ("新代表", "13800000000")
    log = session.exec(select(AuditLog).where(AuditLog.entity == "deputy")).one()
    assert log.entity_id == new_id and log.after["name"] == "新代表"


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"name": ""}, "error.required"),
        ({"name": "<script>x</script>"}, "error.markup"),
        ({"name": "长" * 41}, "error.too_long"),
        ({"phone": "12345"}, "linkage.error.phone"),
        ({"constituency_id": None}, "linkage.error.constituency_required"),
        (
            {"is_presidium_member": True, "level": DeputyLevel.county},
            "linkage.error.presidium_not_applicable",
        ),
        ({"name": "乙"}, "linkage.error.duplicate_deputy"),
        ({"term_start": date(2099, 1, 1)}, "error.date_future"),
        ({"term_start": date(1900, 1, 1)}, "error.date_too_old"),
    ],
)
def test_add_deputy_refuses_bad_input(session, unit, changes, key):
    fields = {
        "township_id": unit["town"],
        "name": "新代表",
        "level": DeputyLevel.township,
        "constituency_id": unit["c1"],
    } | changes
    before = count_rows(session, Deputy), count_rows(session, AuditLog)
    with pytest.raises(ValidationError) as info:
        roster.add_deputy(session, ADMIN, **fields)
    assert info.value.key == key
    assert (count_rows(session, Deputy), count_rows(session, AuditLog)) == before


def test_namesakes_of_two_constituencies_or_two_phones_are_two_deputies(session, unit):
    fields = {"township_id": unit["town"], "name": "乙", "level": DeputyLevel.township}
    roster.add_deputy(session, ADMIN, **fields, constituency_id=unit["c2"], phone="13800000001")
    roster.add_deputy(session, ADMIN, **fields, constituency_id=unit["c2"], phone="13800000002")
    with pytest.raises(ValidationError):  # same constituency, no phone to tell them apart
        roster.add_deputy(session, ADMIN, **fields, constituency_id=unit["c2"])
    names = session.exec(select(Deputy.name).where(Deputy.name == "乙")).all()
    assert len(names) == 3


def test_a_deputy_of_two_congresses_is_added_once_at_the_lower_level(session, unit):
    new_id = roster.add_deputy(
        session,
        ADMIN,
        township_id=unit["town"],
        name="两级代表",
        level=DeputyLevel.county,
        other_levels=[DeputyLevel.township, DeputyLevel.county],
        constituency_id=unit["c2"],
    )
    row = session.get(Deputy, new_id)
    assert (row.level, row.other_levels) == (DeputyLevel.township, "county")


def test_a_phone_is_no_longer_than_the_phone_inputs_allow(session, unit):
    """The screens' phone inputs stop at MAX_PHONE characters, and so does the service."""
    spaced = "+86  138  1234  5678"
    assert len(spaced) == roster.MAX_PHONE
    fields = {"township_id": unit["town"], "constituency_id": unit["c1"]}
    vid = roster.add_voter(session, unit["clerk"], name="王一", phone=spaced, **fields)
    assert session.get(Voter, vid).phone == "13812345678"
    longer = "+86   138  1234  5678"
    assert len(longer) == roster.MAX_PHONE + 1
    with pytest.raises(ValidationError) as info:
        roster.add_voter(session, unit["clerk"], name="王二", phone=longer, **fields)
    assert (info.value.key, info.value.field) == ("linkage.error.phone", "phone")
    assert count_rows(session, Voter) == 5  # four in the fixture, one added


def test_no_presidium_in_a_sub_district(session, unit):
    with pytest.raises(ValidationError, match="presidium_not_applicable"):
        roster.add_deputy(
            session,
            ADMIN,
            township_id=unit["sub"],
            name="己",
            level=DeputyLevel.township,
            constituency_id=unit["s1"],
            is_presidium_member=True,
        )


@pytest.mark.parametrize("actor_key", ["leader", "other"])
def test_only_writers_of_the_unit_change_the_roster(session, unit, actor_key):
    actor = LEADER if actor_key == "leader" else unit["other"]
    with pytest.raises(PermissionDenied):
        roster.add_voter(
            session, actor, township_id=unit["town"], constituency_id=unit["c1"], name="x"
        )
    with pytest.raises(PermissionDenied):
        roster.update_deputies(session, actor, unit["town"], [{"id": unit["d"]["乙"], "name": "y"}])
    assert count_rows(session, AuditLog) == 0


def test_a_clerk_of_another_unit_cannot_read_the_roster(session, unit):
    with pytest.raises(PermissionDenied):
        roster_reads.deputies_frame(session, unit["other"], unit["town"])


def test_update_deputies_is_all_or_nothing(session, unit):
    good = {"id": unit["d"]["乙"], "phone": "13900000000"}
    bad = {"id": unit["d"]["丙"], "phone": "not a phone"}
    with pytest.raises(ValidationError):
        roster.update_deputies(session, unit["clerk"], unit["town"], [good, bad])
    session.expire_all()
    assert session.get(Deputy, unit["d"]["乙"]).phone == "13812345678"
    assert count_rows(session, AuditLog) == 0

    moved = {"id": unit["d"]["乙"], "constituency_id": unit["c2"], "phone": "13900000000"}
    unchanged = {"id": unit["d"]["丙"], "name": "丙"}
    assert roster.update_deputies(session, unit["clerk"], unit["town"], [moved, unchanged]) == 1
    row = session.get(Deputy, unit["d"]["乙"])
    assert (row.constituency_id, row.phone) == (unit["c2"], "13900000000")
    log = session.exec(select(AuditLog)).one()
    assert (
        log.before["constituency_id"] == unit["c1"] and log.after["constituency_id"] == unit["c2"]
    )


def test_a_deputy_of_another_unit_cannot_be_edited_through_this_one(session, unit):
    with pytest.raises(ValidationError, match="deputy_not_here"):
        roster.update_deputies(session, ADMIN, unit["town"], [{"id": unit["d"]["戊"], "name": "z"}])


def test_add_and_update_voters(session, unit):
    vid = roster.add_voter(
        session,
        unit["clerk"],
        township_id=unit["town"],
        constituency_id=unit["c1"],
        name="新选民",
        village="张庄村",
        phone="13811112222",
    )
    with pytest.raises(ValidationError, match="duplicate_voter"):
        roster.add_voter(
            session,
            unit["clerk"],
            township_id=unit["town"],
            constituency_id=unit["c1"],
            name="新选民",
            phone="13811112222",
        )
    with pytest.raises(ValidationError, match="constituency_not_here"):
        roster.add_voter(
            session, unit["clerk"], township_id=unit["town"], constituency_id=unit["s1"], name="x"
        )
    n = roster.update_voters(
        session, unit["clerk"], unit["town"], [{"id": vid, "village": "李庄村", "active": False}]
    )
    assert n == 1
    row = session.get(Voter, vid)
    assert (row.village, row.active) == ("李庄村", False)


def test_reads_mask_phones_for_leaders(session, unit):
    for actor, phone in (
        (LEADER, "138****5678"),
        (unit["clerk"], "13812345678"),
        (ADMIN, "13812345678"),
    ):
        frame = roster_reads.deputies_frame(session, actor, unit["town"])
        assert set(frame["phone"]) == {phone}, actor.username
    # Township deputies come first, in constituency order.
    assert list(roster_reads.deputies_frame(session, ADMIN, unit["town"])["name"]) == [
        "甲",
        "乙",
        "丙",
        "丁",
    ]


# --- links --------------------------------------------------------------------------------------


def test_presidium_links_are_set_as_a_whole(session, unit):
    d = unit["d"]
    assert roster.set_presidium_links(
        session, unit["clerk"], member_id=d["甲"], deputy_ids=[d["乙"], d["丙"]]
    ) == (2, 0)
    assert roster.set_presidium_links(
        session, unit["clerk"], member_id=d["甲"], deputy_ids=[d["丙"], d["丁"]]
    ) == (1, 1)
    linked = session.exec(select(PresidiumLink.deputy_id).order_by(PresidiumLink.deputy_id)).all()
    assert linked == sorted([d["丙"], d["丁"]])
    assert roster.set_presidium_links(
        session, unit["clerk"], member_id=d["甲"], deputy_ids=[d["丙"], d["丁"]]
    ) == (0, 0)
    assert count_rows(session, AuditLog) == 2  # no audit row when nothing changed


@pytest.mark.parametrize(
    ("member", "linked", "key"),
    [
        ("乙", ["丙"], "not_a_member"),
        ("甲", ["甲"], "self_link"),
        ("甲", ["戊"], "deputy_not_here"),
    ],
)
def test_bad_presidium_links(session, unit, member, linked, key):
    d = unit["d"]
    with pytest.raises(ValidationError, match=key):
        roster.set_presidium_links(
            session, ADMIN, member_id=d[member], deputy_ids=[d[x] for x in linked]
        )
    assert count_rows(session, PresidiumLink) == 0


def test_voter_links_only_within_the_deputy_constituency(session, unit):
    v = unit["v"]
    assert roster.set_voter_links(
        session, unit["clerk"], deputy_id=unit["d"]["乙"], voter_ids=v[:3]
    ) == (3, 0)
    with pytest.raises(ValidationError, match="voter_other_constituency"):
        roster.set_voter_links(session, unit["clerk"], deputy_id=unit["d"]["乙"], voter_ids=[v[3]])
    assert roster_reads.voter_links(session, unit["clerk"], unit["d"]["乙"]) == sorted(v[:3])
    assert roster.set_voter_links(
        session, unit["clerk"], deputy_id=unit["d"]["乙"], voter_ids=v[:1]
    ) == (0, 2)
    assert count_rows(session, VoterLink) == 1
