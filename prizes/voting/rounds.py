"""The secretariat's voting use cases: opening a round with its ballot, the proof-of-work
switch, invalidating votes, reviewing suspicion flags and advancing the shortlist."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from prizes.accounts.models import User
from prizes.contest import timeline
from prizes.contest.models import Edition
from prizes.core import audit, mail
from prizes.core.cache import bump_after_commit
from prizes.core.errors import DomainError
from prizes.core.urls import external_url
from prizes.db import db
from prizes.nominations.models import Nomination, NominationStatus
from prizes.voting import integrity, queries
from prizes.voting.models import (
    INVALIDATION_REASON_CODE,
    BallotEntry,
    FlagStatus,
    SuspicionFlag,
    Vote,
    VoteStatus,
    VotingRound,
)


class RoundNotReady(DomainError):
    status_code = 409


def invalidate_votes(votes: Sequence[Vote], *, by: User, reason: str, now: datetime) -> int:
    """Mark votes invalid, recording who, when and why; they stay in the table and drop out
    of the tally. Returns how many changed. Side effects: one audit event, and one mail to
    each voter concerned naming their votes and the log's reason code (never the words)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(str(_l("Please give the reason for the invalidation.")))
    ids = [vote.id for vote in votes if vote.status == VoteStatus.VALID]
    if not ids:
        return 0
    db.session.execute(
        update(Vote)
        .where(Vote.id.in_(ids), Vote.status == VoteStatus.VALID)
        .values(
            status=VoteStatus.INVALIDATED,
            invalidated_at=now,
            invalidated_by_id=by.id,
            invalidation_reason=reason,
        )
        .execution_options(synchronize_session="fetch")
    )
    bump_after_commit(db.session, *{f"tally:{vote.round_id}" for vote in votes})
    audit.record(
        db.session, "votes.invalidated", actor=by, target=None, vote_ids=ids, reason=reason
    )
    changed = set(ids)
    _tell_voters([vote for vote in votes if vote.id in changed], now)
    return len(ids)


def _tell_voters(votes: Sequence[Vote], now: datetime) -> None:
    """One mail per voter and round: which of their votes were invalidated, and the code."""
    by_voter: dict[tuple[int, int], list[Vote]] = defaultdict(list)
    for vote in votes:
        by_voter[(vote.voter_id, vote.round_id)].append(vote)
    voters = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_({voter for voter, _round in by_voter}))
        )
    }
    for (voter_id, _round_id), theirs in sorted(by_voter.items()):
        voter = voters[voter_id]
        mail.queue(
            db.session,
            to=voter.email,
            language=voter.language,
            subject=_l("Your vote in %(title)s was invalidated", title=theirs[0].round.title),
            template="vote_invalidated",
            voting_round=theirs[0].round,
            votes=sorted(theirs, key=lambda vote: vote.category.number),
            reason_code=INVALIDATION_REASON_CODE,
            # The dispute window runs from the round's close, or from now if later.
            deadline=theirs[0].round.edition.dispute_deadline(max(now, theirs[0].round.closes_at)),
            dispute_url=external_url("disputes.open_dispute", vote=theirs[0].id)
            if len(theirs) == 1
            else external_url("voting.my_votes"),
        )


def round_blockers(edition: Edition, *, opens_at: datetime, closes_at: datetime) -> list[str]:
    """What opening a round with these times still needs: the nominated list announced, the
    round before advanced, the voting inside the edition's dates, the champions not yet
    announced. Empty when the round may be set up."""
    if edition.champions_announced_at is not None or edition.results_published_at is not None:
        return [str(_l("The champions of this edition are announced: its voting is over."))]
    missing = []
    announced = edition.nominated_list_announced_at
    if announced is None:
        missing.append(str(_l("Announce the nominated list before opening a voting round.")))
    elif opens_at < announced:
        missing.append(
            str(
                _l(
                    "A round opens after the nominated list is announced (%(announced)s).",
                    announced=timeline.when(announced),
                )
            )
        )
    if closes_at > edition.selection_closes_at:
        missing.append(
            str(
                _l(
                    "A round closes before the end of the selection (%(end)s); move that "
                    "date first.",
                    end=timeline.when(edition.selection_closes_at),
                )
            )
        )
    previous = _last_round(edition)
    if previous is not None and previous.finalised_at is None:
        missing.append(str(_l("Advance the previous round before opening another.")))
    return missing


