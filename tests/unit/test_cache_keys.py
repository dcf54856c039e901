"""The cached reads tell apart every argument Streamlit would: a viewer never gets another's
answer because the quick hash of an actor or a day left something out."""

import dataclasses
import hashlib
from datetime import date, datetime

from streamlit.runtime.caching.cache_type import CacheType
from streamlit.runtime.caching.hashing import update_hash

from models.enums import Role
from services.permissions import Actor
from ui.cache_keys import HASH_FUNCS

LEADER = Actor(id=3, username="leader", role=Role.district_leader, display_name="区人大领导")


def _hash(*args) -> str:
    h = hashlib.new("md5")
    update_hash(args, h, CacheType.DATA, hash_funcs=HASH_FUNCS)
    return h.hexdigest()


def test_actors_that_differ_in_any_field_hash_apart():
    changed = {
        "id": 4,
        "username": "leader2",
        "role": Role.district_admin,
        "township_id": 1,
        "display_name": "另一位",
        "must_change_password": True,
    }
    assert set(changed) == {f.name for f in dataclasses.fields(Actor)}
    for name, value in changed.items():
        other = dataclasses.replace(LEADER, **{name: value})
        assert _hash(7, other, 2026) != _hash(7, LEADER, 2026), name
    assert _hash(7, dataclasses.replace(LEADER), 2026) == _hash(7, LEADER, 2026)


def test_days_hash_apart_and_a_moment_keeps_its_time():
    assert _hash(date(2026, 12, 2)) != _hash(date(2026, 12, 3))
    assert _hash(date(2026, 12, 3)) == _hash(date(2026, 12, 3))
    # A datetime is not a date to the quick hash: its time still counts.
    assert _hash(datetime(2026, 12, 3, 8)) != _hash(datetime(2026, 12, 3, 9))
    # Inside the tuple keys of built charts as well.
    key = ("chart", 5, LEADER, date(2026, 12, 3))
    assert _hash(key) != _hash(("chart", 5, LEADER, date(2026, 12, 4)))
