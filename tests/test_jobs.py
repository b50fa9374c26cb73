"""Background jobs through a real worker: queued on commit, delivered by the consumer,
retried and recorded when they fail."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from prizes import create_app, jobs
from prizes.accounts import services
from prizes.cli import upgrade_database
from prizes.core import outbox, runs
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.mail import MailStatus, OutgoingMail
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
    with queued_app.app_context():
        services.register_user(email="failing@example.org", password=PASSWORD, now=now())
        db.session.commit()
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
    with queued_app.app_context():
        mail = db.session.scalar(select(OutgoingMail))
        # The retry waits in the outbox, for the sweep, with its delay.
        assert mail.status is MailStatus.PENDING and mail.attempts == 1
        assert mail.next_attempt_at > now()


def test_the_sweep_sends_mail_whose_job_never_reached_the_queue(queued_app, tmp_path):
    outbox_dir = tmp_path / "outbox"
    with queued_app.app_context():
        services.register_user(email="lost@example.org", password=PASSWORD, now=now())
        db.session.commit()
        jobs.huey.flush()  # the job is lost; the mail is in the outbox all the same
        mail = db.session.scalar(select(OutgoingMail))
        assert mail.status is MailStatus.PENDING
        created, mail_id = mail.created_at, mail.id
        db.session.commit()  # SQLite: the worker app's reads hold the write lock
        assert outbox.sweep(moment=created) == 0  # its own job may still come
        assert outbox.sweep(moment=created + timedelta(seconds=11)) == 1
        assert db.session.get(OutgoingMail, mail_id).status is MailStatus.SENT
    assert len(list(outbox_dir.glob("*.eml"))) == 1


def test_a_job_run_whose_worker_died_is_run_again_once_its_lease_expired(queued_app):
    from tests.factories import make_edition, make_round

    with queued_app.app_context():
        voting_round = make_round(edition=make_edition())
        run_id = jobs.compute_round_flags(voting_round.id).id
        db.session.commit()
        # A worker takes it, then dies: running, with a lease nobody renews.
        own = outbox.new_session()
        claimed = runs.claim(own, run_id, lease_seconds=0)
        own.close()
        assert claimed is not None and claimed.attempts == 1
        jobs.huey.flush()
        time.sleep(0.01)
        assert jobs.sweep() == (0, 1)  # queued again
    consumer = _run_worker()

    def done() -> bool:
        with queued_app.app_context():
            found = db.session.get(runs.JobRun, run_id)
            status = found.status
            db.session.rollback()
            return status is runs.RunStatus.DONE

    try:
        assert _wait_for(done)
    finally:
        consumer.stop(graceful=True)
    with queued_app.app_context():
        found = db.session.get(runs.JobRun, run_id)
        assert found.attempts == 2 and found.result == "0 flags"
        db.session.rollback()
        # Done once: a stray copy of the job in the queue changes nothing.
        assert jobs.run_job.call_local(run_id) is None
