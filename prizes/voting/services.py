"""The voter's use cases: casting a vote, the ballot's order, the receipts by mail.

The secretariat's (rounds, invalidation, flags, advancing) are in ``prizes.voting.rounds``.

A vote is one statement: ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``, whose
SELECT checks the voter's account, the round, the ballot and the organisation as it reads
them. The database's
unique key on (round, category, voter) decides a race: of fifty simultaneous requests
exactly one row is stored and the others learn "already voted"; nothing slow (password
hashing, mail) runs on that path.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Insert, Integer, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from prizes.accounts.models import User
from prizes.core import mail, proof_of_work
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError
from prizes.core.text import same_organisation
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.voting import queries
from prizes.voting.models import (
    BallotEntry,
    Vote,
    VoteStatus,
    VotingRound,
)


class VotingClosed(DomainError):
    status_code = 409
    message = _l("This voting round is not open: no vote can be cast in it now.")


class NotOnBallot(DomainError):
    status_code = 422
    message = _l("That project is not on this round's ballot in this category.")


class AlreadyVoted(DomainError):
    status_code = 409
    message = _l("You have already voted in this category. A vote is final once cast.")


class OwnOrganisation(DomainError):
    status_code = 403
    message = _l("You cannot vote for a project of your own organisation.")


class NotSignedIn(DomainError):
    status_code = 401
    message = _l("Please sign in again to vote.")


class VoterNotReady(DomainError):
    status_code = 403
    message = _l("Please confirm your email address and complete your profile before voting.")


@dataclass(frozen=True)
class ClientTraits:
    """What the fraud checks keep of a request: keyed hashes, never the address itself."""

    network_hash: str | None = None
    device_hash: str | None = None


def new_receipt_code() -> str:
    """16 characters from a 80-bit random value, grouped for reading: ABCD-EFGH-JKMN-PQRS."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class BallotPosition:
    """A category named by its place on the round's ballot (from 1), as the guided ballot's
    addresses name it; the vote's statement resolves it."""

    position: int


class Voter(Protocol):
    """Who votes: an account (``User``), or the account a signed session names
    (``SessionAccount``), which the vote's statement checks as it reads it."""

    @property
    def id(self) -> int: ...

    @property
    def session_version(self) -> int: ...


@dataclass(frozen=True)
class CastVote:
    """What a stored vote gives back: its number and the voter's receipt code."""

    vote_id: int
    receipt_code: str


def cast_vote(
    round_id: int,
    *,
    category: int | BallotPosition,
    nomination_id: int,
    voter: Voter,
    now: datetime,
    client: ClientTraits,
    proof: str | None = None,
) -> CastVote:
    """Record ``voter``'s vote for a nomination in one category (an id, or a ballot
    position) of the round. ``proof`` is the solved proof-of-work challenge, which a round
    may ask with every vote; when given it is checked (and used up) first.

    One statement does it: an ``INSERT ... SELECT`` that yields a row only when the voter's
    account is active, verified, with a complete profile and still signed in with that
    session version, the round is open, the nomination is on its ballot in that category
    and is not of the voter's own organisation, with ``ON CONFLICT DO NOTHING RETURNING``.
    Only when it stores nothing do further reads find out why: NotSignedIn, VoterNotReady,
    VotingClosed, ProofOfWorkRefused, NotOnBallot, OwnOrganisation or AlreadyVoted. Nothing
    is changed then. Side effects: one vote row (the vote is its own record; it is never
    updated except to be invalidated, never deleted).
    """
    if proof is not None:
        proof_of_work.require_solution(proof)
    if isinstance(category, BallotPosition):
        if category.position < 1:
            raise NotOnBallot()
        where_category = {"offset": category.position - 1}
    else:
        where_category = {"category_id": category}
    statement = _vote_statement(
        db.session.get_bind().dialect.name,
        by_position="offset" in where_category,
        proved=proof is not None,
    )
    values = where_category | {
        "round_id": round_id,
        "nomination_id": nomination_id,
        "session_version": voter.session_version,
        "voter_id": voter.id,
        "cast_at": now,
        "receipt_code": new_receipt_code(),
        "network_hash": client.network_hash,
        "device_hash": client.device_hash,
        "status": VoteStatus.VALID.value,
    }
    db.session.flush()  # a Core statement: the session does not flush pending changes itself
    stored = db.session.execute(statement, values).first()
    if stored is None:
        raise _refusal(round_id, category, nomination_id, voter, now, proved=proof is not None)
    bump_after_commit(db.session, f"tally:{round_id}")
    return CastVote(*stored)


