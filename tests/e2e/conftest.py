"""Browser journeys: the app served on loopback, driven by Playwright in Debian's Chromium.

They need a Chromium binary (``apt-get install chromium``; ``.ci/run`` installs it) and skip,
saying so, where there is none.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from prizes import create_app
from prizes.cli import upgrade_database

CHROMIUM = os.environ.get("PRIZES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url

    @property
    def outbox(self) -> Path:
        return Path(self.app.config["MAIL_OUTBOX_DIR"])


@contextmanager
def serve(instance: Path, **settings: Any) -> Iterator[LiveServer]:
    """The app on a free loopback port, with its own database in ``instance`` (and
    ``settings`` over the journeys' ones). The job queue, bound to one app at a time, is
    given back to the app it served before, if any."""
    from prizes.jobs import huey

    before = (huey.app, huey.target, huey.immediate, huey.consumer_side)
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "e2e-only-secret-key",
            "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
            "MAIL_URL": None,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1,
            "REGISTRATION_MIN_SECONDS": 1,
            "JOBS_IMMEDIATE": True,
            "REQUIRE_TWO_FACTOR_ROLES": (),
            **settings,
        }
    )
    with app.app_context():
        upgrade_database()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        if before[0] is not None and before[0] is not app:
            huey.bind(before[0], before[1], immediate=before[2], consumer=before[3])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve(tmp_path_factory.mktemp("e2e")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) to run"
        if os.environ.get("PRIZES_E2E_REQUIRED"):
            pytest.fail(reason)  # CI installs Chromium, so there a missing one is a failure
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _is_problem(message: Any) -> bool:
    """A console error other than the browser noting a 4xx answer the test asked for."""
    expected = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
    return message.type == "error" and not expected.match(message.text)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context; fails the test on any console error (CSP violations too)."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: _is_problem(message) and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


# axe-core, the accessibility engine, from the npm registry into a cache folder outside the
# repository (never committed): pinned, fetched once per machine.
AXE_VERSION = "4.10.2"
AXE_CACHE = Path(os.environ.get("PRIZES_AXE_CACHE") or Path.home() / ".cache" / "wsis-prizes")


@pytest.fixture(scope="session")
def axe_script() -> str:
    """The source of axe.min.js, to inject into pages under test."""
    import subprocess  # nosec B404: npm, with fixed arguments

    folder = AXE_CACHE / f"axe-core-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            reason = "no npm to fetch axe-core: install Node.js (apt-get install npm)"
            if os.environ.get("PRIZES_E2E_REQUIRED"):
                pytest.fail(reason)
            pytest.skip(reason)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603  (npm with fixed arguments)
            [
                npm,
                "install",
                "--prefix",
                str(folder),
                "--no-save",
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script.read_text()
