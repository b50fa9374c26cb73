"""The audit trail as the secretariat reads it: filters, keyset pages and a streamed CSV.

The rows are only read here (the database refuses to change or delete one). Pages go by the
row id, newest first: the id is the order in which events were recorded, it is the primary
key (so a page costs one index range, however deep), and a page does not shift when events
are added while someone reads (an offset would).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, select

from prizes.accounts.emails import canonical_email
from prizes.accounts.models import User
from prizes.core.audit import AuditEvent
from prizes.core.errors import DomainError
from prizes.core.exports import BOM, spreadsheet_safe
from prizes.core.params import MAX_ID
from prizes.db import Base, db
from prizes.nominations.services import REVIEW_OUTCOMES

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CSV_BATCH = 1000
SYSTEM = "system"  # the actor filter for events no person caused (jobs, the importer)

# Every action the code records. tests/test_audit_trail.py reads each ``audit.record`` call
# in the package and fails for an action missing here, so the filter's list stays whole.
KNOWN_ACTIONS: frozenset[str] = frozenset(
    {
        "champions.announced",
        "decision.recorded",
        "dispute.answered",
        "dispute.closed",
        "dispute.opened",
        "dispute.opinion",
        "dispute.referred",
        "edition.created",
        "edition.rules_changed",
        "edition.updated",
        "entry.created",
        "entry.updated",
        "expert.assigned",
        "expert.conflict_declared",
        "expert.invitation_accepted",
        "expert.invited",
        "export.downloaded",
        "export.edition_downloaded",
        "export.failed",
        "export.finished",
        "export.requested",
        "audit.exported",
        "flag.actioned",
        "flag.dismissed",
        "integrity.disqualified",
        "integrity.kept",
        "integrity.marked",
        "job.failed",
        "log.head_signed",
        "mail.requeued",
        "mail.resent",
        "mail_domain.blocked",
        "mail_domain.unblocked",
        "nominated_list.announced",
        "nomination.started",
        "nomination.submitted",
        "nomination.updated",
        "nomination.withdrawn",
        *REVIEW_OUTCOMES.values(),
        "results.published",
        "round.advanced",
        "round.closed_early",
        "round.created",
        "round.proof_of_work",
        "rubric.changed",
        "scores.reopened",
        "scores.submitted",
        "stage1.applied",
        "stocktaking.entries_imported",
        "stocktaking.import_checked",
        "stocktaking.import_queued",
        "timeline.override",
        "user.created_by_cli",
        "user.disabled",
        "user.email_changed",
        "user.enabled",
        "user.language_changed",
        "user.password_changed",
        "user.profile_updated",
        "user.recovery_code_used",
        "user.registered",
        "user.role_granted",
        "user.role_revoked",
        "user.signed_out",
        "user.two_factor_disabled",
        "user.two_factor_enabled",
        "user.verified",
        "votes.invalidated",
        "voting.flags_computed",
    }
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadFilter(DomainError):
    """A filter of the audit trail that cannot be read: answered 400 with the reason."""

    status_code = 400
    message = _l("This filter cannot be read.")


@dataclass(frozen=True)
class AuditFilter:
    """What the secretariat asked for, checked; every field None means "any"."""

    actor_id: int | None = None
    system_only: bool = False  # events with no actor
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    since: date | None = None  # from this day, 00:00 UTC
    until: date | None = None  # to the end of this day, UTC

    def as_args(self, actor: str | None = None) -> dict[str, str]:
        """The filter as a query string again (for links and the CSV), without empties."""
        values = {
            "actor": actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class AuditPage:
    """One page of rows, newest first, and the cursors to its neighbours."""

    rows: list[Row[Any]]
    size: int
    older: int | None  # pass as ``before`` for the next (older) page
    newer: int | None  # pass as ``after`` for the previous (newer) page


def object_types() -> list[str]:
    """The kinds of object an event can be about: the tables of the schema."""
    return sorted(Base.metadata.tables)


def parse_filters(args: Mapping[str, str]) -> AuditFilter:
    """Read the filters from a query string; raises :class:`BadFilter` naming the one that
    cannot be read (an unknown actor or action, a malformed date, an id out of range)."""
    actor_id, system_only = _actor(_text(args, "actor"))
    action = _text(args, "action")
    if action is not None and action not in KNOWN_ACTIONS:
        raise BadFilter(str(_l("There is no action named “%(action)s”.", action=action[:80])))
    object_type = _text(args, "object_type")
    if object_type is not None and object_type not in Base.metadata.tables:
        raise BadFilter(
            str(_l("There is no kind of object named “%(name)s”.", name=object_type[:80]))
        )
    since, until = _day(args, "from"), _day(args, "to")
    if since and until and since > until:
        raise BadFilter(str(_l("The start date is after the end date.")))
    return AuditFilter(
        actor_id=actor_id,
        system_only=system_only,
        action=action,
        object_type=object_type,
        object_id=_number(args, "object_id"),
        since=since,
        until=until,
    )


def page_size(args: Mapping[str, str]) -> int:
    """``size`` from 1 to :data:`MAX_PAGE_SIZE`, :data:`PAGE_SIZE` when absent."""
    size = _number(args, "size")
    if size is None:
        return PAGE_SIZE
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadFilter(
            str(_l("A page holds from 1 to %(most)d rows.", most=MAX_PAGE_SIZE)),
        )
    return size


def list_events(
    filters: AuditFilter,
    *,
    size: int = PAGE_SIZE,
    before: int | None = None,
    after: int | None = None,
) -> AuditPage:
    """One page, newest first: the rows older than ``before``, or the ones just newer than
    ``after`` (the way back). One query; each row carries its actor's email."""
    query = _query(filters)
    if after is not None:
        found = list(
            db.session.execute(
                query.where(AuditEvent.id > after).order_by(AuditEvent.id).limit(size + 1)
            )
        )
        more_newer = len(found) > size
        rows = list(reversed(found[:size]))
        return AuditPage(
            rows=rows,
            size=size,
            older=rows[-1].id if rows else None,
            newer=rows[0].id if rows and more_newer else None,
        )
    if before is not None:
        query = query.where(AuditEvent.id < before)
    found = list(db.session.execute(query.order_by(AuditEvent.id.desc()).limit(size + 1)))
    rows = found[:size]
    return AuditPage(
        rows=rows,
        size=size,
        older=rows[-1].id if len(found) > size else None,
        newer=rows[0].id if rows and before is not None else None,
    )


