"""Jobs that matter, recorded in the database with a lease, so that none is lost.

A job that matters (the fraud checks of a round, an export; later the transparency log's
batches) is a ``job_runs`` row written in the transaction that asks for it. The job queue
only carries its id. The worker claims the row (``queued`` -> ``running``, with a lease it
renews while it works), and marks it ``done`` or ``failed``. The worker's sweep finds:

- runs still ``queued`` that never reached the queue (Redis was down) or fell out of it:
  queued again;
- runs ``running`` whose lease expired (their worker died): queued again if attempts are
  left, else ``failed``.

So a job whose worker died is retried once its lease expires, and done once: a second copy
of the same id in the queue finds the run claimed or done and does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from prizes.core.clock import now
from prizes.db import Base, UTCDateTime, enum_type

GRACE_SECONDS = 10


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The state as the secretariat reads it on the jobs screen."""
        return str(_RUN_STATUS_LABELS[self])


_RUN_STATUS_LABELS = {
    RunStatus.QUEUED: _l("queued"),
    RunStatus.RUNNING: _l("running"),
    RunStatus.DONE: _l("done"),
    RunStatus.FAILED: _l("failed"),
}


class JobRun(Base):
    """One asked-for job: what, on which object, how far it got, and its lease."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_state", "status", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # "fraud_checks", "export"
    subject_id: Mapped[int | None] = mapped_column(Integer)  # the round, the export
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "job_run_status"), default=RunStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=2)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reached the queue
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a retry's delay
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def retries_left(self) -> int:
        return max(0, self.max_attempts - self.attempts)


def record(session: Session, kind: str, subject_id: int | None, *, max_attempts: int) -> JobRun:
    """Add a queued run to ``session``'s transaction (flushed; the caller commits)."""
    run = JobRun(
        kind=kind,
        subject_id=subject_id,
        status=RunStatus.QUEUED,
        attempts=0,
        max_attempts=max_attempts,
        queued_at=now(),
    )
    session.add(run)
    session.flush()
    return run


def claim(session: Session, run_id: int, *, lease_seconds: float) -> JobRun | None:
    """Take a queued, due run for this worker (committed); None when another has it, or
    it is done, or it waits for its retry delay."""
    moment = now()
    claimed = session.execute(
        update(JobRun)
        .where(
            JobRun.id == run_id,
            JobRun.status == RunStatus.QUEUED,
            (JobRun.not_before.is_(None)) | (JobRun.not_before <= moment),
        )
        .values(
            status=RunStatus.RUNNING,
            attempts=JobRun.attempts + 1,
            started_at=moment,
            lease_until=moment + timedelta(seconds=lease_seconds),
            error=None,
        )
    )
    if not getattr(claimed, "rowcount", 0):
        session.rollback()
        return None
    session.commit()
    return session.get(JobRun, run_id)


def renew(session: Session, run_id: int, *, lease_seconds: float) -> None:
    """The worker is still at it: push the lease on (its heartbeat)."""
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == RunStatus.RUNNING)
        .values(lease_until=now() + timedelta(seconds=lease_seconds))
    )
    session.commit()


def finish(session: Session, run_id: int, *, result: str) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(status=RunStatus.DONE, finished_at=now(), lease_until=None, result=result[:200])
    )
    session.commit()


def fail(session: Session, run_id: int, *, error: str, retry_after: float) -> bool:
    """The attempt failed: queued again after ``retry_after`` seconds if attempts are left
    (True), else failed for good (False). Committed."""
    run = session.get(JobRun, run_id)
    if run is None:
        return False
    again = run.attempts < run.max_attempts
    run.status = RunStatus.QUEUED if again else RunStatus.FAILED
    run.error = error[:1000]
    run.lease_until = None
    run.enqueued_at = None
    run.finished_at = None if again else now()
    run.not_before = now() + timedelta(seconds=retry_after) if again else None
    session.commit()
    return again


def mark_enqueued(session: Session, run_ids: list[int]) -> None:
    session.execute(update(JobRun).where(JobRun.id.in_(run_ids)).values(enqueued_at=now()))
    session.commit()


def recover(
    session: Session, *, moment: datetime, requeue_after: float, alive: frozenset[int] = frozenset()
) -> tuple[list[JobRun], list[JobRun]]:
    """The sweep's half for jobs: runs whose worker died go back to the queue, or fail
    once out of attempts; returns (runs to put in the queue, runs that gave up). Committed.

    ``alive``: runs this process is working on, whatever their lease says (on SQLite a long
    check holds the write lock, so its heartbeat may wait past the lease)."""
    gave_up: list[JobRun] = []
    dead = session.scalars(
        select(JobRun).where(
            JobRun.status == RunStatus.RUNNING,
            JobRun.lease_until < moment,
            JobRun.id.not_in(alive),
        )
    ).all()
    for run in dead:
        run.error = "the worker stopped while running it (its lease expired)"
        run.lease_until = None
        run.enqueued_at = None
        if run.attempts < run.max_attempts:
            run.status = RunStatus.QUEUED
        else:
            run.status = RunStatus.FAILED
            run.finished_at = moment
            gave_up.append(run)
    session.flush()
    lost = moment - timedelta(seconds=requeue_after)
    fresh = moment - timedelta(seconds=GRACE_SECONDS)  # its own request is handing it on
    waiting = session.scalars(
        select(JobRun).where(
            JobRun.status == RunStatus.QUEUED,
            (JobRun.not_before.is_(None)) | (JobRun.not_before <= moment),
            ((JobRun.enqueued_at.is_(None)) & (JobRun.queued_at < fresh))
            | (JobRun.enqueued_at < lost)
            | (JobRun.id.in_([run.id for run in dead if run.status is RunStatus.QUEUED])),
        )
    ).all()
    session.commit()
    return list(waiting), gave_up


def recent(session: Session, limit: int = 50) -> list[JobRun]:
    """The newest runs first, for the secretariat's jobs screen."""
    return list(session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def latest(session: Session, kind: str, subject_id: int) -> JobRun | None:
    """The newest run of ``kind`` on ``subject_id`` (the flags page shows its state)."""
    return session.scalar(
        select(JobRun)
        .where(JobRun.kind == kind, JobRun.subject_id == subject_id)
        .order_by(JobRun.id.desc())
        .limit(1)
    )
