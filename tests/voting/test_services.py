"""Casting votes, the tally and its tie rule, invalidation and advancing, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from prizes.accounts.models import Role
from prizes.accounts.sessions import SessionAccount
from prizes.contest.timeline import TimelineRefused
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.db import db as database
from prizes.nominations.models import NominationStatus
from prizes.voting import queries, rounds, services
from prizes.voting.models import BallotEntry, Vote, VoteStatus
from tests.factories import make_user

NO_CLIENT = services.ClientTraits()


def _vote(contest, number=4, index=0, voter=None, moment=None):
    """The stored vote, as the database holds it."""
    nomination = contest.ballot[number][index]
    cast = services.cast_vote(
        contest.voting_round.id,
        category=nomination.category_id,
        nomination_id=nomination.id,
        voter=voter or contest.voter,
        now=moment or now(),
        client=NO_CLIENT,
    )
    vote = database.session.get(Vote, cast.vote_id)
    assert vote.receipt_code == cast.receipt_code
    return vote


def _votes(db) -> int:
    return db.scalar(select(func.count(Vote.id)))


def test_a_vote_is_stored_with_a_receipt(db, contest):
    vote = _vote(contest)
    assert vote.status == VoteStatus.VALID
    assert len(vote.receipt_code) == 19 and vote.receipt_code.count("-") == 3
    assert queries.get_vote_by_receipt(vote.receipt_code.lower()).id == vote.id


def test_one_vote_per_category_per_round(db, contest):
    _vote(contest, 4, 0)
    with pytest.raises(services.AlreadyVoted):
        _vote(contest, 4, 1)
    _vote(contest, 9, 0)  # another category is fine
    assert _votes(db) == 2


@pytest.mark.parametrize("offset", [timedelta(days=-2), timedelta(days=30)])
def test_no_vote_outside_the_round(db, contest, offset):
    with pytest.raises(services.VotingClosed):
        _vote(contest, moment=now() + offset)
    assert _votes(db) == 0


def test_no_vote_in_a_final_round(db, contest):
    contest.voting_round.finalised_at = now()
    with pytest.raises(services.VotingClosed):
        _vote(contest)


def test_voters_need_a_verified_email_and_a_profile(db, contest):
    with pytest.raises(services.VoterNotReady):
        _vote(contest, voter=make_user(verified=False))
    with pytest.raises(services.VoterNotReady):
        _vote(contest, voter=make_user(profile=False))
    assert _votes(db) == 0


def test_a_session_account_votes_only_while_its_session_is_current(db, contest):
    """A voter named by a signed session (not read first) is checked by the statement."""
    current = SessionAccount(contest.voter.id, contest.voter.session_version)
    stale = SessionAccount(contest.voter.id, contest.voter.session_version + 1)
    with pytest.raises(services.NotSignedIn):
        _vote(contest, voter=stale)
    with pytest.raises(services.NotSignedIn):
        _vote(contest, voter=SessionAccount(10**9, 1))
    assert _votes(db) == 0
    assert _vote(contest, voter=current).voter_id == contest.voter.id


def test_only_nominations_on_the_ballot_in_that_category(db, contest):
    nomination = contest.ballot[4][0]
    with pytest.raises(services.NotOnBallot):
        services.cast_vote(
            contest.voting_round.id,
            category=contest.category_id(9),
            nomination_id=nomination.id,
            voter=contest.voter,
            now=now(),
            client=NO_CLIENT,
        )
    assert _votes(db) == 0


def test_no_vote_for_ones_own_organisation(db, contest):
    nomination = contest.ballot[4][0]
    contest.voter.organisation_name = nomination.entry.organisation.upper() + " Ltd."
    with pytest.raises(services.OwnOrganisation):
        _vote(contest)
    assert _votes(db) == 0


def test_each_voter_sees_a_stable_order_of_their_own(db, contest):
    ids = [n.id for n in contest.ballot[4]] * 2  # eight projects worth of keys
    ids = list(range(1000, 1008))

    def order(voter_id):
        return sorted(
            ids, key=lambda nid: services.ballot_order_key(voter_id, contest.voting_round.id, nid)
        )

    assert order(1) == order(1)
    orders = {tuple(order(voter_id)) for voter_id in range(1, 21)}
    assert len(orders) > 15  # twenty voters, nearly all with different orders
    firsts = {order(voter_id)[0] for voter_id in range(1, 41)}
    assert len(firsts) >= 5  # no project is always first


def test_the_tally_counts_valid_votes_only_and_invalidation_is_recorded(db, contest):
    admin = make_user(roles=(Role.SECRETARIAT,))
    voters = [make_user() for _ in range(3)]
    votes = [_vote(contest, 4, 0, voter) for voter in voters]
    _vote(contest, 4, 1)
    category = contest.category_id(4)
    assert queries.tally(contest.voting_round)[category] == {
        contest.ballot[4][0].id: 3,
        contest.ballot[4][1].id: 1,
    }
    changed = rounds.invalidate_votes(
        votes[:2], by=admin, reason="Burst from one network", now=now()
    )
    assert changed == 2
    assert queries.tally(contest.voting_round)[category][contest.ballot[4][0].id] == 1
    assert _votes(db) == 4  # nothing deleted
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "votes.invalidated"))
    assert sorted(event.data["vote_ids"]) == sorted(v.id for v in votes[:2])
    stored = db.get(Vote, votes[0].id)
    assert (
        stored.invalidated_by_id == admin.id
        and stored.invalidation_reason == "Burst from one network"
    )
    assert rounds.invalidate_votes(votes[:2], by=admin, reason="again", now=now()) == 0
    with pytest.raises(DBAPIError), db.begin_nested():  # the database refuses to delete a vote
        db.execute(delete(Vote))


def test_a_complete_ballot_rule_counts_only_full_ballots(db, contest):
    contest.voting_round.requires_complete_ballot = True
    full, partial = make_user(), make_user()
    for number in (4, 9, 10):
        _vote(contest, number, 0, full)
    _vote(contest, 4, 1, partial)
    counts = queries.tally(contest.voting_round)
    assert counts[contest.category_id(4)] == {contest.ballot[4][0].id: 1}


@pytest.mark.parametrize(
    ("votes", "size", "ranks", "shortlisted"),
    [
        ([10, 8, 8, 8, 5], 3, [1, 2, 2, 2, 5], [True, True, True, True, False]),
        ([10, 8, 8, 8, 5, 5, 1], 5, [1, 2, 2, 2, 5, 5, 7], [True] * 6 + [False]),
        ([10, 9, 8, 7, 6, 5], 5, [1, 2, 3, 4, 5, 6], [True] * 5 + [False]),
        # Projects without a vote count too when fewer than K have votes (issue 13).
        ([3, 0, 0], 5, [1, 2, 2], [True, True, True]),
        ([0, 0], 5, [1, 1], [True, True]),
        ([5, 4, 3, 2, 0, 0], 5, [1, 2, 3, 4, 5, 5], [True] * 6),
        ([5, 4, 3, 2, 1, 0, 0], 5, [1, 2, 3, 4, 5, 6, 6], [True] * 5 + [False] * 2),
    ],
)
def test_the_tie_rule_at_the_cut_off(votes, size, ranks, shortlisted):
    ids = list(range(1, len(votes) + 1))
    rows = queries.rank(dict(zip(ids, votes, strict=True)), ids, size)
    assert [r.rank for r in rows] == ranks
    assert [r.shortlisted for r in rows] == shortlisted
    assert abs(sum(r.share for r in rows) - (1.0 if sum(votes) else 0.0)) < 1e-9


def test_advancing_shortlists_the_top_k_and_opens_the_next_round_on_them(db, contest):
    admin = make_user(roles=(Role.SECRETARIAT,))
    contest.edition.shortlist_size = 2  # the edition's setting is the one every round uses
    for votes, index in ((3, 0), (2, 1), (1, 2)):
        for _ in range(votes):
            _vote(contest, 4, index, make_user())
    with pytest.raises(rounds.RoundNotReady):
        rounds.advance_round(contest.voting_round, by=admin, now=now())
    after = contest.voting_round.closes_at + timedelta(minutes=1)
    shortlist = rounds.advance_round(contest.voting_round, by=admin, now=after)
    assert shortlist[contest.category_id(4)] == [contest.ballot[4][0].id, contest.ballot[4][1].id]
    statuses = {n.id: db.get(type(n), n.id).status for n in contest.ballot[4]}
    assert statuses[contest.ballot[4][0].id] == NominationStatus.SHORTLISTED
    assert statuses[contest.ballot[4][2].id] == NominationStatus.NOMINATED
    with pytest.raises(rounds.RoundNotReady):
        rounds.advance_round(contest.voting_round, by=admin, now=after)
    second = rounds.create_round(
        contest.edition,
        title="Final round",
        opens_at=after,
        closes_at=after + timedelta(days=7),
        requires_complete_ballot=False,
        public_tally=False,
        by=admin,
    )
    on_ballot = db.scalars(
        select(BallotEntry.nomination_id).where(
            BallotEntry.round_id == second.id,
            BallotEntry.category_id == contest.category_id(4),
        )
    ).all()
    assert sorted(on_ballot) == sorted(shortlist[contest.category_id(4)])
    assert second.number == 2 and second.shortlist_size == 2


def test_a_new_round_needs_the_previous_one_advanced(db, contest):
    admin = make_user(roles=(Role.SECRETARIAT,))
    with pytest.raises(TimelineRefused, match="Advance the previous round"):
        rounds.create_round(
            contest.edition,
            title="Too early",
            opens_at=now(),
            closes_at=now() + timedelta(days=1),
            requires_complete_ballot=False,
            public_tally=False,
            by=admin,
        )


def test_finishing_the_ballot_mails_the_choices_and_receipts(db, contest, outbox):
    first = _vote(contest, 4, 0)
    second = _vote(contest, 10, 2)
    db.commit()
    assert services.finish_ballot(contest.voting_round, voter=contest.voter) == 2
    db.commit()
    [message] = outbox()
    body = message.get_content()
    assert first.receipt_code in body and second.receipt_code in body
    assert contest.ballot[10][2].entry.title in body
