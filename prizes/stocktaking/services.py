"""Stocktaking entry use cases for signed-in stakeholders."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import acts_as
from prizes.core import audit
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError, NotAllowed
from prizes.core.text import organisation_key
from prizes.db import db
from prizes.stocktaking.fields import EntryFields
from prizes.stocktaking.models import (
    EntryActionLine,
    EntryCountry,
    EntrySdg,
    EntryStatus,
    StocktakingEntry,
)
from prizes.stocktaking.queries import entry_is_locked


class EntryLocked(DomainError):
    status_code = 409
    message = _l(
        "This project is nominated in an edition still running: what voters and experts read "
        "cannot change now. The secretariat can correct a mistake."
    )


def can_edit_entry(user: User, entry: StocktakingEntry) -> bool:
    return entry.owner_id == user.id or acts_as(user, Role.SECRETARIAT)


def create_entry(fields: EntryFields, *, by: User, now: datetime) -> StocktakingEntry:
    """A new published entry owned by ``by``. Side effects: the entry, an audit event."""
    entry = StocktakingEntry(owner_id=by.id, status=EntryStatus.PUBLISHED, created_at=now)
    fill_entry(entry, fields, now=now)
    db.session.add(entry)
    db.session.flush()
    bump_after_commit(db.session, "search", "catalogue")  # the search and the API's pages
    audit.record(db.session, "entry.created", actor=by, target=entry)
    return entry


def update_entry(entry: StocktakingEntry, fields: EntryFields, *, by: User, now: datetime) -> None:
    if not can_edit_entry(by, entry):
        raise NotAllowed()
    if not acts_as(by, Role.SECRETARIAT) and entry_is_locked(entry):
        raise EntryLocked()
    fill_entry(entry, fields, now=now)
    db.session.flush()
    # Ballots show the entry's title and organisation; searches find it.
    bump_after_commit(db.session, "catalogue", "search")
    audit.record(db.session, "entry.updated", actor=by, target=entry)


def entry_values(fields: EntryFields, *, now: datetime) -> dict[str, object]:
    """The entry's own columns from ``fields``, as the form and the importer store them
    (the importer inserts new entries with these in bulk)."""
    return {
        "title": fields.title.strip(),
        "organisation": fields.organisation.strip(),
        "organisation_key": organisation_key(fields.organisation),
        "stakeholder_type": fields.stakeholder_type,
        "country": fields.country.upper(),
        "description": fields.description.strip(),
        "website": fields.website or None,
        "start_date": fields.start_date,
        "end_date": fields.end_date,
        "updated_at": now,
    }


def fill_entry(entry: StocktakingEntry, fields: EntryFields, *, now: datetime) -> None:
    """Copy ``fields`` onto ``entry`` (the form and the importer both write through here).

    Links that stay are kept, so re-saving an unchanged entry writes nothing.
    """
    for name, value in entry_values(fields, now=now).items():
        setattr(entry, name, value)
    kept_lines = {link.action_line: link for link in entry.action_lines}
    entry.action_lines = [
        kept_lines.get(line) or EntryActionLine(action_line=line)
        for line in sorted(set(fields.action_lines))
    ]
    kept_countries = {link.country: link for link in entry.other_countries}
    others = sorted({code.upper() for code in fields.other_countries} - {entry.country})
    entry.other_countries = [
        kept_countries.get(code) or EntryCountry(country=code) for code in others
    ]
    kept_sdgs = {link.sdg: link for link in entry.sdgs}
    entry.sdgs = [kept_sdgs.get(sdg) or EntrySdg(sdg=sdg) for sdg in sorted(set(fields.sdgs))]
