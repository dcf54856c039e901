"""Command line: python manage.py init-db | seed-demo | load-units | create-user | backup |
restore | report (see --help)."""

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlmodel import select

from models import Township
from models.db import ROOT, database_url, session_scope
from models.enums import Role
from services import deployment, org, rules, settings, users
from services.errors import ServiceError
from services.permissions import SYSTEM
from ui.i18n import t


def migrate(url: str | None = None) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url or database_url()
    command.upgrade(cfg, "head")


def seed_demo(year: int, seed: int, as_of: date | None = None) -> dict:
    from seed.demo import generate_demo
    from seed.demo_users import create_demo_users

    with session_scope() as session:
        summary = generate_demo(session, year=year, seed=seed, as_of=as_of)
        summary["users"] = len(create_demo_users(session))
    return summary


def _wanted_kind() -> deployment.DatabaseKind | None:
    env = settings.app_env()
    return deployment.DatabaseKind(env) if env else None


def init_db(args: argparse.Namespace) -> None:
    """Migrate, install the rule sets and settle the database's kind. A new demo database gets
    the demo data and accounts; a production database never gets either."""
    migrate()
    with session_scope() as session:
        added = rules.install_defaults(session)
        empty = session.exec(select(Township.id)).first() is None
        try:
            kind = deployment.settle_kind(session, _wanted_kind())
        except deployment.DemoRefused as exc:
            sys.exit(str(exc))
    if added:
        print(f"rule sets installed for: {', '.join(map(str, added))}")
    if kind == deployment.DatabaseKind.demo:
        if empty:
            summary = seed_demo(args.year, args.seed)
            print("demo data loaded: " + ", ".join(f"{k}={v}" for k, v in summary.items()))
        else:
            from seed.demo_users import create_demo_users

            with session_scope() as session:
                create_demo_users(session)
    print(f"{kind.value} database ready: {database_url()}")


def cmd_seed_demo(args: argparse.Namespace) -> None:
    migrate()
    with session_scope() as session:
        rules.install_defaults(session)
        if session.exec(select(Township.id)).first() is not None:
            sys.exit("the database already holds data; seed-demo fills an empty database only")
        if _wanted_kind() == deployment.DatabaseKind.production:
            sys.exit("seed-demo is refused with APP_ENV=production")
        try:
            deployment.settle_kind(session, deployment.DatabaseKind.demo)
        except deployment.DemoRefused as exc:
            sys.exit(str(exc))
    summary = seed_demo(
        args.year, args.seed, date.fromisoformat(args.as_of) if args.as_of else None
    )
    print("demo data loaded: " + ", ".join(f"{k}={v}" for k, v in summary.items()))


def cmd_load_units(args: argparse.Namespace) -> None:
    from seed.demo import load_units

    migrate()
    with session_scope() as session:
        units = load_units(session)
    print(f"{len(units)} units of seed/units.toml present")


def cmd_backup(args: argparse.Namespace) -> None:
    from datetime import datetime

    from services import backup

    url = database_url()
    suffix = ".db" if url.startswith("sqlite") else ".dump"
    out = args.out or ROOT / "data" / "backups" / f"app-{datetime.now():%Y%m%d-%H%M%S}{suffix}"
    try:
        written = backup.backup(url, out)
    except backup.BackupError as exc:
        sys.exit(str(exc))
    print(f"backup written: {written}")


def cmd_restore(args: argparse.Namespace) -> None:
    from services import backup

    if not args.yes:
        sys.exit(f"restore replaces every record of {database_url()}; add --yes to go ahead")
    try:
        backup.restore(database_url(), args.file)
    except backup.BackupError as exc:
        sys.exit(str(exc))
    print(f"restored {args.file} into {database_url()}; run init-db to migrate an older backup")


def cmd_create_user(args: argparse.Namespace) -> None:
    password = args.password or getpass.getpass("password: ")
    with session_scope() as session:
        township_id = None
        if args.township:
            unit = session.exec(select(Township).where(Township.code == args.township)).first()
            if unit is None:
                sys.exit(f"unknown township code: {args.township}")
            township_id = unit.id
        try:
            user_id = users.create_user(
                session,
                SYSTEM,
                username=args.username,
                display_name=args.name,
                password=password,
                role=Role(args.role),
                township_id=township_id,
            )
        except ServiceError as exc:
            sys.exit(t(exc.key, "en", **exc.params))
    print(f"user {args.username} created (id {user_id})")


