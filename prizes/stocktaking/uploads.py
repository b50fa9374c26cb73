"""Bulk import in the browser: an uploaded file is checked first (a dry run that lists every
bad row), then imported by the worker with the same importer as ``flask import-entries``,
and the run is kept as the report.

The run's state lives in the database, like an export's, so the page that follows it
reads the same on every host. The job is one function (``prizes.jobs.run_import``) over
:func:`import_file`, small enough to move onto any job runner.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prizes.accounts.models import User
from prizes.core import audit
from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.db import Base, UTCDateTime, db, enum_type
from prizes.stocktaking import importer


class ImportStatus(StrEnum):
    REFUSED = "refused"  # the dry run found bad rows: nothing is imported
    CHECKED = "checked"  # every row is good; waiting for the secretariat to confirm
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportRun(Base):
    """One uploaded file: its check, its import's progress, and the result (the report)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus, "import_status"))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    done_count: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int | None] = mapped_column(Integer)
    updated_count: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    failure: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()

    @property
    def percent(self) -> int:
        return 100 if not self.row_count else min(100, self.done_count * 100 // self.row_count)

    @property
    def is_moving(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportNotReady(DomainError):
    status_code = 409


def check_upload(data: bytes, *, source_name: str, folder: Path, by: User) -> ImportRun:
    """Keep the file and check every row (the dry run); writes no entry.

    Side effects: the file in ``folder``, the run (refused, with every bad row's line and
    reason, or checked), an audit event. Raises ImportFileError for an unusable file."""
    suffix = Path(source_name).suffix.lower()
    if suffix not in importer.FORMATS:
        raise importer.ImportFileError(f"unknown format {suffix or '(no extension)'!r}")
    folder.mkdir(parents=True, exist_ok=True)
    file_name = f"import-{secrets.token_hex(8)}{suffix}"
    path = folder / file_name
    path.write_bytes(data)
    try:
        parsed = importer.read_entries(path)
    except importer.ImportFileError:
        path.unlink(missing_ok=True)
        raise
    run = ImportRun(
        source_name=Path(source_name).name[:200],
        file_name=file_name,
        status=ImportStatus.REFUSED if parsed.errors else ImportStatus.CHECKED,
        row_count=len(parsed.rows) + parsed.bad_row_count,
        errors=[str(error) for error in parsed.errors],
        requested_by_id=by.id,
        requested_at=now(),
    )
    db.session.add(run)
    db.session.flush()
    audit.record(db.session, "stocktaking.import_checked", actor=by, target=run)
    return run


def queue_import(run: ImportRun, *, by: User) -> None:
    """The secretariat confirms a checked run. Side effects: queued, an audit event."""
    if run.status is not ImportStatus.CHECKED:
        raise ImportNotReady("Only a checked file without bad rows can be imported.")
    run.status = ImportStatus.QUEUED
    db.session.flush()
    audit.record(db.session, "stocktaking.import_queued", actor=by, target=run)


def import_file(run: ImportRun, *, folder: Path, commit: Any) -> None:
    """The worker's part: import the run's rows, committing after each batch so that the
    page following the run sees the progress. A batch matches entries by external id, so
    a retry after a failure completes the import instead of copying rows."""
    run.status, run.done_count = ImportStatus.RUNNING, 0
    commit()
    parsed = importer.read_entries(folder / run.file_name)

    def progress(rows: int) -> None:
        run.done_count += rows
        commit()

    result = importer.apply_rows(
        parsed.rows, source=run.source_name, now=now(), on_progress=progress
    )
    run.status = ImportStatus.DONE
    run.created_count, run.updated_count = result.created, result.updated
    run.finished_at = now()
    commit()


def fail_import(run: ImportRun, *, error: str) -> None:
    run.status, run.failure, run.finished_at = ImportStatus.FAILED, error[:2000], now()
