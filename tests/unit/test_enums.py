"""Facts of the law kept on the enumerations."""

from models.enums import UnitType


def test_towns_and_townships_have_a_congress_sub_districts_do_not():
    assert UnitType.town.has_congress
    assert UnitType.township.has_congress
    # A sub-district has a working committee of the district congress instead.
    assert not UnitType.subdistrict.has_congress
    assert UnitType.with_congress() == (UnitType.town, UnitType.township)
    assert UnitType("township").has_congress
