"""The screens' cached reads tell apart every argument: a viewer never gets another viewer's
answer, another day's or another version's; a copied answer changed by one caller is not what
the next one reads; and what is kept stays bounded."""

import dataclasses
from datetime import date, datetime

import pandas as pd

from models.enums import Role
from services.permissions import Actor
from ui import cache_keys

LEADER = Actor(id=3, username="leader", role=Role.district_leader, display_name="区人大领导")


def _counting(kind=cache_keys.shared, size: int = 16):
    calls: list[tuple] = []

    @kind(size)
    def read(*args, **kwargs):
        calls.append((args, kwargs))
        return {"answer": len(calls)}

    return read, calls


def test_actors_that_differ_in_any_field_get_their_own_answer():
    read, calls = _counting()
    changed = {
        "id": 4,
        "username": "leader2",
        "role": Role.district_admin,
        "township_id": 1,
        "display_name": "另一位",
        "must_change_password": True,
    }
    assert set(changed) == {f.name for f in dataclasses.fields(Actor)}
    first = read(7, LEADER, 2026)
    for name, value in changed.items():
        assert read(7, dataclasses.replace(LEADER, **{name: value}), 2026) is not first, name
    assert read(7, dataclasses.replace(LEADER), 2026) is first
    assert len(calls) == 1 + len(changed)


def test_days_versions_and_types_are_told_apart():
    read, _ = _counting()
    assert read(date(2026, 12, 2)) is not read(date(2026, 12, 3))
    assert read(date(2026, 12, 3)) is read(date(2026, 12, 3))
    assert read(datetime(2026, 12, 3, 8)) is not read(datetime(2026, 12, 3, 9))
    assert read(5, year=2026) is not read(6, year=2026)  # a write raised the data version
    assert read(1) is not read(True) and read(1) is not read(1.0)
    assert read(5, year=2026) is read(5, year=2026)


def test_a_copied_answer_changed_by_one_caller_is_not_what_the_next_reads():
    @cache_keys.copied(4)
    def table(version: int) -> pd.DataFrame:
        return pd.DataFrame({"unit": ["来龙镇"], "share": [0.5]})

    mine = table(1)
    mine.loc[0, "share"] = 1.0
    again = table(1)
    assert again.loc[0, "share"] == 0.5
    assert again is not table(1)


def test_the_least_recently_used_answer_goes_first():
    read, calls = _counting(size=2)
    read(1)
    read(2)
    read(1)  # 1 is used again, so 2 is the least recently used
    read(3)
    read(1)
    read(2)
    assert [args for args, _ in calls] == [(1,), (2,), (3,), (2,)]


def test_forgetting_all_reads_every_answer_again():
    read, calls = _counting()
    first = read(1)
    cache_keys.forget_all()
    assert read(1) is not first and len(calls) == 2
