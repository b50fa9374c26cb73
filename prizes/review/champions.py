"""After the vote: the champions, the top of each category by valid votes, announced as
such before the expert group chooses the winners among them.

The selection waits for the public vote (every round advanced); the champions are
announced once, and the winners (``decisions.publish_results``) only after them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from prizes.accounts.models import User
from prizes.contest import timeline
from prizes.contest.models import Edition
from prizes.core import audit, mail
from prizes.core.cache import bump_after_commit
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations.models import Nomination, NominationStatus
from prizes.voting.models import VotingRound


def voting_blockers(edition: Edition) -> list[str]:
    """What the selection needs from the vote: at least one round, every round advanced."""
    rounds = list(
        db.session.scalars(select(VotingRound).where(VotingRound.edition_id == edition.id))
    )
    if not rounds:
        return [str(_l("No voting round has been held in this edition."))]
    open_rounds = sorted(r.number for r in rounds if r.finalised_at is None)
    if open_rounds:
        return [
            str(
                _l(
                    "The public vote is not over: advance round %(numbers)s first.",
                    numbers=", ".join(str(n) for n in open_rounds),
                )
            )
        ]
    return []


def champions_blockers(edition: Edition) -> list[str]:
    """What announcing the champions needs: the vote over, with a shortlist, once."""
    if edition.champions_announced_at is not None:
        return [str(_l("The champions of this edition are already announced."))]
    missing = voting_blockers(edition)
    if not missing and not _shortlisted_ids(edition):
        missing.append(str(_l("The last round shortlisted no project.")))
    return missing


def _shortlisted_ids(edition: Edition) -> list[int]:
    return list(
        db.session.scalars(
            select(Nomination.id).where(
                Nomination.edition_id == edition.id,
                Nomination.status == NominationStatus.SHORTLISTED,
            )
        )
    )


def champions_of(edition: Edition) -> dict[int, list[Nomination]]:
    """The announced champions by category id, with their entries (one query)."""
    grouped: dict[int, list[Nomination]] = defaultdict(list)
    for nomination in db.session.scalars(
        select(Nomination)
        .where(
            Nomination.edition_id == edition.id,
            Nomination.status.in_((NominationStatus.CHAMPION, NominationStatus.WINNER)),
        )
        .options(joinedload(Nomination.entry))
        .order_by(Nomination.category_id, Nomination.id)
    ):
        grouped[nomination.category_id].append(nomination)
    return grouped


def announce_champions(edition: Edition, *, by: User, now: datetime) -> int:
    """Announce the shortlist of the last round (the top of each category by valid votes)
    as the edition's champions, before the winners are chosen among them. Returns how many.
    Side effects: their status, the edition's announcement time, a mail to each nominator,
    an audit event, the public catalogue's cache."""
    timeline.refuse_if(champions_blockers(edition))
    champions = list(
        db.session.scalars(
            select(Nomination)
            .where(
                Nomination.edition_id == edition.id,
                Nomination.status == NominationStatus.SHORTLISTED,
            )
            .options(
                joinedload(Nomination.entry),
                joinedload(Nomination.nominator),
                joinedload(Nomination.category),
            )
        )
    )
    ids = [n.id for n in champions]
    for nomination in champions:
        mail.queue(
            db.session,
            to=nomination.nominator.email,
            subject=str(_l("WSIS Prizes %(year)d: your project is a champion", year=edition.year)),
            template="champion_announced",
            nomination=nomination,
            year=edition.year,
            url=external_url("results.edition", year=edition.year),
        )
    db.session.execute(
        update(Nomination)
        .where(Nomination.id.in_(ids))
        .values(status=NominationStatus.CHAMPION)
        .execution_options(synchronize_session=False)
    )
    edition.champions_announced_at = now
    db.session.flush()
    db.session.expire_all()  # the bulk update bypassed the nominations already loaded
    bump_after_commit(db.session, "catalogue")
    audit.record(db.session, "champions.announced", actor=by, target=edition, count=len(ids))
    return len(ids)
