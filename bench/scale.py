"""Synthetic districts at three scales, generated with the demo generator's own logic.

A scale is a number of copies ("replicas") of the 14 units of ``seed/units.toml``: district 1
(14 units), city 10 (140), province 100 (1,400). Each replica is filled by the demo generator
with its own seed, so every replica keeps the demo's proportions and its story: the same tiers
(exemplary, normal, lagging), the same deliberate rule breaks, the previous year whole and the
benchmark year up to ``AS_OF``. Replica 0 uses the demo's seed and the demo's unit codes, so the
district scale is the demo database itself and the demo accounts (``leader``) read it as usual.
Past one replica, each replica is a county-level district of its own (``County``, the units'
parent), as a city's or a province's platform would hold them.

Built databases are cached under ``bench/out/`` (SQLite files, and one marker file per
PostgreSQL database) and rebuilt only when the generator, the models, the migrations or the
rule files change.
"""

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, func, select

from manage import migrate
from models import County, Township, User
from models.db import make_engine
from models.enums import Role, UnitType
from seed import demo
from services import rules, users
from services.permissions import SYSTEM

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
YEAR = 2026
AS_OF = date(2026, 11, 27)
SEED = 1
# The district accounts; clerks are added one per unit, as in the demo (clerk01, clerk02, …).
ACCOUNTS = (
    ("admin", "区人大管理员", Role.district_admin),
    ("leader", "区人大领导", Role.district_leader),
)
ACCOUNT_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class Scale:
    name: str
    replicas: int

    @property
    def units(self) -> int:
        return self.replicas * len(demo.read_units())


SCALES = {s.name: s for s in (Scale("district", 1), Scale("city", 10), Scale("province", 100))}

# What the cached data depends on: a change to any of these rebuilds it.
_INPUTS = (
    "bench/scale.py",
    "seed/demo.py",
    "seed/names.py",
    "seed/units.toml",
    "seed/rules/*.toml",
    "models/*.py",
    "migrations/versions/*.py",
)


