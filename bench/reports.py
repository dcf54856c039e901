"""Documents over one district of demo data: how long a leader waits for the appraisal report
(the target is under 30 s) and the briefing, and a clerk for a notice."""

import logging
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlmodel import Session, SQLModel, select
from streamlit.logger import get_logger

from bench import Figure
from models import Township
from models.db import make_engine
from seed.demo import generate_demo
from services import rules
from services.documents.periods import Period
from services.permissions import SYSTEM

YEAR = 2026
AS_OF = date(2026, 11, 27)


def reports() -> list[Figure]:
    """Wall time of each document, made once (a first download, nothing cached)."""
    # The documents draw the screens' charts; their modules' cached reads warn outside a server.
    get_logger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from ui import documents

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        SQLModel.metadata.create_all(engine)
        figures = []
        with Session(engine, expire_on_commit=False) as session:
            rules.install_defaults(session)
            generate_demo(session, year=YEAR, seed=1, as_of=AS_OF)
            unit = session.exec(select(Township.id).where(Township.code == "daxing")).one()
            jobs = {
                "appraisal report .docx, whole district": (documents.Kind.appraisal, "docx", None),
                "appraisal report .xlsx, whole district": (documents.Kind.appraisal, "xlsx", None),
                "briefing .pdf, whole district": (documents.Kind.briefing, "pdf", None),
                "presidium notice .docx, one town": (
                    documents.Kind.notification_presidium,
                    "docx",
                    unit,
                ),
                "deputies notice .docx, one town": (
                    documents.Kind.notification_deputies,
                    "docx",
                    unit,
                ),
            }
            for name, (kind, fmt, township_id) in jobs.items():
                started = time.perf_counter()
                documents.build(
                    session,
                    SYSTEM,
                    kind=kind,
                    period=Period(YEAR, "year"),
                    township_id=township_id,
                    fmt=fmt,
                    as_of=AS_OF,
                )
                figures.append(Figure(name, time.perf_counter() - started, "s"))
        engine.dispose()
    return figures
