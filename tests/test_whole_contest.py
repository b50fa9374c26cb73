"""A whole edition through the services, in the order the contest runs: import, submit,
stage 1, a public voting round, stage 2, the decision and the published results."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.contest.models import Edition
from prizes.core.clock import now
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review import decisions, scoring
from prizes.review import services as experts
from prizes.review.models import ExpertAssignment, ReviewStage, RubricCriterion
from prizes.stocktaking import importer
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting import queries as voting_queries
from prizes.voting import rounds as voting_rounds
from prizes.voting import services as voting
from tests.factories import complete_fields, get_category, make_user

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples" / "entries.csv"


def test_an_edition_from_import_to_published_results(db, outbox):
    start = now()
    secretariat = make_user(roles=(Role.SECRETARIAT,))

    # The stocktaking: entries come in from a file.
    parsed = importer.read_entries(SAMPLES)
    assert not parsed.errors
    importer.apply_rows(parsed.rows, source=SAMPLES.name, now=start)
    entries = list(db.scalars(select(StocktakingEntry).order_by(StocktakingEntry.external_id)))
    assert len(entries) >= 5

    # The edition, its rubric and an expert for e-agriculture (category 13, action line C7).
    edition = Edition(
        year=2099,
        title="WSIS Prizes 2099",
        submission_opens_at=start - timedelta(days=1),
        submission_closes_at=start + timedelta(days=10),
        review_closes_at=start + timedelta(days=20),
        selection_closes_at=start + timedelta(days=60),
        nominated_per_category=3,
        shortlist_size=2,
    )
    db.add(edition)
    db.flush()
    db.add(RubricCriterion(edition_id=edition.id, position=1, name="Results and impact", weight=2))
    db.add(RubricCriterion(edition_id=edition.id, position=2, name="Sustainability", weight=1))
    expert = make_user(roles=(Role.EXPERT,))
    category = get_category(13)
    db.add(ExpertAssignment(edition_id=edition.id, expert_id=expert.id, category_id=category.id))

    # Submission: four stakeholders each nominate one C7 project into e-agriculture.
    c7_entries = [e for e in entries if "C7" in e.action_line_codes][:4]
    assert len(c7_entries) == 4
    submitted = []
    for entry in c7_entries:
        nominator = make_user(roles=(Role.STAKEHOLDER,))
        nomination = nominations.start_nomination(
            entry, edition=edition, category=category, by=nominator, now=start
        )
        nominations.update_nomination(
            nomination,
            complete_fields(category, sdg_linkages={2: "Food security"}),
            by=nominator,
            now=start,
        )
        nominations.submit_nomination(nomination, by=nominator, now=start)
        submitted.append(nomination)

    # Stage 1: the expert scores; the top three make the nominated list.
    criteria = scoring.criteria_of(edition.id)
    for nomination, value in zip(submitted, [9, 4, 7, 8], strict=True):
        experts.declare_conflict(expert, nomination, has_conflict=False, reason=None, now=start)
        answers = {c.id: scoring.CriterionScore(value) for c in criteria}
        scoring.save_scores(
            expert, nomination, ReviewStage.NOMINATION, answers, submit=True, now=start
        )
    after_deadline = edition.submission_closes_at + timedelta(hours=1)
    nominated = decisions.apply_stage_one(edition, category, by=secretariat, now=after_deadline)
    assert sorted(nominated) == sorted([submitted[0].id, submitted[2].id, submitted[3].id])
    assert submitted[1].status == NominationStatus.REJECTED

    # The public vote: one round, the top two go to the expert group.
    opens = edition.review_closes_at
    voting_round = voting_rounds.create_round(
        edition,
        title="Online voting",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
        shortlist_size=2,
        requires_complete_ballot=False,
        public_tally=False,
        by=secretariat,
    )
    for nomination, votes in ((submitted[2], 5), (submitted[3], 3), (submitted[0], 1)):
        for _ in range(votes):
            voting.cast_vote(
                voting_round.id,
                category=category.id,
                nomination_id=nomination.id,
                voter=make_user(),
                now=opens + timedelta(days=1),
                client=voting.ClientTraits(),
            )
    shortlist = voting_rounds.advance_round(
        voting_round, by=secretariat, now=voting_round.closes_at
    )
    assert shortlist[category.id] == [submitted[2].id, submitted[3].id]
    assert voting_queries.tally(voting_round)[category.id][submitted[2].id] == 5

    # Stage 2: the expert scores the shortlist; the proposal follows the scores.
    shortlisted = [db.get(Nomination, nid) for nid in shortlist[category.id]]
    for nomination, value in zip(shortlisted, [6, 9], strict=True):
        answers = {c.id: scoring.CriterionScore(value) for c in criteria}
        scoring.save_scores(
            expert, nomination, ReviewStage.SELECTION, answers, submit=True, now=start
        )
    proposal = decisions.proposal(edition, category)
    assert [row.nomination.id for row in proposal] == [submitted[3].id, submitted[2].id]

    # The decision and the publication.
    decisions.record_decision(
        edition,
        category,
        winner_ids=[submitted[3].id],
        rationale="Highest expert score",
        deviation_reason=None,
        override_reason=None,
        by=secretariat,
        now=start,
    )
    assert decisions.publish_results(edition, by=secretariat, now=start) == 2
    db.commit()
    assert db.get(Nomination, submitted[3].id).status == NominationStatus.WINNER
    assert db.get(Nomination, submitted[2].id).status == NominationStatus.CHAMPION
    results_mail = [m for m in outbox() if "the results" in m["Subject"]]
    assert len(results_mail) == 2
