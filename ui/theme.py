"""The chart theme: one colour-blind-safe palette, CJK fonts and one status palette everywhere."""

import altair as alt
from altair.utils.schemapi import disable_debug_mode

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
# Okabe–Ito, readable by colour-blind viewers.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
STATUS_COLORS = {
    "done": "#009E73",
    "on_track": "#56B4E9",
    "behind": "#E69F00",
    "overdue": "#D55E00",
    "not_applicable": "#BBBBBB",
}
PRIMARY = PALETTE[0]


@alt.theme.register("township133", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "title": {"font": FONT, "fontSize": 16, "anchor": "start"},
            "axis": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 12,
                "titleFontSize": 12,
            },
            "legend": {"labelFont": FONT, "titleFont": FONT},
            "range": {"category": PALETTE},
            "view": {"stroke": None},
        }
    }


def enable() -> None:
    """Importing this module registers and enables the theme; call to make the intent explicit."""
    alt.theme.enable("township133")


# Altair's debug mode validates every part of a chart against the Vega-Lite schema as it is
# made (each axis, scale and encoding: about a fifth of a chart's build time); the chart is
# validated whole when Streamlit draws it (``to_dict``), so a wrong chart still fails there.
disable_debug_mode()
