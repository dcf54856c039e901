"""Chart builders. Township names go on the vertical axis of horizontal bars, never rotated."""

import altair as alt
import pandas as pd
import streamlit as st

from ui.theme import PRIMARY


def show(chart: alt.Chart, *, key: str) -> None:
    # theme=None keeps our registered theme instead of Streamlit's.
    st.altair_chart(chart, key=key, theme=None, width="stretch")


def horizontal_bars(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    title: str,
    highlight: str | None = None,
) -> alt.Chart:
    """Bars sorted by value, the largest on top; ``highlight`` names a boolean column to accent."""
    color = (
        alt.condition(alt.datum[highlight], alt.value(PRIMARY), alt.value("#9DB7D5"))
        if highlight
        else alt.value(PRIMARY)
    )
    height = max(160, 28 * len(df))
    bars = (
        alt.Chart(df, title=title)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            # Names speak for themselves; a rotated CJK axis title would be hard to read.
            y=alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X(f"{value}:Q", title=value_title),
            color=color,
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value}:Q", title=value_title),
            ],
        )
    )
    labels = bars.mark_text(align="left", dx=4, color="#333").encode(
        text=alt.Text(f"{value}:Q"), color=alt.value("#333")
    )
    return (bars + labels).properties(height=height)


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
