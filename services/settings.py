"""Settings read from the environment and from .streamlit/secrets.toml."""

import os
import secrets
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


def app_env() -> str:
    """'demo' (default: demo accounts and data) or 'production' (no demo accounts)."""
    return os.environ.get("APP_ENV", "demo").strip().lower() or "demo"


def is_demo() -> bool:
    return app_env() != "production"


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
