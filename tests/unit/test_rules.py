"""Rule sets: the seed files load; a bad file names the bad key; versions are stored per year."""

import tomllib
from decimal import Decimal

import pytest

from models.enums import Role, SupervisionStage, UnitType
from services import rules
from services.errors import PermissionDenied
from services.permissions import Actor
from tests.factories import ADMIN


def _data(year: int = 2026) -> dict:
    return tomllib.loads(rules.default_rules_path(year).read_text(encoding="utf-8"))


@pytest.mark.parametrize("year", [2025, 2026])
def test_seed_files_hold_the_domain_defaults(year):
    r = rules.load_toml(rules.default_rules_path(year))
    assert r.year == year
    assert [t.code for t in r.checklist.tasks] == [f"T{n:02d}" for n in range(1, 11)]
    assert r.task("T01").target == 2 and r.task("T02").target == 4 and r.task("T05").target == 4
    assert [(d.by, d.expected) for d in r.task("T01").schedule] == [("06-30", 1), ("12-31", 2)]
    assert UnitType.subdistrict not in r.task("T01").applies_to
    assert UnitType.subdistrict in r.task("T07").applies_to
    assert r.contact_day.day_of_month == 20 and r.contact_day.min_participation == 0.8
    assert len(r.contact_day.three_links_labels) == 9
    assert r.linkage.deputies_per_presidium_member == 5 and r.linkage.voters_per_deputy == 10
    assert r.supervision.stage_deadline_days[SupervisionStage.follow_up] == 60
    assert r.funds.approval_threshold_yuan == Decimal("5000.00")
    assert r.funds.district_share == Decimal("0.40")
    assert len(r.funds.categories) == 8
    assert sum(w for w in r.appraisal.weights.model_dump().values()) == 100
    assert [g.min for g in r.appraisal.grades] == [90, 80, 60, 0]
    assert r.rewards.excellent_yuan == Decimal("50000.00")


@pytest.mark.parametrize(
    ("mutate", "key", "fragment"),
    [
        (
            lambda d: d["linkage"].update(voters_per_deputyy=3),
            "linkage.voters_per_deputyy",
            "Extra",
        ),
        (
            lambda d: d["funds"].update(approval_threshold_yuan="-1"),
            "funds.approval_threshold_yuan",
            "greater than or equal",
        ),
        (lambda d: d["funds"].update(district_share="0.5"), "funds", "must equal 1"),
        (lambda d: d["checklist"]["tasks"].pop(), "checklist.tasks", "T10"),
        (
            lambda d: d["checklist"]["tasks"][1].update(applies_to=["village"]),
            "checklist.tasks[1].applies_to[0]",
            "town",
        ),
        (
            lambda d: d["checklist"]["tasks"][0]["schedule"][0].update(by="13-01"),
            "checklist.tasks[0].schedule[0].by",
            "MM-DD",
        ),
        (lambda d: d["checklist"]["tasks"][0].update(weight=7), "(root)", "add up to 61"),
        (
            lambda d: d["supervision"]["stage_deadline_days"].pop("feedback"),
            "supervision.stage_deadline_days",
            "feedback",
        ),
        (lambda d: d["appraisal"]["grades"].reverse(), "appraisal.grades", "highest"),
        (
            lambda d: d["contact_day"].update(tolerance="sometimes"),
            "contact_day.tolerance",
            "exact",
        ),
    ],
)
def test_a_bad_rule_set_names_the_bad_key(mutate, key, fragment):
    data = _data()
    mutate(data)
    with pytest.raises(rules.RuleSetError) as err:
        rules.parse(data, source="test")
    keys = [k for k, _ in err.value.problems]
    assert key in keys, err.value.problems
    message = dict(err.value.problems)[key]
    assert fragment in message
    assert key in str(err.value)


def test_a_file_that_is_not_toml_is_refused_with_its_path(tmp_path):
    path = tmp_path / "2030.toml"
    path.write_text("year = = 2030\n", encoding="utf-8")
    with pytest.raises(rules.RuleSetError) as err:
        rules.load_toml(path)
    assert str(path) in str(err.value)
    assert err.value.problems[0][0] == "(file)"


