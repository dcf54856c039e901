"""Browser tests: start the app with a demo database on a free port and drive system Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from manage import migrate
from models.db import session_scope
from services import rules

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs it)")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling a server that is still starting, not synchronising a test
    raise TimeoutError(f"{url} did not become healthy in {timeout}s")


def demo_database(folder: Path) -> str:
    """A migrated demo database with the demo accounts, in ``folder``."""
    from seed.demo import generate_demo
    from seed.demo_users import create_demo_users

    url = f"sqlite:///{folder / 'app.db'}"
    migrate(url)
    with session_scope(url) as session:
        rules.install_defaults(session)
        generate_demo(session, year=date.today().year, seed=1, as_of=date.today())
        create_demo_users(session)
    return url


@contextmanager
def serve(url: str):
    """Start the app (server.py) over the database ``url`` on a free port; yield its address."""
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": url,
        "COOKIE_KEY": "e2e-cookie-key-not-secret-0123456789abcdef",
        "BCRYPT_ROUNDS": "4",
        # The overview must not refresh itself in the middle of a test's clicks.
        "REFRESH_SECONDS": "600",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "server.py"),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            # The app under test must not reload itself when a source file is saved meanwhile.
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    return demo_database(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def app_url(demo_db):
    """URL of a running app over a fresh demo database."""
    with serve(demo_db) as base:
        yield base


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
