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
