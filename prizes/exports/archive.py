"""A whole edition as one JSON document, and its import into a database that lacks it.

The document keeps every id, so links between its rows (and links people kept, such as
``/api/v1/entries/42``) stay true after an import. People appear as account numbers only:
the import makes each missing account as a disabled placeholder with an address that
cannot receive mail, so that nominations, votes, scores and decisions keep their author
without an e-mail address ever leaving the site. The keyed hashes of networks and devices
are left out (they mean nothing under another key).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Enum, select, text
from sqlalchemy.orm import DeclarativeBase

from prizes.accounts.models import User
from prizes.contest.models import Category, Edition
from prizes.db import UTCDateTime, db
from prizes.nominations.models import Nomination, NominationSdgLink
from prizes.review.models import Decision, RubricCriterion, Score
from prizes.stocktaking.models import EntryActionLine, EntryCountry, EntrySdg, StocktakingEntry
from prizes.voting.models import BallotEntry, Vote, VotingRound

FORMAT = "wsis-prizes-edition"
VERSION = 1
_LEFT_OUT = {"network_hash", "device_hash"}
_ACCOUNT_COLUMNS = ("nominator_id", "voter_id", "expert_id", "decided_by_id", "invalidated_by_id")


class ArchiveError(ValueError):
    """The document cannot be imported; the message says why."""


def _tables(edition_id: int) -> list[tuple[str, type[DeclarativeBase], Any]]:
    """Each table of the document in the order it is imported, with its rows' filter."""
    nominations = select(Nomination.id).where(Nomination.edition_id == edition_id)
    entries = select(Nomination.entry_id).where(Nomination.edition_id == edition_id)
    rounds = select(VotingRound.id).where(VotingRound.edition_id == edition_id)
    return [
        ("edition", Edition, Edition.id == edition_id),
        ("rubric", RubricCriterion, RubricCriterion.edition_id == edition_id),
        ("entries", StocktakingEntry, StocktakingEntry.id.in_(entries)),
        ("entry_action_lines", EntryActionLine, EntryActionLine.entry_id.in_(entries)),
        ("entry_sdgs", EntrySdg, EntrySdg.entry_id.in_(entries)),
        ("entry_countries", EntryCountry, EntryCountry.entry_id.in_(entries)),
        ("nominations", Nomination, Nomination.edition_id == edition_id),
        ("nomination_sdgs", NominationSdgLink, NominationSdgLink.nomination_id.in_(nominations)),
        ("rounds", VotingRound, VotingRound.edition_id == edition_id),
        ("ballot", BallotEntry, BallotEntry.round_id.in_(rounds)),
        ("votes", Vote, Vote.round_id.in_(rounds)),
        ("scores", Score, Score.nomination_id.in_(nominations)),
        ("decisions", Decision, Decision.edition_id == edition_id),
    ]


def _columns(model: type[DeclarativeBase]) -> list[Any]:
    return [c for c in model.__table__.columns if c.key not in _LEFT_OUT]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value
    return value


def dump_edition(edition: Edition) -> dict[str, Any]:
    """The edition and everything of it, as JSON-able data (categories by number)."""
    numbers = {c.id: c.number for c in db.session.scalars(select(Category))}
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    accounts: set[int] = set()
    for name, model, where in _tables(edition.id):
        rows = []
        for row in db.session.scalars(
            select(model).where(where).order_by(*model.__table__.primary_key)
        ):
            values = {c.key: _plain(getattr(row, c.key)) for c in _columns(model)}
            if "category_id" in values:
                values["category_id"] = numbers[values["category_id"]]
            if name == "entries":
                values["owner_id"] = None  # an owner is a person: not in the archive
            accounts.update(values[k] for k in _ACCOUNT_COLUMNS if values.get(k) is not None)
            rows.append(values)
        document[name] = rows
    document["accounts"] = sorted(accounts)
    return document


def _typed(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Enum) and column.type.enum_class is not None:
        return column.type.enum_class(value)
    return value


def load_edition(document: dict[str, Any]) -> Edition:
    """Import a document of :func:`dump_edition`; flushes, never commits.

    Refuses (ArchiveError) another format, an edition whose year is already here, and rows
    whose ids are taken. Side effects: the rows, and a disabled placeholder per missing
    account.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ArchiveError("not an edition export of this site")
    if document.get("version") != VERSION:
        raise ArchiveError(f"version {document.get('version')!r} is not {VERSION}")
    (edition_row,) = document.get("edition") or [None]
    if not isinstance(edition_row, dict):
        raise ArchiveError("the document has no edition")
    if db.session.scalar(select(Edition).where(Edition.year == edition_row.get("year"))):
        raise ArchiveError(f"the edition {edition_row.get('year')} is already here")
    ids = {c.number: c.id for c in db.session.scalars(select(Category))}
    present = set(db.session.scalars(select(User.id)))
    for account in document.get("accounts", []):
        if account not in present:
            db.session.add(
                User(  # nosec B106
                    id=account,
                    email=f"account-{account}@archive.invalid",
                    email_canonical=f"account-{account}@archive.invalid",
                    password_hash="!",  # noqa: S106  # a hash that no password matches
                    disabled_at=datetime.fromisoformat(edition_row["created_at"]),
                )
            )
    db.session.flush()
    for name, model, _where in _tables(0):
        columns = {c.key: c for c in _columns(model)}
        for values in document.get(name, []):
            if set(values) - set(columns):
                raise ArchiveError(f"{name}: unknown field(s) {sorted(set(values) - set(columns))}")
            row = {k: _typed(columns[k], v) for k, v in values.items()}
            if "category_id" in row:
                row["category_id"] = ids[row["category_id"]]
            db.session.add(model(**row))
        db.session.flush()
    _advance_sequences()
    edition = db.session.scalar(select(Edition).where(Edition.year == edition_row["year"]))
    if edition is None:
        raise ArchiveError("the document's edition did not import")
    return edition


_SETVAL = (
    "SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
    " GREATEST((SELECT MAX(id) FROM {table}), 1))"
)


def _advance_sequences() -> None:
    """PostgreSQL: rows came with their ids, so move each id sequence past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in (
        User,
        Edition,
        RubricCriterion,
        StocktakingEntry,
        Nomination,
        VotingRound,
        Vote,
        Score,
        Decision,
    ):
        table = model.__tablename__
        # The names are our own tables', never input.
        statement = _SETVAL.format(table=table)
        db.session.execute(text(statement))
