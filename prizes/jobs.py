"""Background jobs: mail, the fraud checks and the exports run in a worker, off the request
path, and none is lost when Redis or the worker fails.

The queue is Redis when ``PRIZES_REDIS_URL`` is set (every worker and host shares it), else
a SQLite file in the instance folder, so one machine needs nothing more. The worker is
``flask --app wsgi worker`` (``make run`` starts one). With ``PRIZES_JOBS_IMMEDIATE=1`` jobs
run at once in the process that queues them (the tests do this).

The queue carries only ids; what must happen is in the database first:

- mail is a row of the outbox (``prizes.core.mail``), recorded with the action that causes
  it; the job sends it, and the worker's sweep (every ``SWEEP_SECONDS``) sends what no job
  did (its queue was down, its worker died) and retries failures;
- the fraud checks and the exports are job runs (``prizes.core.runs``), recorded with the
  request that asks for them and claimed by a worker under a lease that it renews; a run
  whose worker died is queued again by the sweep once its lease expires.

Handing an id to the queue is tried once, with the short Redis timeouts, after the commit;
a failure is logged and left to the sweep, never shown to the user as an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, crontab, signals
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from prizes.core import mail as mail_module
from prizes.core import outbox, runs
from prizes.core.redis_client import connection_options, queue_breaker
from prizes.review import decisions as review_decisions

log = logging.getLogger(__name__)


class AppHuey(Huey):
    """A Huey whose queue is chosen when the app is made, not when this module is imported."""

    target: str | None = None
    app: Flask | None = None
    consumer_side = False
    storage: Any  # huey's own storage object (huey ships no types)

    def get_storage(self, **kwargs: Any) -> Any:
        if not self.target:
            return MemoryStorage(self.name)
        if self.target.startswith(("redis://", "rediss://", "unix://")):
            import redis

            if self.app is None:
                raise RuntimeError("the queue is bound before it is used")
            # Requests only enqueue: a hung Redis costs them the short timeout. The worker
            # blocks on the queue for a second at a time, so its reads wait longer.
            timeout = 3.0 if self.consumer_side else None
            pool = redis.ConnectionPool.from_url(
                self.target, **connection_options(self.app, socket_timeout=timeout)
            )
            return RedisStorage(self.name, connection_pool=pool)
        return SqliteStorage(self.name, filename=self.target, timeout=1)

    def bind(self, app: Flask, target: str, *, immediate: bool, consumer: bool = False) -> None:
        self.app, self.target = app, target
        self.consumer_side = consumer
        self._immediate = immediate
        # The queue of an app made before is closed, not left to the garbage collector
        # (Python 3.13 warns of a SQLite connection that is never closed).
        self.storage.close()
        self.storage = self.create_storage()


huey = AppHuey("prizes")


def init_app(app: Flask, *, consumer: bool = False) -> None:
    target = app.config.get("REDIS_URL") or str(Path(app.instance_path) / "jobs.db")
    huey.bind(app, target, immediate=bool(app.config.get("JOBS_IMMEDIATE")), consumer=consumer)


def _context() -> Any:
    """The app context a job runs in: the caller's when it runs at once, else the worker's."""
    if has_app_context():
        return nullcontext()
    if huey.app is None:
        raise RuntimeError("jobs used before prizes.jobs.init_app")
    return huey.app.app_context()


def _enqueue(task: Any, *args: Any) -> bool:
    """Hand ``task(*args)`` to the queue; False (logged) when the queue is out of reach.
    While it failed a moment ago, it is not even tried: the sweep catches up."""
    if queue_breaker.is_open() and not huey.immediate:
        return False
    try:
        task(*args)
    except Exception as error:
        if huey.immediate:  # the job itself failed, and it is recorded where it belongs
            log.warning("job %s%r failed at once: %r", task.name, args, error)
        else:
            queue_breaker.failed(error)
        return False
    return True


# --- mail ---------------------------------------------------------------------------------


@huey.task()
def send_mail(mail_id: int) -> bool:
    """Send one mail of the outbox (at most once; retries come from the sweep)."""
    with _context():
        return outbox.send(mail_id)


@mail_module.mail_recorded.connect
def _queue_recorded_mail(_app: Any, mail_ids: list[int]) -> None:
    for mail_id in mail_ids:
        if not _enqueue(send_mail, mail_id) and not huey.immediate:
            log.info("mail %s waits in the outbox for the sweep", mail_id)


# --- jobs that matter ---------------------------------------------------------------------


@dataclass(frozen=True)
class Durable:
    """A kind of job run: what it does with its subject's id, and how often it may try."""

    work: Callable[[int, runs.JobRun], str]
    max_attempts: int = 2
    retry_after: float = 60
    gave_up: Callable[[int, str], None] | None = None


DURABLE: dict[str, Durable] = {}
_IN_PROGRESS: set[int] = set()  # the runs this process works on: alive, whatever their lease
_STARTED = "prizes.started_runs"