def cmd_report(args: argparse.Namespace) -> None:
    """Write one document to --out; a bad period, unit or format exits with status 2."""
    import logging

    from streamlit.logger import get_logger

    # The documents draw the screens' charts, whose modules declare cached reads; outside a
    # server Streamlit warns once per cache that it has no runtime, which means nothing here.
    get_logger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from services.documents.fonts import FontMissing
    from services.documents.periods import default_period, parse_period
    from ui import documents

    def refuse(text: str) -> None:
        print(f"manage.py report: error: {text}", file=sys.stderr)
        sys.exit(2)

    kind = documents.Kind(args.kind)
    fmt = Path(args.out).suffix.lower().lstrip(".")
    if fmt not in documents.FORMATS[kind]:
        refuse(f"--out must end in {' or '.join('.' + f for f in documents.FORMATS[kind])}")
    if kind.for_unit and not args.unit:
        refuse(f"--kind {kind.value} needs --unit <code>")
    if not kind.for_unit and not args.district:
        refuse(f"--kind {kind.value} is a district document: use --district")
    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    try:
        period = parse_period(args.period) if args.period else default_period(as_of)
        with session_scope() as session:
            township_id = None
            if args.unit:
                units = {u.code: u.id for u in org.list_townships(session, include_retired=True)}
                if args.unit not in units:
                    refuse(t("documents.error.unknown_unit", args.lang, code=args.unit))
                township_id = units[args.unit]
            output = documents.build(
                session,
                SYSTEM,
                kind=kind,
                period=period,
                township_id=township_id,
                lang=args.lang,
                fmt=fmt,
                hide_names=args.hide_names,
                as_of=as_of,
            )
    except FontMissing as exc:
        refuse(str(exc))
    except ServiceError as exc:
        refuse(t(exc.key, args.lang, **exc.params))
    Path(args.out).write_bytes(output.data)
    print(f"{output.file_name}: {len(output.data):,} bytes written to {args.out}")


def cmd_refresh_figures(args: argparse.Namespace) -> None:
    """Keep every unit's figures of the year as of today, for a nightly job at a city or a
    province: the first viewer of the day then reads them instead of computing them."""
    from services import clock
    from services.refresh import refresh_figures
    from services.task_status import clamp_as_of

    year = args.year or clock.today().year
    with session_scope() as session:
        took = refresh_figures(session, year=year, as_of=clamp_as_of(year, clock.today()))
    print(", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in took.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init-db", help="apply migrations, install rule sets, demo data if empty")
    p.add_argument("--year", type=int, default=date.today().year)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=init_db)
    p = sub.add_parser("seed-demo", help="fill an empty database with deterministic demo data")
    p.add_argument("--year", type=int, default=date.today().year)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", help="last date of generated records, YYYY-MM-DD (default today)")
    p.set_defaults(func=cmd_seed_demo)
    p = sub.add_parser("load-units", help="add the units of seed/units.toml that are missing")
    p.set_defaults(func=cmd_load_units)
    p = sub.add_parser("backup", help="write a backup of the database")
    p.add_argument("--out", type=Path, help="file to write (default data/backups/app-<time>)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="replace the database with a backup")
    p.add_argument("file", type=Path)
    p.add_argument("--yes", action="store_true", help="confirm: every record is replaced")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("create-user", help="create an account")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--township", help="township code (for township_staff)")
    p.add_argument("--password", help="prompted for when omitted")
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("refresh-figures", help="compute every unit's figures of the year now")
    p.add_argument("--year", type=int, help="default: this year")
    p.set_defaults(func=cmd_refresh_figures)
    p = sub.add_parser("report", help="write a notification, the appraisal report or a briefing")
    p.add_argument(
        "--kind",
        required=True,
        choices=["notification-presidium", "notification-deputies", "appraisal", "briefing"],
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--unit", help="unit code (the two notifications)")
    where.add_argument("--district", action="store_true", help="the whole district")
    p.add_argument("--period", help="2026H2, 2026Q3 or 2026 (default: this half-year)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--out", required=True, help="file to write: .docx, .xlsx (appraisal), .pdf")
    p.add_argument("--hide-names", action="store_true", help="deputies as 代表1, 代表2 …")
    p.add_argument("--as-of", help="figures up to this date, YYYY-MM-DD (default today)")
    p.set_defaults(func=cmd_report)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
