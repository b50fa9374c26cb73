"""Whole editions through the services, in the order the contest runs and the timeline
enforces: import, submission, review and the announced nominated list, a public voting
round, the champions, stage 2, the decisions and the published winners."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from prizes.accounts.models import Role
from prizes.contest.models import Edition
from prizes.contest.timeline import TimelineRefused
from prizes.core.clock import now
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review import champions, decisions, scoring
from prizes.review import services as experts
from prizes.review.models import ExpertAssignment, ReviewStage, RubricCriterion
from prizes.stocktaking import importer
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting import queries as voting_queries
from prizes.voting import rounds as voting_rounds
from prizes.voting import services as voting
from tests.factories import complete_fields, get_category, make_entry, make_user

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples" / "entries.csv"


def _edition(start, **rules) -> Edition:
    edition = Edition(
        year=2099,
        title="WSIS Prizes 2099",
        submission_opens_at=start - timedelta(days=1),
        submission_closes_at=start + timedelta(days=10),
        review_closes_at=start + timedelta(days=20),
        selection_closes_at=start + timedelta(days=60),
        **rules,
    )
    return edition


def _submit(entry, edition, category, *, at):
    """A stakeholder of its own organisation nominates ``entry``: one entity, one project."""
    nominator = make_user(roles=(Role.STAKEHOLDER,))
    nomination = nominations.start_nomination(
        entry, edition=edition, category=category, by=nominator, now=at
    )
    fields = complete_fields(category, sdg_linkages={2: "Food security"})
    nominations.update_nomination(nomination, fields, by=nominator, now=at)
    nominations.submit_nomination(nomination, by=nominator, now=at)
    return nomination


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
    edition = _edition(start, nominated_per_category=3, shortlist_size=2)
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
    submitted = [_submit(e, edition, category, at=start) for e in c7_entries]

    # Nothing moves on while the submissions are open.
    with pytest.raises(TimelineRefused, match="Submissions are open until"):
        nominations.announce_nominated_list(edition, by=secretariat, now=start, reason="x")
    with pytest.raises(TimelineRefused, match="Announce the nominated list"):
        voting_rounds.create_round(
            edition,
            title="Too early",
            opens_at=start,
            closes_at=start + timedelta(days=5),
            requires_complete_ballot=False,
            public_tally=False,
            by=secretariat,
        )

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

    # The nominated list is announced once the review ends, for every category at once.
    with pytest.raises(TimelineRefused, match="needs an override with a reason"):
        nominations.announce_nominated_list(edition, by=secretariat, now=after_deadline)
    opens = edition.review_closes_at
    assert nominations.announce_nominated_list(edition, by=secretariat, now=opens) == 3

    # The public vote: one round; the edition's shortlist of two goes to the expert group.
    voting_round = voting_rounds.create_round(
        edition,
        title="Online voting",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
        requires_complete_ballot=False,
        public_tally=False,
        by=secretariat,
    )
    assert voting_round.shortlist_size == 2
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
    with pytest.raises(TimelineRefused, match="advance round 1"):
        champions.announce_champions(edition, by=secretariat, now=opens + timedelta(days=2))
    shortlist = voting_rounds.advance_round(
        voting_round, by=secretariat, now=voting_round.closes_at
    )
    assert shortlist[category.id] == [submitted[2].id, submitted[3].id]
    assert voting_queries.tally(voting_round)[category.id][submitted[2].id] == 5
    assert champions.announce_champions(edition, by=secretariat, now=voting_round.closes_at) == 2

    # Stage 2: the expert scores the champions; the proposal follows the scores.
    shortlisted = [db.get(Nomination, nid) for nid in shortlist[category.id]]
    for nomination, value in zip(shortlisted, [6, 9], strict=True):
        answers = {c.id: scoring.CriterionScore(value) for c in criteria}
        scoring.save_scores(
            expert, nomination, ReviewStage.SELECTION, answers, submit=True, now=start
        )
    proposal = decisions.proposal(edition, category)
    assert [row.nomination.id for row in proposal] == [submitted[3].id, submitted[2].id]

    # The decision and the publication, at the end of the selection.
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
    ends = edition.selection_closes_at
    assert decisions.publish_results(edition, by=secretariat, now=ends) == 2
    db.commit()
    assert db.get(Nomination, submitted[3].id).status == NominationStatus.WINNER
    assert db.get(Nomination, submitted[2].id).status == NominationStatus.CHAMPION
    results_mail = [m for m in outbox() if "the results" in m["Subject"]]
    assert len(results_mail) == 2


# Valid votes of the six projects of a category: five distinct places, one without a vote.
# In category 18 only three projects get votes: the two without any still make its top five.
VOTES = [5, 4, 3, 2, 1, 0]
FEW_VOTES = [3, 2, 1, 0, 0]


def test_a_full_edition_has_18_winners_and_72_champions(db, outbox, client, runner, tmp_path):
    start = now()
    secretariat = make_user(roles=(Role.SECRETARIAT,))
    edition = _edition(start)  # the edition's shortlist: five per category
    db.add(edition)
    db.flush()
    db.add(RubricCriterion(edition_id=edition.id, position=1, name="Impact", weight=1))
    expert = make_user(roles=(Role.EXPERT,))
    categories = [get_category(number) for number in range(1, 19)]
    db.add_all(
        ExpertAssignment(edition_id=edition.id, expert_id=expert.id, category_id=c.id)
        for c in categories
    )

    # Submission: six projects per category (five in the last), each from its own entity.
    per_category = {}
    for category in categories:
        count = len(FEW_VOTES) if category.number == 18 else len(VOTES)
        per_category[category.id] = [
            _submit(make_entry(action_lines=(category.action_line,)), edition, category, at=start)
            for _ in range(count)
        ]

    # Review: the secretariat nominates every submission after the deadline.
    reviewed = edition.submission_closes_at + timedelta(hours=1)
    for batch in per_category.values():
        for nomination in batch:
            nominations.review_nomination(
                nomination,
                outcome=NominationStatus.NOMINATED,
                reason=None,
                by=secretariat,
                now=reviewed,
            )
    opens = edition.review_closes_at
    nominations.announce_nominated_list(edition, by=secretariat, now=opens)

    # The vote: each voter votes in every category, for the project of its place.
    voting_round = voting_rounds.create_round(
        edition,
        title="Online voting",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
        requires_complete_ballot=False,
        public_tally=False,
        by=secretariat,
    )
    assert voting_round.shortlist_size == 5
    voters = [make_user() for _ in range(sum(VOTES))]
    for category in categories:
        counts = FEW_VOTES if category.number == 18 else VOTES
        choices = [i for i, votes in enumerate(counts) for _ in range(votes)]
        for voter, index in zip(voters, choices, strict=False):
            voting.cast_vote(
                voting_round.id,
                category=category.id,
                nomination_id=per_category[category.id][index].id,
                voter=voter,
                now=opens + timedelta(days=1),
                client=voting.ClientTraits(),
            )
    shortlist = voting_rounds.advance_round(
        voting_round, by=secretariat, now=voting_round.closes_at
    )
    assert {len(ids) for ids in shortlist.values()} == {5}
    last = per_category[categories[-1].id]
    assert {last[3].id, last[4].id} <= set(shortlist[categories[-1].id])  # no votes, still in

    # The champions are announced before the winners: 90, five per category.
    assert champions.announce_champions(edition, by=secretariat, now=voting_round.closes_at) == 90

    # Stage 2: the expert scores each category's champions, the best first.
    for category in categories:
        top_five = [db.get(Nomination, nid) for nid in shortlist[category.id]]
        for place, nomination in enumerate(top_five):
            experts.declare_conflict(expert, nomination, has_conflict=False, reason=None, now=start)
            answers = {
                c.id: scoring.CriterionScore(10 - place) for c in scoring.criteria_of(edition.id)
            }
            scoring.save_scores(
                expert, nomination, ReviewStage.SELECTION, answers, submit=True, now=start
            )
        decisions.record_decision(
            edition,
            category,
            winner_ids=[top_five[0].id],
            rationale="Highest expert score",
            deviation_reason=None,
            override_reason=None,
            by=secretariat,
            now=voting_round.closes_at,
        )
    assert decisions.publish_results(edition, by=secretariat, now=edition.selection_closes_at) == 90
    db.commit()
    from prizes.core.runs import JobRun

    # Publication, by whatever screen, asks the worker for the finished round's log file.
    log_jobs = db.scalars(select(JobRun).where(JobRun.kind == "log_file")).all()
    assert [job.subject_id for job in log_jobs] == [voting_round.id]

    outcomes = Counter(
        dict(
            db.execute(
                select(Nomination.status, func.count())
                .where(Nomination.edition_id == edition.id)
                .group_by(Nomination.status)
            ).all()
        )
    )
    assert outcomes[NominationStatus.WINNER] == 18
    assert outcomes[NominationStatus.CHAMPION] == 72
    assert outcomes[NominationStatus.NOMINATED] == 17  # sixth places, back to nominated

    # The results record: recomputed from itself, it agrees; one altered score, it does not.
    from prizes.transparency.services import extend_log

    extend_log(voting_round, now=voting_round.closes_at)
    db.commit()
    record = client.get(f"/editions/{edition.year}/results/record.json")
    seal = client.get(f"/editions/{edition.year}/results/record.sig.json").get_json()
    assert record.status_code == 200
    assert seal["sha256"].encode() in client.get(f"/editions/{edition.year}/results").data
    bundle_file, seal_file = tmp_path / "record.json", tmp_path / "record.sig.json"
    bundle_file.write_bytes(record.data)
    seal_file.write_text(json.dumps(seal))
    accepted = runner.invoke(
        args=["verify-results", str(bundle_file), "--signature", str(seal_file)]
    )
    assert accepted.exit_code == 0, accepted.output
    assert "signature: verified" in accepted.output
    document = json.loads(record.data)
    assert document["rounds"][0]["head"]["tree_size"] == 18 * sum(VOTES) - sum(VOTES) + sum(
        FEW_VOTES
    )
    scores = document["stages"]["selection"]["scores"]["E1"]
    first = next(iter(scores))
    scores[first] -= 3  # one altered score
    bundle_file.write_text(json.dumps(document))
    rejected = runner.invoke(args=["verify-results", str(bundle_file)])
    assert rejected.exit_code == 1
    assert f"nomination {first}'s mean" in rejected.output
    resigned = runner.invoke(
        args=["verify-results", str(bundle_file), "--signature", str(seal_file)]
    )
    assert resigned.exit_code == 1 and "the record was changed" in resigned.output
    keyless = runner.invoke(
        args=[
            "verify-results",
            str(bundle_file),
            "--signature",
            str(seal_file),
            "--key",
            str(tmp_path / "absent.pem"),
        ]
    )
    assert keyless.exit_code == 1 and "cannot read the key" in keyless.output
    bundle_file.write_text(record.data.decode()[:-30])  # truncated
    truncated = runner.invoke(args=["verify-results", str(bundle_file)])
    assert truncated.exit_code == 1 and "truncated or damaged" in truncated.output
