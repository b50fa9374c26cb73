"""Background jobs through a real worker: queued on commit, delivered by the consumer,
retried and recorded when they fail."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from prizes import create_app, jobs
from prizes.accounts import services
from prizes.cli import upgrade_database
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.db import db
from tests.conftest import PASSWORD


@pytest.fixture
def queued_app(app, tmp_path: Path):
    """An app whose jobs wait in a SQLite queue for a worker, with a database of its own."""
    settings = {k: v for k, v in app.config.items() if k.isupper()}
    worker_app = create_app(
        {
            **settings,
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs-test.db'}",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "JOBS_IMMEDIATE": False,
            "REDIS_URL": None,
        }
    )
    with worker_app.app_context():
        upgrade_database()
    yield worker_app
    with worker_app.app_context():
        db.engine.dispose()


def _wait_for(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _run_worker():
    consumer = jobs.huey.create_consumer(
        workers=1, worker_type="thread", initial_delay=0.05, max_delay=0.2
    )
    consumer.start()
    return consumer


def test_mail_waits_in_the_queue_until_the_worker_sends_it(queued_app, tmp_path):
    outbox = tmp_path / "outbox"
    with queued_app.app_context():
        services.register_user(email="queued@example.org", password=PASSWORD, now=now())
        db.session.commit()
    assert jobs.huey.pending_count() == 1
    assert not outbox.exists() or not list(outbox.iterdir())
    consumer = _run_worker()
    try:
        assert _wait_for(lambda: outbox.exists() and any(outbox.glob("*.eml")))
    finally:
        consumer.stop(graceful=True)
    assert jobs.huey.pending_count() == 0


def test_a_failing_job_is_retried_and_recorded(queued_app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    queued_app.config["MAIL_URL"] = f"smtp://127.0.0.1:{closed_port}"
    jobs.deliver_mail("someone@example.org", "Subject", "Body")
    consumer = _run_worker()

    def failure_recorded() -> bool:
        with queued_app.app_context():
            return (
                db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.failed"))
                is not None
            )

    try:
        assert _wait_for(failure_recorded)
    finally:
        consumer.stop(graceful=True)
    assert jobs.huey.scheduled_count() == 1  # the retry, waiting for its delay