def _last_round(edition: Edition) -> VotingRound | None:
    return db.session.scalar(
        select(VotingRound)
        .where(VotingRound.edition_id == edition.id)
        .order_by(VotingRound.number.desc())
        .limit(1)
    )


def create_round(
    edition: Edition,
    *,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    requires_complete_ballot: bool,
    public_tally: bool,
    by: User,
    requires_proof_of_work: bool = False,
) -> VotingRound:
    """A new round and its ballot: round 1 takes every nominated project of the edition; a
    later round takes the shortlist of the round before, which must be final. The round
    shortlists the edition's "shortlist per category". Refused, naming what is missing,
    before the nominated list is announced or outside the edition's dates."""
    if closes_at <= opens_at:
        raise RoundNotReady(str(_l("The round must close after it opens.")))
    timeline.refuse_if(round_blockers(edition, opens_at=opens_at, closes_at=closes_at))
    previous = _last_round(edition)
    voting_round = VotingRound(
        edition_id=edition.id,
        number=(previous.number + 1) if previous else 1,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        shortlist_size=edition.shortlist_size,
        requires_complete_ballot=requires_complete_ballot,
        public_tally=public_tally,
        requires_proof_of_work=requires_proof_of_work,
    )
    db.session.add(voting_round)
    db.session.flush()
    wanted = NominationStatus.SHORTLISTED if previous else NominationStatus.NOMINATED
    nominations = db.session.execute(
        select(Nomination.id, Nomination.category_id).where(
            Nomination.edition_id == edition.id, Nomination.status == wanted
        )
    ).all()
    if not nominations:
        raise RoundNotReady(str(_l("There is no project to put on the ballot.")))
    db.session.add_all(
        BallotEntry(round_id=voting_round.id, nomination_id=nid, category_id=cid)
        for nid, cid in nominations
    )
    db.session.flush()
    audit.record(
        db.session, "round.created", actor=by, target=voting_round, ballot=len(nominations)
    )
    return voting_round


def close_round_early(
    voting_round: VotingRound, *, by: User, now: datetime, reason: str | None
) -> None:
    """End an open round now, before its closing time: an override, so only with a reason.
    The round can then be advanced. Side effects: the round's closing time, an override on
    the edition's timeline, an audit event, the tally's cache."""
    missing = []
    if voting_round.finalised_at is not None:
        missing.append(str(_l("This round was already advanced.")))
    elif now >= voting_round.closes_at:
        missing.append(str(_l("This round has already closed.")))
    elif now <= voting_round.opens_at:
        missing.append(
            str(
                _l(
                    "This round opens on %(opens)s; it cannot close before it opens.",
                    opens=timeline.when(voting_round.opens_at),
                )
            )
        )
    elif not (reason or "").strip():
        missing.append(
            str(
                _l(
                    "The round closes on %(closes)s; closing it early needs a reason.",
                    closes=timeline.when(voting_round.closes_at),
                )
            )
        )
    timeline.refuse_if(missing)
    due = voting_round.closes_at
    timeline.record_override(
        voting_round.edition,
        step=timeline.Step.CLOSE_ROUND,
        due=due,
        reason=reason or "",
        by=by,
        now=now,
        round_id=voting_round.id,
        round_number=voting_round.number,
    )
    voting_round.closes_at = now
    db.session.flush()
    bump_after_commit(db.session, "catalogue", f"tally:{voting_round.id}")
    audit.record(
        db.session, "round.closed_early", actor=by, target=voting_round, due=due.isoformat()
    )
    integrity.mark_for_review(voting_round, now=now, by=by)


def set_proof_of_work(voting_round: VotingRound, *, required: bool, by: User) -> None:
    """Ask (or stop asking) a proof of work with every vote of the round, from the next vote
    on. Side effects: the round's setting, an audit event when it changes."""
    if voting_round.requires_proof_of_work == required:
        return
    voting_round.requires_proof_of_work = required
    db.session.flush()
    audit.record(
        db.session, "round.proof_of_work", actor=by, target=voting_round, required=required
    )


