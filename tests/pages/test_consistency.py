"""One source for every figure: for every unit of the demo (as of 27 Nov 2026), what the
overview, the task matrix, the unit's task list, the scorecard and the wall screen show agrees —
verdicts, counts, dates and ranks — in Chinese and in English.

Each screen is run through AppTest and read as a user reads it (its table cells, its cards'
badges, its metrics and lines); the wall screen is read from the slides it draws."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import LEADER
from tests.pages.apptest import DEMO_AS_OF, DEMO_YEAR, no_exceptions, page_as, signed_in
from ui import deck
from ui.checklist import task_name
from ui.i18n import t

CODES = [f"T{n:02d}" for n in range(1, 11)]
LAGGING = ("behind", "overdue")


def _labels(lang: str) -> dict[str, str]:
    """Status label -> status, in ``lang``."""
    return {
        t(f"checklist.status.{s}", lang): s
        for s in ("done", "on_track", "behind", "overdue", "not_applicable")
    }


def _matrix(lang: str) -> tuple[dict[tuple[str, str], tuple[str, str]], str]:
    """(unit, code) -> (status, figure) from the matrix's table, and the chart's title."""
    at = page_as("checklist_matrix.py", "leader", lang).run()
    no_exceptions(at)
    table = at.dataframe[0].value  # the table below the chart
    labels = _labels(lang)
    unit_col = t("checklist.col.unit", lang)
    cells = {}
    for row in table.to_dict("records")[:-1]:  # the last row holds the totals
        for code in CODES:
            word, _, figure = row[code].rpartition(" ")  # the figure has no space
            cells[(row[unit_col], code)] = (labels[word], figure)
    return cells, at


def _calls(lang: str) -> tuple[dict[tuple[str, str], tuple[str, str]], list[str]]:
    """(unit, code) -> (status, since) from the overview's list of calls, and its alerts."""
    at = signed_in("leader", lang)
    at.run()
    no_exceptions(at)
    frame = at.dataframe[0].value  # the list of calls
    labels = _labels(lang)
    out = {}
    for row in frame.to_dict("records"):
        what = row[t("overview.calls.col_what", lang)]
        code = what.split(" ")[0]
        if code in CODES:
            out[(row[t("overview.calls.col_unit", lang)], code)] = (
                labels[row[t("overview.calls.col_status", lang)]],
                row[t("overview.calls.col_since", lang)],
            )
    alerts = [a.value for a in at.warning] + [a.value for a in at.info]
    return out, alerts


def _unit_page(at: AppTest, lang: str) -> dict[str, tuple[str, list[str]]]:
    """code -> (status, the card's lines) from a unit's task list."""
    labels = _labels(lang)
    lines = [m.value for m in at.markdown]
    cards: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in lines:
        head = re.fullmatch(r"\*\*(T\d\d) .*\*\*", line)
        badge = re.fullmatch(r":\w+-badge\[(.+)\]", line)
        if head:
            current = head.group(1)
            cards[current] = ("", [])
        elif badge and current:
            cards[current] = (labels[badge.group(1)], cards[current][1])
        elif current:
            cards[current][1].append(line.replace("\\", ""))  # markdown escapes
    return cards


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_screen_reads_the_same_for_every_unit(app_env, lang):
    matrix, matrix_at = _matrix(lang)
    calls, alerts = _calls(lang)
    units = sorted({u for u, _ in matrix})
    assert len(units) == 14

    # The overview lists exactly the tasks the matrix shows behind or overdue, with the same
    # verdict, and a date for each lagging task of a count or dated kind.
    lagging = {k: v[0] for k, v in matrix.items() if v[0] in LAGGING}
    assert {k: v[0] for k, v in calls.items()} == lagging

    # The matrix title names every unit tied for the most overdue, with that number.
    per_unit = {u: sum(matrix[(u, c)][0] == "overdue" for c in CODES) for u in units}
    most = max(per_unit.values())
    spec = json.loads(matrix_at.get("vega_lite_chart")[0].proto.spec)
    title = spec.get("title") or spec["layer"][0]["title"]  # a layered chart's first layer
    if not isinstance(title, str):  # the finding runs under the heading, on wrapped lines
        subtitle = title.get("subtitle", "")
        title = title["text"] + " ".join(subtitle if isinstance(subtitle, list) else [subtitle])
    for unit in units:
        assert (unit in title) == (per_unit[unit] == most), (unit, per_unit, title)
    assert str(most) in title

    # The unit's own task list: the same verdict per task and the matrix's figure in its lines;
    # the scorecard: the same counts, and the rank the wall screen's ranking shows.
    township = page_as("checklist_township.py", "leader", lang).run()
    score = page_as("scorecard.py", "leader", lang).run()
    figures = deck.read_figures(LEADER, DEMO_YEAR, DEMO_AS_OF)
    ranking = [s for s in deck.slides(figures, lang) if s.view == "ranking"]
    ranked = [
        (row["unit"], row["score_text"])
        for slide in ranking
        for row in slide.spec["datasets"][next(iter(slide.spec["datasets"]))]
    ]
    ids = {u.name(lang): u.township_id for u in figures.board.units}
    next_day = None
    for unit in units:
        township.selectbox(key="checklist_township_unit").set_value(ids[unit]).run()
        no_exceptions(township)
        cards = _unit_page(township, lang)
        for code in CODES:
            status, figure = matrix[(unit, code)]
            assert cards[code][0] == status, (unit, code)
            if status != "not_applicable" and "/" in figure and "%" not in figure:
                done = figure.split("/")[0]
                assert any(done in line for line in cards[code][1]), (unit, code, figure)
            for line in cards[code][1]:
                found = re.search(t("checklist.missing.contact_day_next", lang, date="(.+)"), line)
                if found:
                    next_day = next_day or found.group(1)
                    assert found.group(1) == next_day
        score.selectbox(key="scorecard_pick").set_value(ids[unit]).run()
        no_exceptions(score)
        metrics = {m.label: m.value for m in score.metric}
        rank = int(re.search(r"\d+", metrics[t("score.rank", lang)]).group())
        assert ranked[rank - 1] == (unit, metrics[t("score.total", lang)])
        facts = [m.value for m in score.markdown if m.value.startswith("- T")]
        for code in CODES:
            status, figure = matrix[(unit, code)]
            if status == "not_applicable" or "%" in figure or "/" not in figure:
                continue
            done, target = figure.rstrip("✍").split("/")
            line = next(f for f in facts if f.startswith(f"- {code} "))
            said = t(
                "score.fact.count",
                lang,
                task=f"{code} {task_name(code, lang)}",
                n=int(done),
                target=int(target),
            )
            assert line.startswith(f"- {said} → "), (unit, code, line)

    # The next contact day: one date on the overview and in every unit's list.
    assert next_day is not None
    assert any(next_day in a for a in alerts), (next_day, alerts)