def durable(
    kind: str, *, max_attempts: int = 2, retry_after: float = 60, gave_up: Any = None
) -> Callable[[Callable[[int, runs.JobRun], str]], Callable[[int, runs.JobRun], str]]:
    """Register ``work(subject_id, run)`` as the job run ``kind``; it returns its result's
    one-line summary and commits its own work (``db.session`` is the job's own)."""

    def register(work: Callable[[int, runs.JobRun], str]) -> Callable[[int, runs.JobRun], str]:
        DURABLE[kind] = Durable(work, max_attempts, retry_after, gave_up)
        return work

    return register


def start(kind: str, subject_id: int) -> runs.JobRun:
    """Record a run of ``kind`` in the request's transaction; the queue gets it after the
    commit. The page may say "queued" as soon as this returns."""
    from prizes.db import db

    run = runs.record(db.session, kind, subject_id, max_attempts=DURABLE[kind].max_attempts)
    db.session.info.setdefault(_STARTED, []).append(run.id)
    return run


@event.listens_for(Session, "after_commit")
def _queue_started_runs(session: Session) -> None:
    run_ids = session.info.pop(_STARTED, None)
    if not run_ids:
        return
    handed = [run_id for run_id in run_ids if _enqueue(run_job, run_id)]
    if handed:
        try:
            with _context(), _own_session() as own:
                runs.mark_enqueued(own, handed)
        except Exception:  # the sweep may queue it a second time, which does nothing
            log.warning("could not note runs %s as queued", handed, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _drop_started_runs(session: Session) -> None:
    session.info.pop(_STARTED, None)


@huey.task()
def run_job(run_id: int) -> str | None:
    """Claim the run, do its work with the lease renewed meanwhile, record how it ended.

    Each step has a session of its own, one after the other (the claim, the work, the
    outcome), so none waits on another's transaction."""
    from prizes.db import db

    with _context():
        lease = float(current_app.config["JOB_LEASE_SECONDS"])
        with _own_session() as own:
            run = runs.claim(own, run_id, lease_seconds=lease)
            if run is None:
                return None  # done, or another worker has it
            own.expunge(run)  # read below as it was claimed
        kind, subject_id = DURABLE[run.kind], run.subject_id or 0
        heartbeat = None if huey.immediate else _Heartbeat(current_app, run_id, lease)
        _IN_PROGRESS.add(run_id)
        try:
            with db.session_for(outbox.new_session()):
                result = kind.work(subject_id, run)
        except Exception as error:
            with _own_session() as own:
                again = runs.fail(own, run_id, error=repr(error), retry_after=kind.retry_after)
            if not again and kind.gave_up is not None:
                with db.session_for(outbox.new_session()):
                    kind.gave_up(subject_id, repr(error))
            raise
        finally:
            _IN_PROGRESS.discard(run_id)
            if heartbeat is not None:
                heartbeat.stop()
        with _own_session() as own:
            runs.finish(own, run_id, result=result)
        return result


@contextmanager
def _own_session() -> Iterator[Session]:
    session = outbox.new_session()
    try:
        yield session
    finally:
        session.close()


class _Heartbeat:
    """Renews a run's lease every third of it, in a thread, while the work goes on."""

    def __init__(self, app: Flask, run_id: int, lease: float) -> None:
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(app, run_id, lease), daemon=True, name=f"lease-{run_id}"
        )
        self._thread.start()

    def _beat(self, app: Flask, run_id: int, lease: float) -> None:
        while not self._stopped.wait(lease / 3):
            try:
                with app.app_context(), _own_session() as own:
                    runs.renew(own, run_id, lease_seconds=lease)
            except Exception:  # a missed beat: the lease is long enough for the next one
                log.warning("could not renew the lease of run %s", run_id, exc_info=True)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


def sweep() -> tuple[int, int]:
    """One pass of the worker's sweep: send the mail no job sent, queue again the runs whose
    worker died or whose queue was down. Returns (mails sent, runs queued)."""
    from prizes.core.clock import now

    with _context():
        sent = outbox.sweep()
        with _own_session() as own:
            requeue_after = float(current_app.config["JOB_LEASE_SECONDS"]) * 5
            waiting, gave_up = runs.recover(
                own, moment=now(), requeue_after=requeue_after, alive=frozenset(_IN_PROGRESS)
            )
            waiting_ids = [run.id for run in waiting]
            failed = [(run.kind, run.subject_id or 0, run.error or "") for run in gave_up]
        for kind, subject_id, error in failed:
            hook = DURABLE[kind].gave_up if kind in DURABLE else None
            if hook is not None:
                from prizes.db import db

                with db.session_for(outbox.new_session()):
                    hook(subject_id, error)
        queued = [run_id for run_id in waiting_ids if _enqueue(run_job, run_id)]
        if queued:
            with _own_session() as own:
                runs.mark_enqueued(own, queued)
        return sent, len(queued)


def run_sweeper(app: Flask, stop: threading.Event) -> None:
    """The worker's sweep, every ``SWEEP_SECONDS`` until ``stop``: Redis is not needed for
    mail to go out, only for it to go out at once."""
    interval = float(app.config["SWEEP_SECONDS"])
    while True:
        try:
            with app.app_context():
                sent, queued = sweep()
            if sent or queued:
                log.info("sweep: %d mails sent, %d job runs queued again", sent, queued)
        except Exception:  # the database may be out of reach: the next pass tries again
            log.warning("sweep failed", exc_info=True)
        if stop.wait(interval):
            return


