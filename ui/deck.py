"""The wall screen's slides: one Vega-Lite spec per slide, drawn for a 1920×1080 screen and
scaled as a whole to any screen of that shape (1280×720, 3840×2160), so titles and labels keep
their size relative to the screen (at least 28 px at 1080p, readable from 8 m).

The same specs make the presentation on screen (rendered to SVG, scaled to the window) and the
exported deck (PDF, one page a slide, or PNG images), so a meeting room without the network
sees what the wall screen shows. Long lists are paged (every row is shown on some slide), a
slide without anything to show is left out, and a month whose contact day has not come is
blank, never 0 %.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date

import altair as alt
import pandas as pd
import vl_convert

from models.db import session_scope
from services import commendations as commendations_service
from services import linkage, overview, scoring, supervision, supervision_metrics
from services.permissions import Actor
from ui import charts
from ui.format import month_day, number, percent, ranking_title
from ui.i18n import label, name_column, t
from ui.theme import FONT, PALETTE, PRIMARY, STATUS_COLORS

WIDTH, HEIGHT = 1920, 1080
PAD = 48
# Type sizes at 1080p; nothing below MIN_FONT.
MIN_FONT = 28
TITLE_FONT = 56
SUBTITLE_FONT = 36
LABEL_FONT = 34
VALUE_FONT = 120
# Rows a slide shows before the rest goes on the next slide.
BARS_PER_SLIDE = 14
TABLE_ROWS_PER_SLIDE = 10
STORIES_PER_SLIDE = 6  # two rows of three
STORY_LINES = 6

VIEWS = (
    "headline",
    "ranking",
    "heatmap",
    "contact",
    "supervision",
    "commendations",
    "stories",
)

GRADE_COLORS = {
    "excellent": STATUS_COLORS["done"],
    "good": STATUS_COLORS["on_track"],
    "pass": STATUS_COLORS["behind"],
    "fail": STATUS_COLORS["overdue"],
}


@dataclass(frozen=True)
class Figures:
    """Everything the slides show, read once at the presentation's as-of date."""

    year: int
    as_of: date
    headline: overview.Headline
    board: scoring.ScoreBoard
    participation: pd.DataFrame
    stages: pd.DataFrame
    commendations: list[dict]
    stories: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Slide:
    view: str
    page: int  # 1-based page of this view
    pages: int
    spec: dict


def read_figures(actor: Actor, year: int, as_of: date) -> Figures:
    with session_scope() as session:
        stories = [
            {"deputy": s.deputy_name, "title": s.title, "story": s.story or ""}
            for s in commendations_service.stories(session, actor, year)
            if s.awarded_on is None or s.awarded_on <= as_of
        ]
        return Figures(
            year=year,
            as_of=as_of,
            headline=overview.headline(session, actor, year=year, as_of=as_of),
            board=scoring.township_scores(session, year, as_of),
            participation=linkage.contact_participation(session, actor, year=year, as_of=as_of),
            stages=supervision_metrics.stage_counts(session, actor, year=year, as_of=as_of),
            commendations=overview.commendations(session, actor, year=year, as_of=as_of),
            stories=stories,
        )


# ---------------------------------------------------------------------------------------------
# The frame every slide shares


def _title(head: str, finding: str, page: int, pages: int, lang: str) -> alt.Title:
    parts = [finding] if finding else []
    if pages > 1:
        parts.append(t("present.page_of", lang, i=page, n=pages))
    return alt.Title(
        head,
        subtitle=" · ".join(parts),
        fontSize=TITLE_FONT,
        subtitleFontSize=SUBTITLE_FONT,
        anchor="start",
        offset=24,
        subtitlePadding=10,
        subtitleColor="#333",
    )


