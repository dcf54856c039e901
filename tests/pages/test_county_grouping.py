"""Past one district, the coverage screen groups units by their county-level district: one row
per district for the whole, and a district's own units once it is chosen."""

import pytest
import streamlit as st

from bench.scale import AS_OF, populate
from manage import migrate
from models.db import session_scope
from seed.demo import read_units
from services import clock, reads
from tests.pages.apptest import no_exceptions, signed_in, visible_text
from ui.cache_keys import forget_all
from ui.i18n import t

# Two districts of three units each (a town, a township, a sub-district).
TINY = ("lailong", "caoji", "shunhe")


@pytest.fixture(scope="module")
def two_districts(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('counties') / 'counties.db'}"
    migrate(url)
    with session_scope(url) as session:
        populate(session, 2, units=[u for u in read_units() if u["code"] in TINY])
    return url


def _forget_cached_reads() -> None:
    """Cached reads are keyed by the data version, which another test's database may share."""
    st.cache_data.clear()
    forget_all()
    reads.bundle.cache_clear()


@pytest.fixture
def env(two_districts, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", two_districts)
    monkeypatch.setenv(clock.ENV, AS_OF.isoformat())
    monkeypatch.setenv("COOKIE_KEY", "test-cookie-key-not-secret-0123456789abcdef")
    _forget_cached_reads()
    yield
    _forget_cached_reads()


WORDS = {
    "zh": {"county": "区县", "drill": "选择一个区县", "suffix": "·002"},
    "en": {"county": "District", "drill": "Choose a district", "suffix": " 002"},
}


def _table(at, first_column: str):
    return [d.value for d in at.dataframe if d.value.columns[0] == first_column]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_whole_shows_one_row_per_district_and_a_district_its_units(env, lang):
    words = WORDS[lang]
    at = signed_in("leader", lang)
    at.run()
    at.switch_page("pages/linkage_coverage.py").run()
    no_exceptions(at)

    (table,) = _table(at, words["county"])
    assert table.iloc[:, 0].tolist() == (
        ["第001区", "第002区"] if lang == "zh" else ["District 001", "District 002"]
    )
    assert table.iloc[:, 1].tolist() == [3, 3]
    assert words["drill"] in visible_text(at)
    # The units' own tables wait for a district to be chosen.
    assert len(at.dataframe) == 1

    at.selectbox(key=f"linkage_county_{lang}").select_index(2).run()
    no_exceptions(at)
    assert _table(at, words["county"]) == []
    assert words["drill"] not in visible_text(at)
    # Every unit named on the screen belongs to the second district.
    named = [n for d in at.dataframe for n in d.value.iloc[:, 0] if isinstance(n, str)]
    assert named
    assert all(n.endswith(words["suffix"]) for n in named), named
    # The gap count names exactly the people the district's gap list lists.
    (gap_list,) = [d.value for d in at.dataframe if t("linkage.col.gap", lang) in d.value.columns]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("linkage.metric.gaps", lang)] == str(len(gap_list))


def test_the_supervision_board_drills_down_from_a_district_to_its_units(env):
    # In Chinese only: AppTest formats a choice's value with the page's own label function,
    # outside the page's run, where the language is the default one.
    at = signed_in("leader", "zh")
    at.run()
    at.switch_page("pages/supervision_board.py").run()
    no_exceptions(at)
    assert at.selectbox(key="sv_board_county_zh").options == [
        "全部区县（按区县汇总）",
        "第001区",
        "第002区",
    ]
    assert len(at.selectbox(key="sv_board_unit_zh").options) == 1 + 6
    # Closure and satisfaction one row per district, each summing its three units.
    per_county = at.dataframe[-1].value
    assert per_county.iloc[:, 0].tolist() == ["第001区", "第002区"]
    items_of = dict(zip(per_county.iloc[:, 0], per_county.iloc[:, 1], strict=True))

    for index, county in ((1, "第001区"), (2, "第002区")):
        at.selectbox(key="sv_board_county_zh").select_index(index).run()
        no_exceptions(at)
        per_unit = at.dataframe[-1].value
        assert len(per_unit) == 3
        assert per_unit.iloc[:, 1].sum() == items_of[county]
    choices = at.selectbox(key="sv_board_unit_zh").options
    assert choices[0] == "全部单位"
    assert len(choices) == 1 + 3 and all(o.endswith("·002") for o in choices[1:])
    names = [n for d in at.dataframe for n in d.value.iloc[:, 0] if isinstance(n, str)]
    assert names and all(n.endswith("·002") for n in names), names


def test_the_fund_screen_compares_districts_then_a_districts_units(env):
    at = signed_in("leader", "zh")
    at.run()
    at.switch_page("pages/funds_overview.py").run()
    no_exceptions(at)
    pick = at.selectbox(key="funds_overview_county_zh")
    assert pick.options == ["全部区县（按区县汇总）", "第001区", "第002区"]
    assert len(at.selectbox(key="funds_overview_township_zh").options) == 1 + 6
    bars = _chart_labels(at)
    assert sorted(bars) == ["第001区", "第002区"]

    pick.select_index(2).run()
    no_exceptions(at)
    units = at.selectbox(key="funds_overview_township_zh").options[1:]
    assert len(units) == 3 and all(u.endswith("·002") for u in units)
    assert sorted(_chart_labels(at)) == sorted(units)


def _chart_labels(at) -> list[str]:
    """The bar labels of the screen's first chart (budget against spending per unit or
    district), from the data Streamlit sends to the browser."""
    import pyarrow as pa

    chart = at.get("vega_lite_chart")[0]
    labels: list[str] = []
    for dataset in chart.proto.datasets:
        frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        if "label" in frame.columns:
            labels += frame["label"].astype(str).tolist()
    return sorted(set(labels))
