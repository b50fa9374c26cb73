"""The demo in a real browser: from the home page to the finished edition's published
results, as a newcomer who has just run ``make run`` would find them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.contest.models import Edition
from prizes.db import db
from prizes.demo import seed
from tests.e2e.conftest import LiveServer
from tests.e2e.test_journeys import _shot


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the demo loaded, on its own database (the journeys' server starts
    empty, and the demo goes only into an empty database)."""
    instance = tmp_path_factory.mktemp("e2e-demo")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "e2e-only-secret-key",
            "DATABASE_URL": f"sqlite:///{instance / 'demo.db'}",
            "MAIL_URL": None,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1,
            "JOBS_IMMEDIATE": True,
        }
    )
    with app.app_context():
        upgrade_database()
        seed(300, rng_seed=7)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)


def test_a_newcomer_finds_the_finished_editions_winners(demo_server: LiveServer, page: Any):
    with demo_server.app.app_context():
        finished = db.session.scalar(
            select(Edition).where(Edition.results_published_at.is_not(None))
        )
        assert finished is not None
        title = finished.title
    page.goto(demo_server.url + "/")
    page.get_by_role("link", name="Results", exact=True).first.click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=f"Results: {title}").wait_for()
    text = page.inner_text("main")
    assert text.count("Winner") >= 18
    assert "ICT applications: e-health" in text
    _shot(page, "demo-finished-edition")
