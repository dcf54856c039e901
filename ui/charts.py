"""Chart helpers shared by the screens (feature charts live in ui/<feature>.py)."""

import re
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.elements import vega_charts

from ui.cache_keys import Answers
from ui.theme import PRIMARY

T = TypeVar("T")


def title(text: str, *, font_size: int, wrap: int | None = None) -> alt.Title:
    """A chart title set on two lines at its colon: the subject, then the finding ("2026年考评
    得分" / "大兴镇第一…"). Vega makes room for a title wider than the chart by shrinking the
    plot, so a one-line sentence can squeeze a half-width chart to nothing. With ``wrap`` a
    finding longer than that many characters runs on several lines (a matrix names the units
    with most overdue)."""
    for colon in ("：", ": "):
        head, _, finding = text.partition(colon)
        if finding:
            return alt.Title(
                head,
                subtitle=_lines(finding, wrap) if wrap else finding,
                fontSize=font_size,
                subtitleFontSize=font_size - 4,
            )
    return alt.Title(text, fontSize=font_size)


def _lines(text: str, most: int) -> list[str]:
    """``text`` in lines of at most ``most`` characters where it can: broken at a space or
    after a Chinese comma or list mark, so a name stays on one line."""
    lines: list[str] = []
    for word in re.findall(r"[^\s、，；]*[、，；]?\s*", text):
        if lines and len((lines[-1] + word).rstrip()) <= most:
            lines[-1] += word
        elif word:
            lines.append(word)
    return [line.strip() for line in lines] or [""]


# Built answers, looked up by Python's own hash (see ``ui.cache_keys``).
_built = Answers(256)


def built(key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """``build()`` once per ``key``, shared by every viewer: a chart, a table, its labels or a
    screen's worded totals built from cached reads cost more than drawing them, and drawing
    never changes them (a build's answer is read, never changed). ``key`` names what is built
    and everything it is built from: the data version, the viewer, the year and day, the
    language and the choices on the screen."""
    return _built.get(key, build)


def layered(data: pd.DataFrame, *layers: alt.Chart) -> alt.LayerChart:
    """``layers`` drawn over one another from one table, given once to the layered chart.

    Layers that each carry the table cost Altair a hash of every layer with the table printed
    into it (to name the views) and a copy of each; layers without data cost neither. A layer
    that draws from a table of its own (a target line) keeps it. Layers that need nothing of
    Altair's assembling are put together as given (``_Layers``)."""
    plain = all(
        layer._get("params") is alt.Undefined
        and all(layer._get(prop) is alt.Undefined for prop in _MOVED_UP)
        for layer in layers
    )
    return (_Layers if plain else alt.LayerChart)(data=data, layer=list(layers))


# What Altair moves from a layer up to the layered chart as it assembles one.
_MOVED_UP = ("height", "width", "view")


class _Layers(alt.LayerChart):
    """A layered chart whose layers carry no selection to lift and no size or view to move up.

    Altair assembles a layered chart again on every copy of it, and ``.properties()`` and the
    conversion to Vega-Lite each make one; every assembly deep-copies each layer twice (to lift
    selections and to move sizes up). Assembled three times, a chart cost the first viewer after
    a save a quarter to a third of the screen's time. With nothing to lift or move, the spec is
    the same without it (``tests/unit/test_chart_specs.py``); a selection added later goes
    through Altair's own assembling."""

    def __init__(self, data: Any = alt.Undefined, layer: Any = (), **kwargs: Any) -> None:
        super(alt.LayerChart, self).__init__(data=data, layer=list(layer), **kwargs)

    def add_params(self, *params: Any) -> Any:
        """A selection is lifted to the layered chart by Altair's own assembling."""
        return alt.LayerChart(**self._kwds).add_params(*params)


# Whether a chart is checked against the Vega-Lite schema when it is converted. Streamlit's
# ``st.altair_chart`` converts and checks every chart on every run, and the check is most of what
# drawing a chart screen costs; the screens' charts are built by code, and the page tests check
# every one they draw (``tests/pages/conftest.py``), so a viewer does not wait for it.
VALIDATE = False
# Specs by chart object; each entry holds its chart, so no other object takes its id meanwhile.
_specs = Answers(256)  # as many as ``built`` keeps


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """``chart`` as Streamlit sends it to the browser (Vega-Lite, its tables in Arrow), converted
    once per chart object: a chart from ``built`` is drawn by every viewer of its data version
    without being converted again. The spec is read, never changed (Streamlit copies it)."""
    return _specs.get(id(chart), lambda: (chart, _convert(chart)))[1]


def _convert(chart: alt.TopLevelMixin) -> dict:
    """What ``st.altair_chart`` does to a chart before drawing it, without the schema check
    unless ``VALIDATE``: the tables go into the spec's datasets as Arrow, under Streamlit's
    lock on Altair's global settings."""
    datasets: dict[str, Any] = {}
    alt.data_transformers.register("to_arrow_dataset", vega_charts._to_arrow_dataset)
    with (
        vega_charts._altair_globals_lock,
        alt.data_transformers.enable("to_arrow_dataset", datasets=datasets),
    ):
        spec = chart.to_dict(validate=VALIDATE)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def show(chart: alt.TopLevelMixin, *, key: str, **select: Any) -> Any:
    """Draw ``chart`` across the width; ``select`` (``on_select``, ``selection_mode``) makes it
    clickable, and the selection is returned."""
    # theme=None keeps our registered theme instead of Streamlit's.
    return st.vega_lite_chart(spec=vega_spec(chart), key=key, theme=None, width="stretch", **select)


def wan_axis(field: str, *, title: str | None = None, y: bool = False, **encode) -> Any:
    """An x (or with ``y`` a y) encoding of yuan read in 万元: ticks "12.5" under an axis titled
    万元 (the caller's ``title``), never "125,000" per tick. Decimals down to one yuan, trailing
    zeros dropped, so ticks a few hundred yuan apart read "0.01", "0.02", not "0" each. The field
    stays in yuan, so tooltips and sums keep it."""
    return (alt.Y if y else alt.X)(
        f"{field}:Q",
        title=title,
        axis=alt.Axis(labelExpr="format(datum.value / 10000, ',.4~f')", tickCount=5),
        **encode,
    )


def all_months(
    df: pd.DataFrame, *, month: str, value: str, through: int, fill: float = 0
) -> pd.DataFrame:
    """Every month 1–12 on the axis: a month up to ``through`` with no row shows ``fill`` (a
    gap a reader sees), a later month is left empty (not yet due, never a 0)."""
    by_month = dict(zip(df[month], df[value], strict=True))
    return pd.DataFrame(
        {
            month: list(range(1, 13)),
            value: [by_month.get(m, fill if m <= through else None) for m in range(1, 13)],
        }
    )


def monthly_bars(
    df: pd.DataFrame, *, month: str, value: str, month_title: str, value_title: str, title: str
) -> alt.Chart:
    return (
        alt.Chart(df, title=title)
        .mark_bar(color=PRIMARY, cornerRadiusEnd=3)
        .encode(
            x=alt.X(f"{month}:O", title=month_title, sort=None, axis=alt.Axis(labelAngle=0)),
            # The value is named in the chart title; a rotated CJK axis title is hard to read.
            y=alt.Y(f"{value}:Q", title=None),
            tooltip=[
                alt.Tooltip(f"{month}:O", title=month_title),
                alt.Tooltip(f"{value}:Q", title=value_title),
            ],
        )
        .properties(height=300)
    )