VOTE_VALUES = ("voter_id", "cast_at", "receipt_code", "network_hash", "device_hash", "status")


@functools.cache
def _vote_statement(dialect: str, *, by_position: bool, proved: bool) -> Insert:
    """The vote's statement, built once per shape (building it costs more Python time than
    the rest of the vote); each vote only binds its values. A Core insert into the table,
    returning two columns, so that the ORM neither copies it (which would compute its cache
    key again) nor builds an object for each vote."""
    value = {name: bindparam(name, type_=Vote.__table__.c[name].type) for name in VOTE_VALUES}
    round_id = bindparam("round_id", type_=Integer)
    category_id = (
        queries.ballot_category_at(round_id, bindparam("offset", type_=Integer))
        if by_position
        else bindparam("category_id", type_=Integer)
    )
    choice = (
        select(
            BallotEntry.round_id,
            BallotEntry.category_id,
            BallotEntry.nomination_id,
            *value.values(),
        )
        .join(VotingRound, VotingRound.id == BallotEntry.round_id)
        .join(Nomination, Nomination.id == BallotEntry.nomination_id)
        .join(User, User.id == value["voter_id"])
        .where(
            BallotEntry.round_id == round_id,
            BallotEntry.category_id == category_id,
            BallotEntry.nomination_id == bindparam("nomination_id", type_=Integer),
            VotingRound.opens_at <= value["cast_at"],
            VotingRound.closes_at > value["cast_at"],
            VotingRound.finalised_at.is_(None),
            # The account as sign-in and voter_required check it, and the session not
            # signed out since.
            User.may_vote,
            User.session_version == bindparam("session_version", type_=Integer),
            # Not for the voter's own organisation; a missing key is equal to none, as
            # in same_organisation (core/text.py).
            func.coalesce(Nomination.organisation_key != User.organisation_key, true()),
        )
    )
    if not proved:
        choice = choice.where(VotingRound.requires_proof_of_work.is_(False))
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    votes = Vote.metadata.tables[Vote.__tablename__]
    return (
        insert(votes)
        .from_select(["round_id", "category_id", "nomination_id", *VOTE_VALUES], choice)
        .on_conflict_do_nothing(index_elements=["round_id", "category_id", "voter_id"])
        .returning(votes.c.id, votes.c.receipt_code)
    )


def _refusal(
    round_id: int,
    category: int | BallotPosition,
    nomination_id: int,
    voter: Voter,
    now: datetime,
    *,
    proved: bool,
) -> DomainError:
    """Why the vote's statement stored nothing (the rare path, so it may read more)."""
    account = db.session.get(User, voter.id)
    if account is None or account.session_version != voter.session_version:
        return NotSignedIn()
    if not (account.is_active and account.is_verified and account.has_complete_profile):
        return VoterNotReady()
    category_id = (
        queries.ballot_category_at(round_id, category.position - 1)
        if isinstance(category, BallotPosition)
        else category
    )
    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None or not voting_round.is_open(now):
        return VotingClosed()
    if voting_round.requires_proof_of_work and not proved:
        return proof_of_work.ProofOfWorkRefused()
    on_ballot = db.session.execute(
        select(Nomination.organisation_key)
        .join(BallotEntry, BallotEntry.nomination_id == Nomination.id)
        .where(
            BallotEntry.round_id == round_id,
            BallotEntry.category_id == category_id,
            BallotEntry.nomination_id == nomination_id,
        )
    ).first()
    if on_ballot is None:
        return NotOnBallot()
    if same_organisation(on_ballot.organisation_key, account.organisation_key):
        return OwnOrganisation()
    return AlreadyVoted()


def ballot_order_key(voter_id: int, round_id: int, nomination_id: int) -> str:
    """A voter's own stable shuffle: the same order on every visit, a different one for
    every voter, so the first place on the list carries no advantage."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{round_id}:{voter_id}:{nomination_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def finish_ballot(voting_round: VotingRound, *, voter: User) -> int:
    """Mail the voter the list of their choices and receipts; returns how many votes."""
    votes = queries.votes_in_round(voting_round.id, voter.id)
    if votes:
        mail.queue(
            db.session,
            to=voter.email,
            language=voter.language,
            subject=_l("Your votes in %(title)s", title=voting_round.title),
            template="ballot_receipt",
            voting_round=voting_round,
            votes=votes,
            my_votes_url=external_url("voting.my_votes"),
            check_url=external_url("voting.check_receipt"),
        )
    return len(votes)