# --- the jobs -----------------------------------------------------------------------------


@durable("fraud_checks", max_attempts=2)
def _fraud_checks(round_id: int, run: runs.JobRun) -> str:
    from prizes.core.clock import now
    from prizes.db import db
    from prizes.voting.fraud import compute_flags
    from prizes.voting.integrity import mark_for_review
    from prizes.voting.models import VotingRound

    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None:
        return "no such round"
    moment = now()
    flags = compute_flags(voting_round, now=moment)
    marked = []
    # Once the round has closed, the checks' flags decide the integrity threshold too.
    if voting_round.finalised_at is None and moment >= voting_round.closes_at:
        marked = mark_for_review(voting_round, now=moment)
    db.session.commit()
    return f"{len(flags)} flags" + (f", {len(marked)} nominations marked" if marked else "")


def compute_round_flags(round_id: int) -> runs.JobRun:
    """Ask for the fraud checks of a round (recorded now, run by the worker)."""
    return start("fraud_checks", round_id)


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


def _export_gave_up(export_id: int, error: str) -> None:
    from prizes.core.clock import now
    from prizes.db import db
    from prizes.exports import services
    from prizes.exports.models import Export, ExportStatus

    export = db.session.get(Export, export_id)
    if export is not None and export.status is not ExportStatus.DONE:
        services.fail_export(export, error=error, retries_left=0, now=now())
        db.session.commit()


@durable("export", max_attempts=3, retry_after=60, gave_up=_export_gave_up)
def _export(export_id: int, run: runs.JobRun) -> str:
    """Write one export's CSV file; its state in the database tells every host how far it
    got, and a failed attempt is recorded there with the retries left."""
    from prizes.core.clock import now
    from prizes.db import db
    from prizes.exports import services
    from prizes.exports.models import Export, ExportStatus

    export = db.session.get(Export, export_id)
    if export is None or export.status is ExportStatus.DONE:
        return "nothing to do"
    services.start_export(export, now=now())
    db.session.commit()
    try:
        name, rows = services.write_export(export, folder=Path(current_app.config["EXPORT_FOLDER"]))
    except Exception as error:
        db.session.rollback()
        services.fail_export(export, error=repr(error), retries_left=run.retries_left, now=now())
        db.session.commit()
        raise
    services.finish_export(export, file_name=name, rows=rows, now=now())
    db.session.commit()
    return f"{rows} rows"


def run_export(export_id: int) -> runs.JobRun:
    """Ask for an export to be written (recorded now, run by the worker)."""
    return start("export", export_id)


@durable("vote_log", max_attempts=3, retry_after=30)
def _vote_log(round_id: int, run: runs.JobRun) -> str:
    """One batch of a round's vote log: the new leaves, the nodes, a signed head."""
    from prizes.core.clock import now
    from prizes.db import db
    from prizes.transparency.services import extend_log
    from prizes.voting.models import VotingRound

    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None:
        return "no such round"
    head = extend_log(voting_round, now=now())
    db.session.commit()
    return f"head of {head.tree_size} leaves" if head else "nothing new"


def extend_vote_log(round_id: int) -> runs.JobRun:
    """Ask for a batch of the round's vote log (recorded now, run by the worker)."""
    return start("vote_log", round_id)


@durable("log_file", max_attempts=3, retry_after=60)
def _log_file(round_id: int, run: runs.JobRun) -> str:
    """Write a finished round's open-data log file (on the worker's host; another host
    writes its own at its first request)."""
    from prizes.db import db
    from prizes.transparency.published import log_file
    from prizes.voting.models import VotingRound

    voting_round = db.session.get(VotingRound, round_id)
    written = log_file(voting_round) if voting_round is not None else None
    return f"written: {written.name}" if written else "the log is not final yet"


@review_decisions.results_published.connect
def _write_log_files_of(edition: Any, **_: Any) -> None:
    write_log_files(edition.id)


def write_log_files(edition_id: int) -> list[runs.JobRun]:
    """At publication: a job per finalised round of the edition, to write its log file."""
    from prizes.db import db
    from prizes.voting.models import VotingRound

    round_ids = db.session.scalars(
        select(VotingRound.id).where(
            VotingRound.edition_id == edition_id, VotingRound.finalised_at.is_not(None)
        )
    ).all()
    return [start("log_file", round_id) for round_id in round_ids]


@huey.periodic_task(crontab(minute="*"))
def schedule_vote_logs() -> int:
    """Every minute: a batch for each round whose log is still growing (open, or closed
    without its final head), unless one is already waiting or running."""
    from prizes.core.clock import now
    from prizes.db import db
    from prizes.transparency.queries import rounds_needing_a_batch

    with _context():
        round_ids = rounds_needing_a_batch(now())
        for round_id in round_ids:
            extend_vote_log(round_id)
        db.session.commit()
        return len(round_ids)


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
