"""Chart helpers shared by the screens (feature charts live in ui/<feature>.py)."""

import altair as alt
import pandas as pd
import streamlit as st

from ui.theme import PRIMARY


def show(chart: alt.Chart, *, key: str) -> None:
    # theme=None keeps our registered theme instead of Streamlit's.
    st.altair_chart(chart, key=key, theme=None, width="stretch")


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
