"""Background jobs: mail and the fraud checks run in a worker, off the request path.

The queue is Redis when ``PRIZES_REDIS_URL`` is set (every worker and host shares it), else
a SQLite file in the instance folder, so one machine needs nothing more. The worker is
``flask --app wsgi worker`` (``make run`` starts one); it also writes the large CSV
exports. With ``PRIZES_JOBS_IMMEDIATE=1`` jobs run at once in the process that queues
them (the tests do this). Failed jobs are retried with a growing delay, logged, and
recorded in the audit trail, which the secretariat sees.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from huey import Huey, crontab, signals
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)


class AppHuey(Huey):
    """A Huey whose queue is chosen when the app is made, not when this module is imported."""

    target: str | None = None
    app: Flask | None = None

    def get_storage(self, **kwargs: Any) -> Any:
        if not self.target:
            return MemoryStorage(self.name)
        if self.target.startswith(("redis://", "rediss://", "unix://")):
            return RedisStorage(self.name, url=self.target)
        return SqliteStorage(self.name, filename=self.target)

    def bind(self, app: Flask, target: str, *, immediate: bool) -> None:
        self.app, self.target = app, target
        self._immediate = immediate
        self.storage = self.create_storage()


huey = AppHuey("prizes")


def init_app(app: Flask) -> None:
    target = app.config.get("REDIS_URL") or str(Path(app.instance_path) / "jobs.db")
    huey.bind(app, target, immediate=bool(app.config.get("JOBS_IMMEDIATE")))


def _context() -> Any:
    """The app context a job runs in: the caller's when it runs at once, else the worker's."""
    if has_app_context():
        return nullcontext()
    if huey.app is None:
        raise RuntimeError("jobs used before prizes.jobs.init_app")
    return huey.app.app_context()


@huey.task(retries=5, retry_delay=30, retry_backoff=2)
def deliver_mail(to: str, subject: str, body: str) -> None:
    from prizes.core.mail import Message, deliver

    with _context():
        deliver(Message(to=to, subject=subject, body=body))


@huey.task(retries=2, retry_delay=60)
def compute_round_flags(round_id: int) -> int:
    from prizes.core.clock import now
    from prizes.db import db
    from prizes.voting.fraud import compute_flags
    from prizes.voting.models import VotingRound

    with _context():
        voting_round = db.session.get(VotingRound, round_id)
        if voting_round is None:
            return 0
        flags = compute_flags(voting_round, now=now())
        db.session.commit()
        return len(flags)


@huey.periodic_task(crontab(minute="*/30"))
def prune_used_challenges() -> int:
    """Forget the proof-of-work challenges that have expired (a replay fails on expiry)."""
    from prizes.core.clock import now
    from prizes.core.proof_of_work import prune
    from prizes.db import db

    with _context():
        count = prune(moment=now())
        db.session.commit()
        return count


@huey.task(retries=2, retry_delay=60, context=True)
def run_export(export_id: int, task: Any = None) -> int:
    """Write one export's CSV file; its state in the database tells every host how far it
    got, and a failed attempt is recorded there with the retries left."""
    from flask import current_app

    from prizes.core.clock import now
    from prizes.db import db
    from prizes.exports import services
    from prizes.exports.models import Export, ExportStatus

    with _context():
        export = db.session.get(Export, export_id)
        if export is None or export.status is ExportStatus.DONE:
            return 0
        services.start_export(export, now=now())
        db.session.commit()
        try:
            name, rows = services.write_export(
                export, folder=Path(current_app.config["EXPORT_FOLDER"])
            )
        except Exception as error:
            db.session.rollback()
            retries_left = task.retries if task is not None else 0
            services.fail_export(export, error=repr(error), retries_left=retries_left, now=now())
            db.session.commit()
            raise
        services.finish_export(export, file_name=name, rows=rows, now=now())
        db.session.commit()
        return rows


@huey.signal(signals.SIGNAL_ERROR)
def _record_failure(signal: str, task: Any, exc: BaseException | None = None) -> None:
    """Keep failures where the secretariat looks: the log and the audit trail."""
    log.error("job %s failed (retries left: %s): %r", task.name, task.retries, exc)
    try:
        from flask import current_app

        from prizes.core import audit

        with _context():
            # A session of its own: the caller's may be mid-commit when a job runs at once.
            session = current_app.extensions["prizes.db"].session_factory()
            audit.record(
                session,
                "job.failed",
                actor=None,
                task=task.name,
                retries_left=task.retries,
                error=repr(exc)[:500],
            )
            try:
                session.commit()
            finally:
                session.close()
    except Exception:  # the failure is logged above; never let the record of it crash the worker
        log.exception("could not record the failure of job %s", task.name)


@huey.task(retries=1, retry_delay=30)
def run_import(run_id: int) -> int:
    """Import an uploaded file that the secretariat confirmed (see prizes.stocktaking.uploads)."""
    from flask import current_app

    from prizes.db import db
    from prizes.stocktaking import uploads

    with _context():
        run = db.session.get(uploads.ImportRun, run_id)
        if run is None or run.status is not uploads.ImportStatus.QUEUED:
            return 0
        try:
            uploads.import_file(
                run, folder=Path(current_app.config["IMPORT_FOLDER"]), commit=db.session.commit
            )
        except Exception as error:
            db.session.rollback()
            uploads.fail_import(run, error=repr(error))
            db.session.commit()
            raise
        return run.done_count