def test_install_defaults_once_then_new_versions_are_audited(session):
    assert rules.install_defaults(session) == [2025, 2026]
    assert rules.install_defaults(session) == []
    assert rules.get_rules(session, 2026).linkage.voters_per_deputy == 10
    # A later year without its own rule set uses the latest earlier one.
    assert rules.get_rules(session, 2027).year == 2027

    data = _data()
    data["linkage"]["voters_per_deputy"] = 12
    assert rules.save_rules(session, ADMIN, data, note="raise") == 2
    assert rules.get_rules(session, 2026).linkage.voters_per_deputy == 12
    assert rules.get_rules(session, 2025).linkage.voters_per_deputy == 10

    from services import audit

    log = audit.recent(session, entity="ruleset")
    assert len(log) == 1
    row = log.iloc[0]
    assert row["action"] == "update"
    assert row["before"]["linkage"]["voters_per_deputy"] == 10
    assert row["after"]["linkage"]["voters_per_deputy"] == 12


def test_only_the_admin_changes_rules(session):
    rules.install_defaults(session)
    for role in (Role.district_leader, Role.township_staff):
        with pytest.raises(PermissionDenied):
            clerk_or_leader = Actor(id=None, username="x", role=role, township_id=1)
            rules.save_rules(session, clerk_or_leader, _data())
    assert rules.get_rules(session, 2026).linkage.voters_per_deputy == 10


def test_a_bad_edit_stores_nothing(session):
    rules.install_defaults(session)
    data = _data()
    data["funds"]["banned_purposes"] = "宴请"
    with pytest.raises(rules.RuleSetError):
        rules.save_rules(session, ADMIN, data)
    from services import audit

    assert audit.recent(session, entity="ruleset").empty


def test_a_rule_set_stored_before_schedule_kinds_reads_them_from_the_defaults(session):
    """A rule set saved before schedule points had kinds, tasks warn_days, and the contact day
    local exceptions: read with the defaults' kinds (T05's quarters are pace points) and
    warnings, its own values kept."""
    from models import RuleSet as RuleSetRow

    old = rules.to_content(rules.load_toml(rules.default_rules_path(2026)))
    for task in old["checklist"]["tasks"]:
        task.pop("warn_days")
        for point in task["schedule"]:
            point.pop("kind")
        if task["code"] == "T01":
            task["schedule"] = [{"by": "09-30", "expected": 1}, {"by": "12-31", "expected": 2}]
    for key in ("local_holidays", "local_working_days"):
        old["contact_day"].pop(key)
    session.add(RuleSetRow(year=2026, version=1, content=old))
    session.commit()
    r = rules.get_rules(session, 2026)
    assert [p.kind for p in r.task("T05").schedule] == ["pace", "pace", "pace", "deadline"]
    assert [p.kind for p in r.task("T02").schedule] == ["deadline"] * 4
    # A date of its own has no default point: a deadline.
    assert [(p.by, p.kind) for p in r.task("T01").schedule] == [
        ("09-30", "deadline"),
        ("12-31", "deadline"),
    ]
    assert (r.task("T01").warn_days, r.task("T05").warn_days) == (30, 0)
    assert r.contact_day.local_holidays == []


def test_the_year_end_is_always_a_deadline():
    data = _data()
    t05 = next(t for t in data["checklist"]["tasks"] if t["code"] == "T05")
    t05["schedule"][-1]["kind"] = "pace"
    with pytest.raises(rules.RuleSetError) as err:
        rules.parse(data)
    assert [d.type for d in err.value.details] == ["rule_schedule_year_end"]
    t05["schedule"][-1]["kind"] = "target"
    with pytest.raises(rules.RuleSetError) as err:
        rules.parse(data)
    assert err.value.details[0].path == "checklist.tasks[4].schedule[3].kind"
