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


def max_upload_bytes() -> int:
    """The largest evidence file accepted: MAX_UPLOAD_MB megabytes (default 10)."""
    return int(float(os.environ.get("MAX_UPLOAD_MB", "10")) * 2**20)