def _framed(chart) -> dict:
    """The slide's spec: the whole chart, title and labels included, fits 1920×1080."""
    spec = (
        chart.properties(
            width=WIDTH,
            height=HEIGHT,
            autosize=alt.AutoSizeParams(type="fit", contains="padding"),
            padding=PAD,
            background="white",
        )
        .configure(font=FONT)
        .configure_axis(
            labelFont=FONT,
            titleFont=FONT,
            labelFontSize=LABEL_FONT,
            titleFontSize=LABEL_FONT,
            labelColor="#222",
            titleColor="#222",
            grid=False,
        )
        .configure_legend(
            labelFont=FONT, titleFont=FONT, labelFontSize=LABEL_FONT, titleFontSize=LABEL_FONT
        )
        .configure_title(
            font=FONT, subtitleFont=FONT, fontSize=TITLE_FONT, subtitleFontSize=SUBTITLE_FONT
        )
        .configure_view(stroke=None)
    ).to_dict()
    return json.loads(json.dumps(spec, default=str))


def _ends(rows: list) -> list:
    """The rows of a ranked chart: all of them up to three slides' worth; past that (a city, a
    province) the first and the last slide's worth, who leads and who trails."""
    if len(rows) <= 3 * BARS_PER_SLIDE:
        return rows
    return [*rows[:BARS_PER_SLIDE], *rows[-BARS_PER_SLIDE:]]


def _pages(rows: list, size: int) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or []


# ---------------------------------------------------------------------------------------------
# The slides


