"""The two roster sheets, voters and deputies, as a file format: their columns (Chinese and
English headers, the other headers offices keep them under, the allowed values), and the
template and export of each. An exported file imports back unchanged (``roster_io``).
"""

import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlmodel import Session

from models.enums import DeputyLevel, levels_in
from services import imports
from services.imports import Choice, ColumnSpec, SheetSpec
from services.permissions import Actor, require_read, require_write
from services.roster import MAX_CONSTITUENCY, MAX_NAME, MAX_VILLAGE
from services.roster_reads import constituencies, deputies_frame, link_deputies, voters_frame

# Lowest first: a deputy of several congresses is counted by the unit at the lowest of them.
LEVEL_ORDER = (
    DeputyLevel.township,
    DeputyLevel.county,
    DeputyLevel.city,
    DeputyLevel.provincial,
    DeputyLevel.national,
)
ALIASES = tomllib.loads(
    (Path(__file__).parent / "spreadsheets" / "column_aliases.toml").read_text(encoding="utf-8")
)

LEVEL_CHOICES = (
    Choice("township", "乡镇人大代表", "township", ("乡镇", "乡", "镇", "乡级", "镇级", "乡镇级")),
    Choice("county", "区人大代表", "county", ("区", "县", "县（区）", "区级", "县级", "district")),
    Choice("city", "市人大代表", "city", ("市", "市级", "市人大")),
    Choice("provincial", "省人大代表", "provincial", ("省", "省级", "省人大")),
    Choice("national", "全国人大代表", "national", ("全国", "全国人大")),
)
GENDER_CHOICES = (
    Choice("M", "男", "male", ("m", "男性")),
    Choice("F", "女", "female", ("f", "女性")),
)


def _with_aliases(spec: SheetSpec) -> SheetSpec:
    table = ALIASES.get(spec.code, {})
    return replace(
        spec,
        columns=tuple(replace(c, aliases=tuple(table.get(c.key, ()))) for c in spec.columns),
    )


VOTER_SHEET = SheetSpec(
    code="voters",
    zh="选民",
    en="Voters",
    columns=(
        ColumnSpec("name", "姓名", "Name", kind="name", required=True, max_len=MAX_NAME, width=12),
        ColumnSpec(
            "constituency",
            "选区",
            "Constituency",
            required=True,
            max_len=MAX_CONSTITUENCY,
            width=14,
        ),
        ColumnSpec("village", "村（社区）", "Village or community", max_len=MAX_VILLAGE, width=16),
        ColumnSpec("phone", "联系电话", "Phone", kind="phone", width=16),
        ColumnSpec("deputies", "联系代表", "Linked deputies", max_len=200, width=20),
    ),
)
VOTER_SHEET = _with_aliases(VOTER_SHEET)
DEPUTY_SHEET = SheetSpec(
    code="deputies",
    zh="代表",
    en="Deputies",
    columns=(
        ColumnSpec("name", "姓名", "Name", kind="name", required=True, max_len=MAX_NAME, width=12),
        ColumnSpec(
            "level",
            "代表层级",
            "Level",
            kind="choices",
            required=True,
            choices=LEVEL_CHOICES,
            width=20,
        ),
        ColumnSpec("constituency", "选区", "Constituency", max_len=MAX_CONSTITUENCY, width=14),
        ColumnSpec("is_presidium_member", "主席团成员", "Presidium member", kind="bool"),
        ColumnSpec("gender", "性别", "Gender", kind="choice", choices=GENDER_CHOICES, width=8),
        ColumnSpec("phone", "联系电话", "Phone", kind="phone", width=16),
        ColumnSpec("has_fixed_income", "有固定收入", "Fixed income", kind="bool"),
        ColumnSpec("term_start", "任期开始", "Term start", kind="date", width=12),
    ),
)
DEPUTY_SHEET = _with_aliases(DEPUTY_SHEET)


def deputy_levels(level: str, other_levels: str = "") -> tuple[str, ...]:
    """Every level a deputy holds, lowest first: the counted ``level`` and the others."""
    held = {DeputyLevel(level).value} | levels_in(other_levels)
    return tuple(lv.value for lv in LEVEL_ORDER if lv.value in held)


# ---------------------------------------------------------------------------------------------
# Templates and exports


def voter_workbook(
    session: Session, actor: Actor, township_id: int, lang: str, *, filled: bool = False
) -> bytes:
    """The voter template of the unit (drop-downs of its constituencies); ``filled`` exports."""
    require_read(actor, township_id)
    cons = constituencies(session, actor, township_id)
    deps = link_deputies(session, actor, township_id)
    rows: list[dict] = []
    if filled:
        require_write(actor, township_id)  # full phones leave the system only with writers
        rows = voters_frame(session, actor, township_id).to_dict("records")
        for r in rows:
            r["phone"] = r["phone"] or None
            r["village"] = r["village"] or None
            r["deputies"] = r["deputies"] or None
    return imports.build_workbook(
        VOTER_SHEET,
        "zh" if lang == "zh" else "en",
        rows,
        lists={
            "constituency": [c.name for c in cons],
            "deputies": sorted({d.name for d in deps}),
        },
    )


def deputy_workbook(
    session: Session, actor: Actor, township_id: int, lang: str, *, filled: bool = False
) -> bytes:
    require_read(actor, township_id)
    cons = constituencies(session, actor, township_id)
    rows: list[dict] = []
    if filled:
        require_write(actor, township_id)
        frame = deputies_frame(session, actor, township_id)
        rows = frame[frame["active"]].to_dict("records")
        for r in rows:
            r["constituency"] = r["constituency"] or None
            r["phone"] = r["phone"] or None
            r["gender"] = r["gender"] or None
            r["term_start"] = r["term_start"] if isinstance(r["term_start"], date) else None
            r["level"] = deputy_levels(r["level"], r["other_levels"])
    return imports.build_workbook(
        DEPUTY_SHEET,
        "zh" if lang == "zh" else "en",
        rows,
        lists={"constituency": [c.name for c in cons]},
    )
