"""A chart is converted to the Vega-Lite spec Streamlit draws once per chart object, exactly as
``st.altair_chart`` converts it, and checked against the schema where checks are asked for."""

import altair as alt
import pandas as pd
import pytest
from altair.utils.schemapi import SchemaValidationError
from streamlit.elements import vega_charts

from ui import charts
from ui.cache_keys import Answers


def _bars(values: list[int]) -> alt.Chart:
    df = pd.DataFrame({"unit": [f"单位{i}" for i in range(len(values))], "points": values})
    return alt.Chart(df).mark_bar().encode(x=alt.X("points:Q"), y=alt.Y("unit:N"))


def test_the_spec_is_what_streamlit_would_draw(monkeypatch):
    monkeypatch.setattr(charts, "_specs", Answers(256))
    chart = _bars([3, 1, 2])
    assert charts.vega_spec(chart) == vega_charts._convert_altair_to_vega_lite_spec(chart)


def test_a_chart_is_converted_once_and_a_new_one_again(monkeypatch):
    monkeypatch.setattr(charts, "_specs", Answers(256))
    converted: list = []
    convert = charts._convert
    monkeypatch.setattr(charts, "_convert", lambda c: converted.append(c) or convert(c))
    first, second = _bars([1, 2]), _bars([1, 2])
    assert charts.vega_spec(first) is charts.vega_spec(first)
    charts.vega_spec(second)
    assert converted == [first, second]


def test_the_kept_specs_are_bounded(monkeypatch):
    monkeypatch.setattr(charts, "_specs", Answers(2))
    converted: list = []
    convert = charts._convert
    monkeypatch.setattr(charts, "_convert", lambda c: converted.append(c) or convert(c))
    made = [_bars([n]) for n in range(3)]
    for chart in made:
        charts.vega_spec(chart)
    charts.vega_spec(made[0])  # dropped for the third: converted again
    charts.vega_spec(made[2])
    assert converted == [made[0], made[1], made[2], made[0]]


def test_a_malformed_chart_fails_where_checks_are_asked_for(monkeypatch):
    monkeypatch.setattr(charts, "_specs", Answers(256))
    broken = _bars([1]).mark_bar(cornerRadiusEnd="round")  # a number is required
    monkeypatch.setattr(charts, "VALIDATE", True)
    with pytest.raises(SchemaValidationError):
        charts.vega_spec(broken)


def _layers(n: int) -> tuple[pd.DataFrame, list[alt.Chart]]:
    df = pd.DataFrame({"unit": [f"单位{i}" for i in range(n)], "points": list(range(n))})
    base = alt.Chart().encode(y=alt.Y("unit:N"))
    bars = base.mark_bar().encode(x=alt.X("points:Q"))
    text = base.mark_text(align="left").encode(x=alt.X("points:Q"), text=alt.Text("points:Q"))
    return df, [bars, text]


def test_plain_layers_make_the_spec_altair_makes_without_copying_a_layer(monkeypatch):
    from altair.utils import schemapi

    df, layers = _layers(3)
    expected = alt.LayerChart(data=df, layer=layers).properties(title="标题", height=90).to_dict()
    deep_copies = []
    real = schemapi._deep_copy
    monkeypatch.setattr(
        schemapi, "_deep_copy", lambda *a, **k: deep_copies.append(1) or real(*a, **k)
    )
    chart = charts.layered(df, *layers).properties(title="标题", height=90)
    assert chart.to_dict() == expected
    assert deep_copies == []


def test_layers_with_a_selection_or_a_size_are_assembled_by_altair():
    df, (bars, text) = _layers(2)
    pick = alt.selection_point(name="pick", fields=["unit"])
    # A selection on a layer is lifted to the layered chart, as Altair does.
    selecting = charts.layered(df, bars.add_params(pick), text).to_dict()
    assert selecting == alt.LayerChart(data=df, layer=[bars.add_params(pick), text]).to_dict()
    assert [p["name"] for p in selecting["params"]] == ["pick"]
    # A selection added to the layered chart, too.
    added = charts.layered(df, bars, text).add_params(pick).to_dict()
    assert added == alt.LayerChart(data=df, layer=[bars, text]).add_params(pick).to_dict()
    # A layer's height moves up to the layered chart.
    sized = charts.layered(df, bars.properties(height=50), text).to_dict()
    assert sized["height"] == 50 and "height" not in sized["layer"][0]
