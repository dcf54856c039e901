"""Spreadsheet import at scale: 50,000 voters of one town into a fresh SQLite database."""

import io
import random
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert
from sqlmodel import Session, SQLModel, func, select

import models
from bench import Figure
from models import Constituency, Deputy, Township, Voter, VoterLink
from models.db import make_engine
from models.enums import DeputyLevel, Role, UnitType
from services import roster_io, rules
from services.permissions import Actor

VOTERS = 50_000
CONSTITUENCIES = 50
DEPUTIES_PER_CONSTITUENCY = 10
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌辉海波宁春梅"


def _name(rng: random.Random, index: int) -> str:
    # The index keeps names unique, as in a real roster where the phone or village tells them apart.
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) + f"{index:05d}"


def seed_town(session: Session) -> tuple[int, list[str], dict[str, list[str]]]:
    """A town with its constituencies and township deputies; returns its id, the constituency
    names and the deputy names per constituency."""
    rng = random.Random(7)
    town = Township(code="bench", name_zh="基准镇", name_en="Bench Town", unit_type=UnitType.town)
    session.add(town)
    session.flush()
    names = [f"第{i}选区" for i in range(1, CONSTITUENCIES + 1)]
    con_ids = list(
        session.scalars(
            insert(Constituency).returning(Constituency.id, sort_by_parameter_order=True),
            [{"township_id": town.id, "name": n} for n in names],
        )
    )
    deputies: dict[str, list[str]] = {}
    rows = []
    for cid, con in zip(con_ids, names, strict=True):
        deputies[con] = []
        for k in range(DEPUTIES_PER_CONSTITUENCY):
            name = _name(rng, len(rows)) + "代表"
            deputies[con].append(name)
            rows.append(
                {
                    "township_id": town.id,
                    "name": name,
                    "level": DeputyLevel.township,
                    "constituency_id": cid,
                    "is_presidium_member": k == 0,
                }
            )
    session.execute(insert(Deputy), rows)
    session.commit()
    return town.id, names, deputies


def voter_file(n: int, constituencies: list[str], deputies: dict[str, list[str]]) -> bytes:
    """A filled voter template (Chinese headers) of ``n`` voters, each linked to one deputy of
    their own constituency."""
    rng = random.Random(11)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("选民")
    ws.append([c.header("zh") for c in roster_io.VOTER_SHEET.columns])
    for i in range(n):
        con = constituencies[i % len(constituencies)]
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.85 else None
        ws.append([_name(rng, i), con, f"{con}村", phone, rng.choice(deputies[con])])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def voter_import() -> list[Figure]:
    """Import 50,000 voter rows, then the same file again (which must change nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        SQLModel.metadata.create_all(engine)
        assert models.Voter is Voter
        with Session(engine, expire_on_commit=False) as session:
            rules.install_defaults(session)
            town_id, names, deputies = seed_town(session)
            admin = Actor(id=None, username="bench", role=Role.district_admin)

            started = time.perf_counter()
            data = voter_file(VOTERS, names, deputies)
            generated = time.perf_counter() - started

            first_seen: dict[str, float] = {}
            last_seen: dict[str, float] = {}
            clock = time.perf_counter()

            def progress(_fraction: float, phase: str) -> None:
                now = time.perf_counter() - clock
                first_seen.setdefault(phase, now)
                last_seen[phase] = now

            clock = time.perf_counter()
            result = roster_io.import_voters(
                session, admin, town_id, data, filename="bench.xlsx", progress=progress
            )
            first = time.perf_counter() - clock

            clock = time.perf_counter()
            again = roster_io.import_voters(session, admin, town_id, data, filename="bench.xlsx")
            second = time.perf_counter() - clock

            stored = session.exec(select(func.count(Voter.id))).one()
            links = session.exec(select(func.count(VoterLink.id))).one()
        engine.dispose()
    if result.counts["created"] != VOTERS or stored != VOTERS or links != VOTERS:
        raise RuntimeError(f"import stored {stored} voters and {links} links: {result.counts}")
    if again.changed:
        raise RuntimeError(f"re-import changed data: {again.counts}")
    read_done = last_seen["read"]
    write_start = first_seen["write"]
    return [
        Figure("voter rows", VOTERS, "rows"),
        Figure("file size", len(data) / 1_048_576, "MiB"),
        Figure("file generation (not part of the import)", generated, "s"),
        Figure("import: read and convert cells", read_done, "s"),
        Figure("import: check against the roster", write_start - read_done, "s"),
        Figure("import: write (one transaction)", first - write_start, "s"),
        Figure("import: total (target < 60 s)", first, "s"),
        Figure("import: rows per second", VOTERS / first, "rows/s"),
        Figure("re-import of the same file (no change)", second, "s"),
    ]
