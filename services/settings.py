"""Settings read from the environment and from .streamlit/secrets.toml."""

import os
import secrets
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


def app_env() -> str | None:
    """APP_ENV as asked for: 'demo', 'production', or None when unset.

    It decides the kind of a new database only (see services/deployment.py): unset, a new
    database becomes a demo; an existing database keeps its kind whatever is asked.
    """
    value = os.environ.get("APP_ENV", "").strip().lower()
    if value in ("", "demo", "production"):
        return value or None
    raise ValueError(f"APP_ENV must be demo or production, not {value!r}")


def _secrets(path: Path) -> dict:
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def cookie_key(path: Path = SECRETS_PATH) -> str:
    """The key that signs login cookies: COOKIE_KEY, else secrets.toml, else made once and kept."""
    if env := os.environ.get("COOKIE_KEY"):
        return env
    if key := _secrets(path).get("auth", {}).get("cookie_key"):
        return key
    key = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = "" if not path.exists() or path.read_text().endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f'{prefix}[auth]\ncookie_key = "{key}"\n')
    path.chmod(0o600)
    return key


def cookie_expiry_days() -> float:
    return float(os.environ.get("COOKIE_EXPIRY_DAYS", "7"))


def refresh_seconds() -> int:
    """How often the overview refreshes itself (a wall screen shows new entries unattended)."""
    return max(5, int(os.environ.get("REFRESH_SECONDS", "30")))


def _int(value: str | None, default: int) -> int:
    """A whole number setting: ``value`` when given, else ``default``."""
    return int(value) if value and value.strip() else default


def spreadsheet_max_bytes() -> int:
    """The largest spreadsheet a clerk may upload, as sent (IMPORT_MAX_UPLOAD_MB, default 30)."""
    return _int(os.environ.get("IMPORT_MAX_UPLOAD_MB"), 30) << 20


def unpacked_max_bytes() -> int:
    """The most an uploaded workbook may hold once unpacked (IMPORT_MAX_UNPACKED_MB, default
    200): an .xlsx is a zip, and a small one can unpack to gigabytes."""
    return _int(os.environ.get("IMPORT_MAX_UNPACKED_MB"), 200) << 20


def import_max_rows() -> int:
    """The most rows one uploaded sheet may have (IMPORT_MAX_ROWS, default 100,000)."""
    return _int(os.environ.get("IMPORT_MAX_ROWS"), 100_000)


def import_max_columns() -> int:
    """The most columns one uploaded sheet may have (IMPORT_MAX_COLUMNS, default 100)."""
    return _int(os.environ.get("IMPORT_MAX_COLUMNS"), 100)


def evidence_max_bytes() -> int:
    """The largest evidence file accepted: MAX_UPLOAD_MB megabytes (default 10)."""
    return int(float(os.environ.get("MAX_UPLOAD_MB", "10")) * 2**20)
