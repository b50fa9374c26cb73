"""The demo data: a contest a newcomer can learn from, with every phase, whose figures add
up (the winners and champions, the votes and scores that made them), and repeatable."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import faker
import pytest
from sqlalchemy import func, select

from prizes.accounts.models import User
from prizes.contest.models import Category, Edition
from prizes.contest.queries import list_categories
from prizes.core.clock import now
from prizes.core.mail import OutgoingMail
from prizes.core.text import count_words
from prizes.core.vocabulary import StakeholderType
from prizes.demo.countries import UN_COUNTRIES, UN_MEMBER_STATES, UN_OBSERVER_STATES
from prizes.demo.entries import make_projects
from prizes.demo.themes import THEMES
from prizes.exports.models import Export, ExportStatus
from prizes.nominations.models import Nomination, NominationStatus
from prizes.nominations.rules import SHORT_DESCRIPTION_WORDS
from prizes.review.models import Decision, DecisionOutcome, ReviewStage, Score
from prizes.stocktaking.models import StocktakingEntry
from prizes.transparency.bundle import build_bundle, verify_bundle
from prizes.transparency.models import TreeHead
from prizes.voting import rounds
from prizes.voting.models import FlagStatus, SuspicionFlag, Vote, VoteStatus, VotingRound


@pytest.fixture
def seeded(app, runner, db):
    """The demo loaded as ``make demo`` loads it (the default size), with a seed."""
    result = runner.invoke(args=["seed-demo", "--seed", "7"])
    assert result.exit_code == 0, result.output
    return result


def _editions(db) -> list[Edition]:
    return list(db.scalars(select(Edition).order_by(Edition.year)))


def _statuses(db, edition: Edition) -> Counter[str]:
    rows = db.execute(
        select(Nomination.status, func.count())
        .where(Nomination.edition_id == edition.id)
        .group_by(Nomination.status)
    )
    return Counter({str(status): count for status, count in rows})


def test_the_finished_edition_has_18_winners_and_72_champions_made_by_votes_and_scores(seeded, db):
    finished = _editions(db)[0]
    assert finished.results_published_at is not None
    assert finished.champions_announced_at is not None
    decided = Counter(
        db.scalars(
            select(Decision.outcome).where(
                Decision.edition_id == finished.id, Decision.published_at.is_not(None)
            )
        )
    )
    assert decided == {DecisionOutcome.WINNER: 18, DecisionOutcome.CHAMPION: 72}
    statuses = _statuses(db, finished)
    assert statuses["winner"] == 18 and statuses["champion"] == 72
    # One winner and four champions per category: the round's top five.
    per_category = Counter(
        db.scalars(
            select(Nomination.category_id).where(
                Nomination.edition_id == finished.id,
                Nomination.status.in_((NominationStatus.WINNER, NominationStatus.CHAMPION)),
            )
        )
    )
    assert sorted(per_category.values()) == [5] * 18
    final_round = db.scalar(select(VotingRound).where(VotingRound.edition_id == finished.id))
    assert final_round.finalised_at is not None and final_round.closes_at < now()
    valid = dict(
        db.execute(
            select(Vote.nomination_id, func.count())
            .where(Vote.round_id == final_round.id, Vote.status == VoteStatus.VALID)
            .group_by(Vote.nomination_id)
        ).all()
    )
    placed = db.scalars(
        select(Nomination.id).where(
            Nomination.edition_id == finished.id,
            Nomination.status.in_((NominationStatus.WINNER, NominationStatus.CHAMPION)),
        )
    ).all()
    assert all(valid.get(nid, 0) > 0 for nid in placed)  # no winner nor champion without votes
    scored = set(
        db.scalars(
            select(Score.nomination_id).where(Score.stage == ReviewStage.SELECTION).distinct()
        )
    )
    assert set(placed) <= scored
    # The campaign the fraud checks caught was actioned: its votes invalidated, not deleted.
    flags = db.scalars(select(SuspicionFlag).where(SuspicionFlag.round_id == final_round.id))
    assert FlagStatus.ACTIONED in {flag.status for flag in flags}
    assert db.scalar(
        select(func.count()).where(
            Vote.round_id == final_round.id, Vote.status == VoteStatus.INVALIDATED
        )
    )
    # What the transparency pages publish follows from the record, and the log is signed.
    assert verify_bundle(build_bundle(finished)) == []
    assert db.scalar(
        select(func.count()).where(TreeHead.round_id == final_round.id, TreeHead.final.is_(True))
    )
    assert db.scalar(select(Export.status).where(Export.round_id == final_round.id)) == (
        ExportStatus.DONE
    )


def test_every_other_phase_has_its_edition(seeded, db, app):
    _finished, awaiting, voting, upcoming = _editions(db)
    moment = now()
    # Awaiting the experts' decisions: champions announced and scored, nothing decided.
    assert awaiting.champions_announced_at is not None and awaiting.results_published_at is None
    assert _statuses(db, awaiting)["champion"] == 90
    assert not db.scalar(select(func.count()).where(Decision.edition_id == awaiting.id))
    # In voting: an open round with votes, skewed, and open flags on a campaign.
    voting_round = db.scalar(select(VotingRound).where(VotingRound.edition_id == voting.id))
    assert voting_round.is_open(moment)
    counts = sorted(
        db.scalars(
            select(func.count())
            .where(Vote.round_id == voting_round.id)
            .group_by(Vote.nomination_id)
        ),
        reverse=True,
    )
    assert counts[0] >= 5 * counts[-1]
    open_flags = db.scalars(
        select(SuspicionFlag).where(
            SuspicionFlag.round_id == voting_round.id, SuspicionFlag.status == FlagStatus.OPEN
        )
    ).all()
    assert len(open_flags) >= 2
    # The demo voter voted in past rounds (receipts to look at), not yet in the open one.
    voter = db.scalar(select(User.id).where(User.email_canonical == "demo.voter@example.org"))
    theirs = Counter(db.scalars(select(Vote.round_id).where(Vote.voter_id == voter)))
    assert theirs[voting_round.id] == 0 and sum(theirs.values()) > 0
    # The steps' mails (to made-up nominators and voters) are not left to be sent.
    assert not db.scalar(select(func.count()).select_from(OutgoingMail))
    # Open for submissions, with a review queue.
    assert upcoming.accepts_submissions(moment)
    assert _statuses(db, upcoming)["submitted"] > 0
    # The round can be closed (early, with a reason) and advanced to the top five.
    secretariat = db.scalar(
        select(User).where(User.email_canonical == "demo.secretariat@example.org")
    )
    with app.test_request_context():
        rounds.close_round_early(voting_round, by=secretariat, now=moment, reason="Demo")
        shortlist = rounds.advance_round(
            voting_round, by=secretariat, now=moment + timedelta(seconds=1)
        )
    assert sorted(len(ids) for ids in shortlist.values()) == [5] * 18


def test_entries_read_like_stocktaking_entries_of_their_category(seeded, db):
    entries = db.scalars(select(StocktakingEntry)).all()
    assert {entry.country for entry in entries} <= set(UN_COUNTRIES)
    assert {entry.stakeholder_type for entry in entries} == set(StakeholderType)
    rows = db.execute(
        select(Category.number, StocktakingEntry.description, Nomination.short_description)
        .join(Nomination, Nomination.category_id == Category.id)
        .join(StocktakingEntry, StocktakingEntry.id == Nomination.entry_id)
    ).all()
    assert len({number for number, *_ in rows}) == 18
    low, high = SHORT_DESCRIPTION_WORDS
    for number, description, short in rows:
        topics = [t.removeprefix("a ").removeprefix("an ").lower() for t in THEMES[number].topics]
        assert any(topic in description.lower() for topic in topics), (number, description)
        assert low <= count_words(short) <= high


def test_the_un_list_has_the_193_member_states_and_the_2_observers():
    assert len(set(UN_MEMBER_STATES)) == 193
    assert set(UN_OBSERVER_STATES) == {"VA", "PS"}
    assert "TW" not in UN_COUNTRIES and "XK" not in UN_COUNTRIES and "AQ" not in UN_COUNTRIES


def test_the_same_seed_gives_the_same_projects(db):
    categories = list_categories()

    def titles(seed: int) -> list[tuple[str, str, str]]:
        fake = faker.Faker("en_US")
        fake.seed_instance(seed)
        projects = make_projects(fake, 150, categories, rng=random.Random(seed))
        return [(p.entry.title, p.entry.organisation, p.entry.country) for p in projects]

    assert titles(7) == titles(7)
    assert titles(7) != titles(8)