def advance_round(voting_round: VotingRound, *, by: User, now: datetime) -> dict[int, list[int]]:
    """Close the round for good and shortlist the top K of each category by valid votes,
    K being the edition's "shortlist per category" (ties at the cut-off all go through,
    and projects without votes count when fewer than K have any: see queries.rank). The
    shortlisted projects go to the next round or, after the last one, to the expert group.
    Refused while a nominee passes the edition's integrity threshold without the
    secretariat's decision (prizes.voting.integrity); a disqualified nomination is not
    ranked, so never shortlisted. Returns the shortlist ids per category. Side effects:
    nomination statuses, the round's finalised time and shortlist size, an audit event."""
    if voting_round.finalised_at is not None:
        raise RoundNotReady(str(_l("This round was already advanced.")))
    if now < voting_round.closes_at:
        raise RoundNotReady(
            str(
                _l(
                    "The round is open until %(closes)s; advance it after it closes, or "
                    "close it early with a reason.",
                    closes=timeline.when(voting_round.closes_at),
                )
            )
        )
    awaiting = integrity.awaiting_review(voting_round)
    if awaiting:
        raise RoundNotReady(
            str(
                _l(
                    "Nominations passing the integrity threshold await the secretariat's "
                    "review (keep or disqualify) before the shortlist is made: %(count)d. "
                    "See the round's integrity page.",
                    count=len(awaiting),
                )
            )
        )
    # Every round shortlists the edition's number, as it stands when the round ends.
    voting_round.shortlist_size = voting_round.edition.shortlist_size
    # Counted now (never a cached tally) and kept: they decide the shortlist, and the
    # round's results show them from now on without counting the votes again.
    voting_round.final_counts = queries.count_votes(voting_round)
    voting_round.finalised_at = now
    ranking = queries.ranking(voting_round)
    shortlist = {
        category_id: [row.nomination_id for row in rows if row.shortlisted]
        for category_id, rows in ranking.items()
    }
    chosen = [nid for ids in shortlist.values() for nid in ids]
    on_ballot = select(BallotEntry.nomination_id).where(BallotEntry.round_id == voting_round.id)
    db.session.execute(
        update(Nomination)
        .where(Nomination.id.in_(on_ballot), Nomination.id.not_in(chosen))
        .values(status=NominationStatus.NOMINATED)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Nomination)
        .where(Nomination.id.in_(chosen))
        .values(status=NominationStatus.SHORTLISTED)
        .execution_options(synchronize_session=False)
    )
    bump_after_commit(db.session, "catalogue", f"tally:{voting_round.id}")
    audit.record(
        db.session,
        "round.advanced",
        actor=by,
        target=voting_round,
        shortlist={str(k): v for k, v in shortlist.items()},
    )
    db.session.flush()
    db.session.expire_all()  # the bulk updates bypassed the nominations already loaded
    return shortlist


class FlagAlreadyActioned(DomainError):
    status_code = 409
    message = _l("This flag was actioned already; new evidence for it comes as a new flag.")


def dismiss_flag(flag: SuspicionFlag, *, by: User, now: datetime) -> None:
    """The secretariat judged the pattern harmless. Side effects: status, an audit event.
    An actioned flag stays actioned (FlagAlreadyActioned)."""
    if flag.status == FlagStatus.ACTIONED:
        raise FlagAlreadyActioned()
    flag.status = FlagStatus.DISMISSED
    flag.reviewed_at, flag.reviewed_by_id = now, by.id
    audit.record(db.session, "flag.dismissed", actor=by, target=flag, kind=flag.kind)


def action_flag(flag: SuspicionFlag, *, by: User, reason: str, now: datetime) -> int:
    """Invalidate the votes the flag lists and mark it actioned; returns how many changed.

    The evidence lists at most a thousand vote ids; when more were left out, computing the
    flags again lists the rest (and reopens the flag) so they can be actioned in turn.
    """
    if flag.status == FlagStatus.ACTIONED:
        raise FlagAlreadyActioned()
    ids = [int(i) for i in flag.evidence.get("vote_ids", [])]
    votes = list(
        db.session.scalars(select(Vote).where(Vote.round_id == flag.round_id, Vote.id.in_(ids)))
    )
    changed = invalidate_votes(votes, by=by, reason=reason, now=now) if votes else 0
    flag.status = FlagStatus.ACTIONED
    flag.reviewed_at, flag.reviewed_by_id = now, by.id
    audit.record(db.session, "flag.actioned", actor=by, target=flag, invalidated=changed)
    return changed
