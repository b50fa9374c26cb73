"""Stocktaking entry use cases for signed-in stakeholders."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import acts_as
from prizes.contest.models import Edition
from prizes.core import audit
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError, NotAllowed
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.nominations.rules import HOLDING_PLACE
from prizes.stocktaking.fields import EntryFields
from prizes.stocktaking.models import (
    EntryActionLine,
    EntryCountry,
    EntrySdg,
    EntryStatus,
    StocktakingEntry,
)
from prizes.stocktaking.organisations import organisation_key


class EntryLocked(DomainError):
    status_code = 409
    message = _l(
        "This project is nominated in an edition still running: what voters and experts read "
        "cannot change now. The secretariat can correct a mistake."
    )


def can_edit_entry(user: User, entry: StocktakingEntry) -> bool:
    return entry.owner_id == user.id or acts_as(user, Role.SECRETARIAT)


def is_locked(entry: StocktakingEntry) -> bool:
    """True while a nomination of the entry holds a place in an edition whose results are
    not yet published: the owner's edits would change what the rules were checked on."""
    running = (
        select(Nomination.id)
        .join(Edition, Edition.id == Nomination.edition_id)
        .where(
            Nomination.entry_id == entry.id,
            Nomination.status.in_(HOLDING_PLACE),
            Edition.results_published_at.is_(None),
        )
        .limit(1)
    )
    return db.session.scalar(running) is not None


def create_entry(fields: EntryFields, *, by: User, now: datetime) -> StocktakingEntry:
    """A new published entry owned by ``by``. Side effects: the entry, an audit event."""
    entry = StocktakingEntry(owner_id=by.id, status=EntryStatus.PUBLISHED, created_at=now)
    fill_entry(entry, fields, now=now)
    db.session.add(entry)
    db.session.flush()
    bump_after_commit(db.session, "catalogue")  # the cached pages of entries (the API's)
    audit.record(db.session, "entry.created", actor=by, target=entry)
    return entry


def update_entry(entry: StocktakingEntry, fields: EntryFields, *, by: User, now: datetime) -> None:
    if not can_edit_entry(by, entry):
        raise NotAllowed()
    if not acts_as(by, Role.SECRETARIAT) and is_locked(entry):
        raise EntryLocked()
    fill_entry(entry, fields, now=now)
    db.session.flush()
    bump_after_commit(db.session, "catalogue")  # ballots show the entry's title and organisation
    audit.record(db.session, "entry.updated", actor=by, target=entry)


def fill_entry(entry: StocktakingEntry, fields: EntryFields, *, now: datetime) -> None:
    """Copy ``fields`` onto ``entry`` (the form and the importer both write through here).

    Links that stay are kept, so re-saving an unchanged entry writes nothing.
    """
    entry.title = fields.title.strip()
    entry.organisation = fields.organisation.strip()
    entry.organisation_key = organisation_key(fields.organisation)
    entry.stakeholder_type = fields.stakeholder_type
    entry.country = fields.country.upper()
    entry.description = fields.description.strip()
    entry.website = fields.website or None
    entry.start_date = fields.start_date
    entry.end_date = fields.end_date
    entry.updated_at = now
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