CSV_HEADER = (
    "id",
    "at_utc",
    "actor_id",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "data",
)


def csv_lines(filters: AuditFilter, *, batch: int = CSV_BATCH) -> Iterator[str]:
    """The filtered trail as CSV text, newest first, written as it is read: a byte-order
    mark and the header, then the rows fetched ``batch`` at a time by keyset, so memory holds
    one batch whatever the trail's size. Every cell is made spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(CSV_HEADER)
    yield _drain(buffer)
    query = _query(filters).order_by(AuditEvent.id.desc()).limit(batch)
    before: int | None = None
    while True:
        page = query if before is None else query.where(AuditEvent.id < before)
        rows = list(db.session.execute(page))
        for row in rows:
            writer.writerow([spreadsheet_safe(value) for value in csv_values(row)])
        if rows:
            yield _drain(buffer)
        if len(rows) < batch:
            return
        before = rows[-1].id


def csv_values(row: Row[Any]) -> list[Any]:
    """One event as the CSV's cells (in :data:`CSV_HEADER` order)."""
    return [
        row.id,
        row.at.astimezone(UTC).isoformat(timespec="seconds"),
        "" if row.actor_id is None else row.actor_id,
        row.actor_email or "",
        row.action,
        row.object_type,
        "" if row.object_id is None else row.object_id,
        describe_data(row.data),
    ]


def describe_data(data: Any) -> str:
    """The event's details as compact JSON, non-ASCII kept as written."""
    if not data:
        return ""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def summary(filters: AuditFilter) -> dict[str, Any]:
    """The filters as the audit row of a CSV download records them."""
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in asdict(filters).items()
        if value not in (None, False)
    }


def _query(filters: AuditFilter) -> Select[Any]:
    query = select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor_id,
        User.email.label("actor_email"),
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.data,
    ).outerjoin(User, User.id == AuditEvent.actor_id)
    if filters.system_only:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.action is not None:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type is not None:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= _midnight(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.at < _midnight(filters.until + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _text(args: Mapping[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return value or None


def _actor(value: str | None) -> tuple[int | None, bool]:
    """An account by its number or its email, or "system"; an unknown one is refused."""
    if value is None:
        return None, False
    if value.lower() == SYSTEM:
        return None, True
    if value.isascii() and value.isdigit():
        user_id = int(value) if len(value) <= 10 and int(value) <= MAX_ID else None
        if user_id is None or db.session.get(User, user_id) is None:
            raise BadFilter(str(_l("No account has the number %(number)s.", number=value[:20])))
        return user_id, False
    if "@" in value and len(value) <= 254:
        found = db.session.scalar(
            select(User.id).where(User.email_canonical == canonical_email(value))
        )
        if found is not None:
            return found, False
    raise BadFilter(str(_l("No account has the address “%(email)s”.", email=value[:254])))


def _number(args: Mapping[str, str], name: str) -> int | None:
    value = _text(args, name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_ID:
        raise BadFilter(str(_l("“%(name)s” must be a whole number.", name=name)))
    return int(value)


def _day(args: Mapping[str, str], name: str) -> date | None:
    value = _text(args, name)
    if value is None:
        return None
    try:
        if not (value.isascii() and _DATE.fullmatch(value)):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(
            str(_l("“%(name)s” must be a date written YYYY-MM-DD, such as 2027-03-31.", name=name))
        ) from None