def fingerprint(scale: Scale) -> str:
    """Hash of the generator's inputs and the scale's parameters."""
    h = hashlib.sha256(f"{scale.name}:{scale.replicas}:{YEAR}:{AS_OF}:{SEED}".encode())
    for pattern in _INPUTS:
        for path in sorted(ROOT.glob(pattern)):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def replica_county(session: Session, replica: int) -> int:
    """The county-level district (County) of one replica, at a scale of several districts."""
    suffix = f"{replica + 1:03d}"
    row = County(
        code=f"county-{suffix}",
        name_zh=f"第{suffix}区",
        name_en=f"District {suffix}",
        sort_order=replica + 1,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def replica_units(
    session: Session, replica: int, specs: list[dict], parent_id: int | None = None
) -> list[Township]:
    """Insert the units of one replica; returns stand-ins for the demo generator.

    A stand-in carries the stored unit's id and names but the *seed* unit's code: the generator
    picks a unit's tier and its deliberate one-offs by code, so each replica tells the same story.
    Stand-ins are never added to the session.
    """
    stored = []
    for order, spec in enumerate(specs, start=1):
        suffix = f"{replica + 1:03d}"
        stored.append(
            Township(
                code=spec["code"] if replica == 0 else f"{spec['code']}-{suffix}",
                name_zh=spec["name_zh"] if replica == 0 else f"{spec['name_zh']}·{suffix}",
                name_en=spec["name_en"] if replica == 0 else f"{spec['name_en']} {suffix}",
                unit_type=UnitType(spec["unit_type"]),
                population=spec.get("population"),
                sort_order=replica * len(specs) + order,
                parent_id=parent_id,
            )
        )
    session.add_all(stored)
    session.commit()
    return [
        Township(
            id=row.id,
            code=spec["code"],
            name_zh=row.name_zh,
            name_en=row.name_en,
            unit_type=row.unit_type,
            population=row.population,
            sort_order=row.sort_order,
        )
        for row, spec in zip(stored, specs, strict=True)
    ]


def populate(
    session: Session, replicas: int, *, units: list[dict] | None = None, progress=None
) -> dict[str, int]:
    """Fill an empty database (tables present) with rule sets, ``replicas`` copies of the demo's
    units and records, and the benchmark's accounts. Returns rows per table, summed.

    ``units`` (entries of ``units.toml``, at least two) replaces the district's 14 units in each
    replica, for a tiny scale.
    """
    specs = units or demo.read_units()
    rules.install_defaults(session)
    session.commit()
    counts: Counter[str] = Counter()
    for r in range(replicas):
        # Past one district, each replica is a county-level district of its own.
        parent = replica_county(session, r) if replicas > 1 else None
        units = replica_units(session, r, specs, parent)
        counts.update(demo._Demo(session, units, year=YEAR, seed=SEED + r, as_of=AS_OF).run())
        session.commit()
        session.expunge_all()  # keeps memory flat however many replicas
        if progress:
            progress(r + 1, replicas)
    _accounts(session)
    return dict(counts)


def _accounts(session: Session) -> None:
    """The district accounts through the service, then one clerk per unit in bulk: the login
    reads every account on each run, so their number matters, but a bcrypt hash each would
    cost minutes at province scale; the clerks share the leader's hash."""
    for username, name, role in ACCOUNTS:
        users.create_user(
            session,
            SYSTEM,
            username=username,
            display_name=name,
            password=ACCOUNT_PASSWORD,
            role=role,
        )
    leader_hash = session.exec(select(User.password_hash).where(User.username == "leader")).one()
    units = session.exec(select(Township).order_by(Township.sort_order, Township.id)).all()
    session.execute(
        insert(User),
        [
            {
                "username": f"clerk{n:02d}",
                "display_name": f"{unit.name_zh}人大干事",
                "password_hash": leader_hash,
                "role": Role.township_staff,
                "township_id": unit.id,
                "active": True,
                "failed_logins": 0,
                "created_at": datetime.now(UTC),
            }
            for n, unit in enumerate(units, start=1)
        ],
    )
    session.commit()


# ---------------------------------------------------------------------------------------------
# Cached databases


def sqlite_url(scale: Scale) -> str:
    return f"sqlite:///{OUT / f'{scale.name}.sqlite'}"


def postgres_url(base_url: str, scale: Scale) -> str:
    """The scale's own database next to ``base_url``'s: ``<database>_<scale>``."""
    url = make_url(base_url)
    return url.set(database=f"{url.database}_{scale.name}").render_as_string(hide_password=False)


def _marker(url: str) -> Path:
    u = make_url(url)
    name = Path(u.database).stem if u.get_backend_name() == "sqlite" else u.database
    return OUT / f"{name}.{u.get_backend_name()}.json"


def _units_stored(url: str) -> int | None:
    """Units in the database at ``url``, or None when it is missing or has no tables."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count(Township.id))).one()
    except Exception:
        return None
    finally:
        engine.dispose()


def _recreate(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        return
    admin = make_engine(u.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def ensure(url: str, scale: Scale, *, log=print) -> dict:
    """The database at ``url`` holding ``scale``, built unless a matching build is cached.
    Returns the build's record: fingerprint, rows per table, build seconds."""
    marker = _marker(url)
    want = fingerprint(scale)
    if marker.exists():
        record = json.loads(marker.read_text())
        if record.get("fingerprint") == want and _units_stored(url) == scale.units:
            record["cached"] = True
            return record
    OUT.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    backend = make_url(url).get_backend_name()
    log(f"building {scale.name} ({scale.units} units) on {backend} ...")
    started = time.perf_counter()
    _recreate(url)
    migrate(url)
    engine = make_engine(url)
    step = max(1, scale.replicas // 10)

    def progress(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            log(f"  {done}/{total} replicas, {time.perf_counter() - started:.0f} s")

    with Session(engine, expire_on_commit=False) as session:
        counts = populate(session, scale.replicas, progress=progress)
    if backend == "postgresql":
        # What autovacuum would do shortly after a bulk load; without it the planner guesses.
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    record = {
        "fingerprint": want,
        "scale": scale.name,
        "units": scale.units,
        "backend": backend,
        "rows": counts,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(record, indent=1))
    record["cached"] = False
    return record
