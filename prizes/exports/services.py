"""Export use cases: the secretariat asks, the worker writes, the secretariat downloads.

The request only records the export (the view hands it to the job queue after the
commit); the worker streams the rows into a file under ``EXPORT_FOLDER``. Every step is
in the audit trail, and the state is in the database, so any app host shows it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prizes.accounts.models import User
from prizes.contest.models import Edition
from prizes.core import audit
from prizes.core.exports import write_csv
from prizes.db import db
from prizes.exports import queries
from prizes.exports.models import Export, ExportKind, ExportStatus
from prizes.voting.models import VotingRound


def request_export(
    kind: ExportKind,
    *,
    voting_round: VotingRound | None = None,
    edition: Edition | None = None,
    by: User,
    now: datetime,
) -> Export:
    """Record a queued export of a round's votes or an edition's nominations.

    Side effects: an ``exports`` row (queued) and an audit event. The caller commits, then
    queues ``prizes.jobs.run_export``.
    """
    export = Export(
        kind=kind,
        round_id=voting_round.id if voting_round else None,
        edition_id=edition.id if edition else None,
        requested_by_id=by.id,
        requested_at=now,
        status=ExportStatus.QUEUED,
    )
    db.session.add(export)
    db.session.flush()
    audit.record(
        db.session,
        "export.requested",
        actor=by,
        target=export,
        kind=kind.value,
        round_id=export.round_id,
        edition_id=export.edition_id,
    )
    return export


def start_export(export: Export, *, now: datetime) -> None:
    """The worker took the export. Side effects: status running, one more attempt."""
    export.status = ExportStatus.RUNNING
    export.started_at = now
    export.attempts += 1
    export.error = None
    db.session.flush()


def write_export(export: Export, *, folder: Path) -> tuple[str, int]:
    """Write the export's CSV file, streaming the rows; returns the file name and the row
    count. The file appears under its final name only once complete (written aside, then
    renamed), so a download never gets half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"export-{export.id}.csv"
    partial = folder / f".{name}.{os.getpid()}.part"
    header, rows = _rows_of(export)
    try:
        with partial.open("w", newline="", encoding="utf-8-sig") as handle:
            count = write_csv(handle, header, rows)
        partial.replace(folder / name)
    finally:
        partial.unlink(missing_ok=True)
    return name, count


def _rows_of(export: Export) -> tuple[tuple[str, ...], Iterator[tuple[Any, ...]]]:
    if export.kind is ExportKind.VOTES and export.round_id is not None:
        return queries.VOTE_HEADER, queries.vote_rows(export.round_id)
    if export.kind is ExportKind.NOMINATIONS and export.edition_id is not None:
        return queries.NOMINATION_HEADER, queries.nomination_rows(export.edition_id)
    raise ValueError(f"export {export.id} has no subject")


def finish_export(export: Export, *, file_name: str, rows: int, now: datetime) -> None:
    """The file is complete. Side effects: status done, the file's name, an audit event."""
    export.status = ExportStatus.DONE
    export.file_name = file_name
    export.row_count = rows
    export.finished_at = now
    export.retries_left = None
    audit.record(db.session, "export.finished", actor=None, target=export, rows=rows)
    db.session.flush()


def fail_export(export: Export, *, error: str, retries_left: int, now: datetime) -> None:
    """The attempt failed. Side effects: status failed, the error and the retries left (the
    job queue retries it that many times), an audit event."""
    export.status = ExportStatus.FAILED
    export.error = error[:500]
    export.retries_left = retries_left
    export.finished_at = now
    audit.record(
        db.session,
        "export.failed",
        actor=None,
        target=export,
        attempt=export.attempts,
        retries_left=retries_left,
        error=export.error,
    )
    db.session.flush()


def export_file(export: Export, *, folder: Path) -> Path | None:
    """The finished file on this host, or None (not done yet, or not reachable here)."""
    if export.status is not ExportStatus.DONE or not export.file_name:
        return None
    path = folder / export.file_name
    return path if path.is_file() else None


def record_download(export: Export, *, by: User) -> None:
    """Side effect: an audit event; the votes file is the contest's most sensitive data."""
    audit.record(db.session, "export.downloaded", actor=by, target=export)