def headline_slides(f: Figures, lang: str) -> list[Slide]:
    h = f.headline
    month = t("common.month_n", lang, n=h.participation_month) if h.participation_month else "—"
    tiles = [
        (
            t("overview.metric.on_track", lang),
            t("overview.metric.on_track_value", lang, n=h.units_on_track, total=h.units),
        ),
        (t("overview.metric.participation", lang, month=month), percent(h.participation, lang)),
        (t("overview.metric.open_items", lang), number(h.open_items, lang)),
        (t("overview.metric.overdue_items", lang), number(h.overdue_items, lang)),
        (t("overview.metric.execution", lang), percent(h.execution, lang)),
        (t("overview.metric.violations", lang), number(h.violations, lang)),
    ]
    df = pd.DataFrame(
        [
            {"col": i % 3, "row": i // 3, "label": text, "value": value}
            for i, (text, value) in enumerate(tiles)
        ]
    )
    df["x0"], df["x1"] = df["col"] + 0.03, df["col"] + 0.97
    df["y0"], df["y1"] = df["row"] + 0.05, df["row"] + 0.95
    df["xm"], df["label_y"], df["value_y"] = df["col"] + 0.5, df["row"] + 0.25, df["row"] + 0.62
    x = alt.Scale(domain=[0, 3])
    y = alt.Scale(domain=[0, 2], reverse=True)
    title = _title(
        t("present.headline_title", lang, year=f.year, day=month_day(f.as_of, lang)),
        "",
        1,
        1,
        lang,
    )
    base = alt.Chart(title=title)
    tiles_layer = base.mark_rect(fill="#F2F6FA", stroke="#C9D6E3", strokeWidth=2).encode(
        x=alt.X("x0:Q", scale=x, axis=None),
        x2=alt.X2("x1:Q"),
        y=alt.Y("y0:Q", scale=y, axis=None),
        y2=alt.Y2("y1:Q"),
    )
    labels = base.mark_text(fontSize=40, color="#333").encode(
        x=alt.X("xm:Q", scale=x, axis=None),
        y=alt.Y("label_y:Q", scale=y, axis=None),
        text=alt.Text("label:N"),
    )
    values = base.mark_text(fontSize=VALUE_FONT, fontWeight="bold", color=PRIMARY).encode(
        x=alt.X("xm:Q", scale=x, axis=None),
        y=alt.Y("value_y:Q", scale=y, axis=None),
        text=alt.Text("value:N"),
    )
    return [Slide("headline", 1, 1, _framed(charts.layered(df, tiles_layer, labels, values)))]


def ranking_slides(f: Figures, lang: str) -> list[Slide]:
    board = f.board
    if not board.units:
        return []
    df = board.frame()
    df["unit"] = df[name_column(lang)]
    df["grade_label"] = [label("score.grade", g, lang) for g in df["grade"]]
    df["score_text"] = [f"{v:.1f}" for v in df["total"]]
    order = [label("score.grade", g, lang) for g in GRADE_COLORS]
    head, _, finding = ranking_title(board, f.year, lang).partition("：" if lang == "zh" else ": ")
    rows = _ends(df.to_dict("records"))
    pages = _pages(rows, BARS_PER_SLIDE)
    out = []
    for i, page in enumerate(pages, start=1):
        part = pd.DataFrame(page)
        units = list(part["unit"])
        base = alt.Chart(title=_title(head, finding, i, len(pages), lang)).encode(
            y=alt.Y("unit:N", sort=units, title=None, axis=alt.Axis(labelLimit=420, ticks=False)),
        )
        bars = base.mark_bar(cornerRadiusEnd=4).encode(
            x=alt.X(
                "total:Q",
                title=t("overview.col.total", lang),
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(values=[0, 20, 40, 60, 80, 100]),
            ),
            color=alt.Color(
                "grade_label:N",
                title=None,
                scale=alt.Scale(domain=order, range=list(GRADE_COLORS.values())),
                legend=alt.Legend(orient="bottom", direction="horizontal", symbolSize=400),
            ),
        )
        text = base.mark_text(align="left", dx=8, fontSize=LABEL_FONT, color="#222").encode(
            x=alt.X("total:Q"), text=alt.Text("score_text:N")
        )
        out.append(Slide("ranking", i, len(pages), _framed(charts.layered(part, bars, text))))
    return out


def heatmap_slides(f: Figures, lang: str) -> list[Slide]:
    board = f.board
    if not board.units:
        return []
    dims = [t(f"score.dimension.{d}", lang) for d in scoring.DIMENSIONS]
    weakest = min(
        scoring.DIMENSIONS,
        key=lambda d: (board.median_of(d) or 0) / (board.units[0].max_points[d] or 1),
    )
    head, _, finding = t(
        "overview.heatmap_title", lang, weak=t(f"score.dimension.{weakest}", lang)
    ).partition("：" if lang == "zh" else ": ")
    pages = _pages(_ends(list(board.units)), BARS_PER_SLIDE)
    out = []
    for i, units in enumerate(pages, start=1):
        rows = []
        for u in units:
            for d, name in zip(scoring.DIMENSIONS, dims, strict=True):
                top = u.max_points[d]
                share = u.dimensions[d] / top if top else 0.0
                rows.append(
                    {
                        "unit": u.name(lang),
                        "dimension": name,
                        "share": share,
                        "text": percent(share, lang),
                    }
                )
        df = pd.DataFrame(rows)
        names = [u.name(lang) for u in units]
        base = alt.Chart(title=_title(head, finding, i, len(pages), lang)).encode(
            y=alt.Y("unit:N", sort=names, title=None, axis=alt.Axis(labelLimit=420, ticks=False)),
            x=alt.X(
                "dimension:N",
                sort=dims,
                title=None,
                axis=alt.Axis(
                    orient="bottom",
                    labelAngle=0,
                    ticks=False,
                    labelLimit=400,
                    labelExpr="split(replace(datum.label, '与', ' 与'), ' ')",
                ),
            ),
        )
        cells = base.mark_rect(stroke="#fff", strokeWidth=3).encode(
            color=alt.Color("share:Q", scale=alt.Scale(domain=[0, 1], scheme="blues"), legend=None)
        )
        text = base.mark_text(fontSize=LABEL_FONT).encode(
            text=alt.Text("text:N"),
            color=alt.ColorValue(
                **alt.condition(alt.datum.share > 0.6, alt.value("#fff"), alt.value("#111"))
            ),
        )
        out.append(Slide("heatmap", i, len(pages), _framed(charts.layered(df, cells, text))))
    return out


def contact_slides(f: Figures, lang: str) -> list[Slide]:
    """The last month whose contact day has come, per unit; a unit that has not held it shows
    no bar and the words "not held", never a 0 % bar."""
    frame = f.participation
    month = overview.latest_held_month(frame)
    if month is None:
        return []
    last = frame[frame["month"] == month].copy()
    held = last["held"].astype(bool) if "held" in last else last["rate"] > 0
    last["rate"] = [r if h else None for r, h in zip(last["rate"], held, strict=True)]
    last["text"] = [
        percent(r, lang) if h else t("present.not_held", lang)
        for r, h in zip(last["rate"], held, strict=True)
    ]
    last["unit"] = last[name_column(lang)]
    last["sort_key"] = [r if r is not None else -1 for r in last["rate"]]
    last = last.sort_values("sort_key", ascending=False)
    ranked = last[held.reindex(last.index)]
    head, _, finding = t(
        "present.contact_title",
        lang,
        month=t("common.month_n", lang, n=month),
        top=ranked["unit"].iloc[0] if len(ranked) else "—",
        bottom=ranked["unit"].iloc[-1] if len(ranked) else "—",
    ).partition("：" if lang == "zh" else ": ")
    pages = _pages(_ends(last.to_dict("records")), BARS_PER_SLIDE)
    out = []
    for i, page in enumerate(pages, start=1):
        part = pd.DataFrame(page)
        part["x_text"] = [r if r == r and r is not None else 0 for r in part["rate"]]
        units = list(part["unit"])
        base = alt.Chart(title=_title(head, finding, i, len(pages), lang)).encode(
            y=alt.Y("unit:N", sort=units, title=None, axis=alt.Axis(labelLimit=420, ticks=False))
        )
        scale = alt.Scale(domain=[0, 1])
        bars = base.mark_bar(color=PRIMARY, cornerRadiusEnd=4).encode(
            x=alt.X(
                "rate:Q",
                title=None,
                scale=scale,
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
            )
        )
        text = base.mark_text(align="left", dx=8, fontSize=LABEL_FONT, color="#222").encode(
            x=alt.X("x_text:Q", scale=scale), text=alt.Text("text:N")
        )
        out.append(Slide("contact", i, len(pages), _framed(charts.layered(part, bars, text))))
    return out


def supervision_slides(f: Figures, lang: str) -> list[Slide]:
    counts = f.stages
    if counts.empty:
        return []
    stages = [s.value for s in supervision.ALL_STAGES]
    # Every stage on the axis, an empty one at 0 (the loop's shape reads at a glance).
    per_stage = counts.groupby("stage")["items"].sum()
    df = pd.DataFrame({"stage": stages, "items": [int(per_stage.get(s, 0)) for s in stages]})
    df["stage_label"] = [label("supervision.stage", s, lang) for s in df["stage"]]
    order = [label("supervision.stage", s, lang) for s in stages]
    colors = [*PALETTE[: len(order) - 1], STATUS_COLORS["done"]]
    head, _, finding = t(
        "present.supervision_title",
        lang,
        open=f.headline.open_items,
        overdue=f.headline.overdue_items,
    ).partition("：" if lang == "zh" else ": ")
    base = alt.Chart(title=_title(head, finding, 1, 1, lang)).encode(
        y=alt.Y("stage_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=420, ticks=False))
    )
    bars = base.mark_bar(cornerRadiusEnd=4).encode(
        x=alt.X("items:Q", title=t("present.stage_count", lang), axis=alt.Axis(tickCount=5)),
        color=alt.Color(
            "stage_label:N", sort=order, scale=alt.Scale(domain=order, range=colors), legend=None
        ),
    )
    text = base.mark_text(align="left", dx=8, fontSize=LABEL_FONT, color="#222").encode(
        x=alt.X("items:Q"), text=alt.Text("items:Q")
    )
    return [Slide("supervision", 1, 1, _framed(charts.layered(df, bars, text)))]


def _table(rows: list[list[str]], header: list[str], widths: list[float], title: alt.Title):
    """A table of text marks: a header row and up to TABLE_ROWS_PER_SLIDE rows."""
    starts = [sum(widths[:i]) for i in range(len(widths))]
    cells = [{"row": 0, "x": starts[c], "text": h, "head": True} for c, h in enumerate(header)] + [
        {"row": r, "x": starts[c], "text": v, "head": False}
        for r, row in enumerate(rows, start=1)
        for c, v in enumerate(row)
    ]
    bands = [{"row": r, "y0": r - 0.5, "y1": r + 0.5} for r in range(0, len(rows) + 1, 2)]
    y = alt.Scale(domain=[-0.5, TABLE_ROWS_PER_SLIDE + 0.5], reverse=True)
    x = alt.Scale(domain=[0, 1])
    zebra = (
        alt.Chart(pd.DataFrame(bands))
        .mark_rect(fill="#EEF3F8")
        .encode(
            x=alt.XValue(0),
            x2=alt.X2Value(WIDTH - 2 * PAD),
            y=alt.Y("y0:Q", scale=y, axis=None),
            y2=alt.Y2("y1:Q"),
        )
    )
    base = alt.Chart(pd.DataFrame(cells), title=title).encode(
        x=alt.X("x:Q", scale=x, axis=None),
        y=alt.Y("row:Q", scale=y, axis=None),
        text=alt.Text("text:N"),
    )
    head = base.transform_filter(alt.datum.head).mark_text(
        align="left", dx=16, fontSize=LABEL_FONT, limit=900, fontWeight="bold"
    )
    body = base.transform_filter(~alt.datum.head).mark_text(
        align="left", dx=16, fontSize=LABEL_FONT, limit=900
    )
    return alt.layer(zebra, head, body)


def commendation_slides(f: Figures, lang: str, hide_names: bool) -> list[Slide]:
    rows = [
        [
            r["name_zh"] if lang == "zh" else r["name_en"],
            t("present.hidden_name", lang, n=i) if hide_names else r["deputy"],
            r["title"],
        ]
        for i, r in enumerate(f.commendations, start=1)
    ]
    pages = _pages(rows, TABLE_ROWS_PER_SLIDE)
    header = [
        t("overview.col.unit", lang),
        t("present.col.deputy", lang),
        t("present.col.honour", lang),
    ]
    head = t("present.commendations_title", lang, year=f.year)
    finding = t("present.commendations_count", lang, n=len(rows))
    return [
        Slide(
            "commendations",
            i,
            len(pages),
            _framed(
                _table(page, header, [0.3, 0.25, 0.45], _title(head, finding, i, len(pages), lang))
            ),
        )
        for i, page in enumerate(pages, start=1)
    ]


def _wrap(text: str, width: float) -> list[str]:
    """Lines of at most ``width`` Chinese characters' width (a Latin letter or digit counts as
    about half), broken at a space where a line holds Latin words."""
    lines, line, used = [], "", 0.0
    for word in text.replace("\n", " ").split(" "):
        for ch in (word + " ") if word.isascii() else word:
            w = 0.55 if ch.isascii() else 1.0
            if used + w > width and line.strip():
                if word.isascii() and " " in line.rstrip():
                    head, _, tail = line.rstrip().rpartition(" ")
                    if ch != " ":
                        lines.append(head)
                        line, used = tail, sum(0.55 if c.isascii() else 1.0 for c in tail)
                    else:
                        lines.append(line.rstrip())
                        line, used = "", 0.0
                        continue
                else:
                    lines.append(line.rstrip())
                    line, used = "", 0.0
            line += ch
            used += w
        if not word.isascii():
            line += " " if word == "" else ""
    if line.strip():
        lines.append(line.rstrip())
    return lines


def story_slides(f: Figures, lang: str, hide_names: bool) -> list[Slide]:
    """The deputies' stories, six to a slide in two rows, in words (a photo needs the network
    share and is left out of the wall screen). With names hidden, the deputy's name is hidden
    in the story too."""
    chars = 15  # the width of fifteen Chinese characters
    per_row = STORIES_PER_SLIDE // 2
    pages = _pages(list(enumerate(f.stories, start=1)), STORIES_PER_SLIDE)
    out = []
    for i, page in enumerate(pages, start=1):
        cells = []
        for k, (n, story) in enumerate(page):
            name = t("present.hidden_name", lang, n=n) if hide_names else story["deputy"]
            text = story["story"]
            if hide_names and story["deputy"]:
                text = text.replace(story["deputy"], name)
            lines = _wrap(text, chars)[:STORY_LINES]
            col, top = k % per_row, (k // per_row) * (STORY_LINES + 2)
            cells.append({"col": col, "line": top, "text": f"{name} · {story['title']}", "b": True})
            cells += [
                {"col": col, "line": top + j, "text": line, "b": False}
                for j, line in enumerate(lines, start=1)
            ]
        df = pd.DataFrame(cells)
        df["x"] = df["col"] / per_row
        title = _title(t("present.stories.title", lang, year=f.year), "", i, len(pages), lang)
        base = alt.Chart(title=title).encode(
            x=alt.X("x:Q", scale=alt.Scale(domain=[0, 1]), axis=None),
            y=alt.Y(
                "line:Q",
                scale=alt.Scale(domain=[0, 2 * (STORY_LINES + 2)], reverse=True),
                axis=None,
            ),
            text=alt.Text("text:N"),
        )
        chart = charts.layered(
            df,
            base.transform_filter(alt.datum.b).mark_text(
                align="left", baseline="top", fontSize=LABEL_FONT, limit=580, fontWeight="bold"
            ),
            base.transform_filter(~alt.datum.b).mark_text(
                align="left", baseline="top", fontSize=LABEL_FONT, limit=580
            ),
        )
        out.append(Slide("stories", i, len(pages), _framed(chart)))
    return out


def slides(f: Figures, lang: str, *, views=VIEWS, hide_names: bool = True) -> list[Slide]:
    """The slides of the chosen views in order; a view with nothing to show has none."""
    makers = {
        "headline": lambda: headline_slides(f, lang),
        "ranking": lambda: ranking_slides(f, lang),
        "heatmap": lambda: heatmap_slides(f, lang),
        "contact": lambda: contact_slides(f, lang),
        "supervision": lambda: supervision_slides(f, lang),
        "commendations": lambda: commendation_slides(f, lang, hide_names),
        "stories": lambda: story_slides(f, lang, hide_names),
    }
    return [s for v in VIEWS if v in views for s in makers[v]()]


# ---------------------------------------------------------------------------------------------
# Rendering and export


_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        from services.documents.fonts import cjk_font

        vl_convert.register_font_directory(str(cjk_font().path.parent))
        _fonts_registered = True


def slide_svg(spec: dict) -> str:
    _register_fonts()
    return vl_convert.vegalite_to_svg(spec)


def slide_html(slide: Slide, svg: str) -> str:
    """The slide on screen: its SVG in a box the page's style makes fill the window."""
    return f'<div class="deck-slide" data-view="{slide.view}" data-page="{slide.page}">{svg}</div>'


def slide_png(spec: dict, *, scale: float = 1) -> bytes:
    _register_fonts()
    return vl_convert.vegalite_to_png(spec, scale=scale)


def deck_pdf(deck: list[Slide]) -> bytes:
    """One 1920×1080 page a slide (the slide's image at twice its size, sharp on a projector)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="pt", format=(HEIGHT, WIDTH))
    pdf.set_auto_page_break(False)
    for slide in deck:
        pdf.add_page()
        pdf.image(io.BytesIO(slide_png(slide.spec, scale=2)), x=0, y=0, w=WIDTH, h=HEIGHT)
    return bytes(pdf.output())


def deck_zip(deck: list[Slide]) -> bytes:
    """The slides as PNG images, 1920×1080, numbered in order, in one zip file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, slide in enumerate(deck, start=1):
            z.writestr(f"{n:02d}_{slide.view}_{slide.page}.png", slide_png(slide.spec))
    return out.getvalue()
