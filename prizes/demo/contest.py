"""The demo's editions, each at another phase, made by the contest's own services so that
every figure adds up: the submissions, the experts' stage-1 scores and the nominated list,
the vote (real vote rows, with a campaign the fraud checks flag), the shortlist, the
champions, the stage-2 scores, the decisions and the published results.

Four editions run at once here, which the contest never has: the finished one (results
published, vote log signed), one awaiting the experts' decisions (scores entered, its
selection date just past so that it does not hide the edition in voting), one in voting
(a round open, votes cast, flags raised: the secretariat may close it and advance it), and
the next one open for submissions (a review queue). The services are given the moment each
step happened, so the timelines read as if the secretariat had acted on the day.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from prizes.accounts.models import User
from prizes.contest.models import Category, Edition
from prizes.core.clock import geneva_deadline
from prizes.core.vocabulary import SDG_NAMES
from prizes.db import db
from prizes.demo import votes
from prizes.demo.entries import Project
from prizes.demo.themes import THEMES
from prizes.demo.writing import nomination_texts
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination, NominationSdgLink, NominationStatus, ProjectStage
from prizes.review import champions, decisions
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ReviewStage,
    RubricCriterion,
    Score,
    ScoreStatus,
)
from prizes.review.rubric import seed_default_rubric
from prizes.transparency.services import extend_log
from prizes.voting import fraud, rounds
from prizes.voting.models import FlagKind, SuspicionFlag, VotingRound

DAY = timedelta(days=1)
SUBMITTED_PER_CATEGORY = 7
NOMINATED_PER_CATEGORY = 6


@dataclass
class Cast:
    """Who takes part in the demo's editions and what they work with; ``quality`` is each
    nomination's hidden merit, which the experts' scores follow (with noise)."""

    rng: random.Random
    moment: datetime
    categories: list[Category]
    pools: dict[int, list[Project]]  # category number -> its projects
    nominator_of: dict[str, int]  # organisation key -> nominator id
    experts: dict[int, list[int]]  # category id -> the three experts assigned
    voters: list[int]
    demo_voter: int
    secretariat: User
    stakeholder: User
    make_fresh: Callable[..., list[int]]  # fresh accounts, for the campaign
    quality: dict[int, float] = field(default_factory=dict)


def _edition(cast: Cast, year: int, **dates: datetime | None) -> Edition:
    """An edition with the published rubric and three experts per category."""
    edition = Edition(
        year=year,
        title=f"WSIS Prizes {year}",
        nominated_per_category=NOMINATED_PER_CATEGORY,
        **dates,
    )
    db.session.add(edition)
    db.session.flush()
    seed_default_rubric(edition)
    db.session.add_all(
        ExpertAssignment(edition_id=edition.id, expert_id=expert, category_id=category)
        for category, trio in cast.experts.items()
        for expert in trio
    )
    db.session.flush()
    return edition


def _submit(cast: Cast, edition: Edition, *, per_category: int) -> list[Nomination]:
    """Submitted nominations, in each category projects about that category, one per
    organisation; the demo stakeholder's account nominates the first in a few."""
    rng, made = cast.rng, list[Nomination]()
    opens = edition.submission_opens_at
    span = int((min(edition.submission_closes_at, cast.moment) - opens).total_seconds())
    for category in cast.categories:
        pool = cast.pools[category.number]
        taken: set[str | None] = set()
        for project in rng.sample(pool, k=len(pool)):
            entry = project.entry
            if entry.organisation_key in taken:
                continue
            taken.add(entry.organisation_key)
            mine = not made or (len(taken) == 1 and category.number in (4, 9, 10))
            nominator = (
                cast.stakeholder.id if mine else cast.nominator_of[entry.organisation_key or ""]
            )
            texts = nomination_texts(rng, THEMES[category.number], project.slots)
            nomination = Nomination(
                edition_id=edition.id,
                category_id=category.id,
                entry_id=entry.id,
                nominator_id=nominator,
                organisation_key=entry.organisation_key,
                submitter_key=cast.stakeholder.organisation_key if mine else entry.organisation_key,
                project_stage=rng.choice(list(ProjectStage)),
                link=entry.website,
                status=NominationStatus.SUBMITTED,
                submitted_at=opens + timedelta(seconds=rng.randrange(span)),
                sdg_links=[
                    NominationSdgLink(
                        sdg=sdg,
                        linkage=f"Contributes to {SDG_NAMES[sdg]} in {project.slots['place']}.",
                    )
                    for sdg in entry.sdg_numbers
                ],
                **texts,
            )
            db.session.add(nomination)
            made.append(nomination)
            if len(taken) == per_category:
                break
    db.session.flush()
    for nomination in made:
        cast.quality[nomination.id] = rng.uniform(4.5, 9.0)
    return made


def _score(
    cast: Cast, edition: Edition, chosen: list[Nomination], stage: ReviewStage, at: datetime
) -> None:
    """Every assigned expert declares no conflict and submits a score per criterion: the
    project's merit, the expert's own leniency, and some noise."""
    rng = cast.rng
    criteria = list(
        db.session.scalars(
            select(RubricCriterion.id).where(RubricCriterion.edition_id == edition.id)
        )
    )
    leniency = {e: rng.uniform(-0.8, 0.8) for trio in cast.experts.values() for e in trio}
    declared = {
        (expert, nomination)
        for expert, nomination in db.session.execute(
            select(ConflictDeclaration.expert_id, ConflictDeclaration.nomination_id).where(
                ConflictDeclaration.nomination_id.in_([n.id for n in chosen])
            )
        )
    }
    declarations, scores = [], []
    for nomination in chosen:
        for expert in cast.experts[nomination.category_id]:
            when = at - timedelta(minutes=rng.randint(10, 60 * 24 * 10))
            if (expert, nomination.id) not in declared:
                declarations.append(
                    {
                        "expert_id": expert,
                        "nomination_id": nomination.id,
                        "has_conflict": False,
                        "declared_at": when,
                    }
                )
            merit = cast.quality[nomination.id] + leniency[expert]
            for criterion in criteria:
                value = min(10, max(1, round(rng.gauss(merit, 1.0))))
                scores.append(
                    {
                        "expert_id": expert,
                        "nomination_id": nomination.id,
                        "criterion_id": criterion,
                        "stage": stage,
                        "value": value,
                        "status": ScoreStatus.SUBMITTED,
                        "updated_at": when,
                        "submitted_at": when,
                    }
                )
    if declarations:
        db.session.execute(insert(ConflictDeclaration), declarations)
    db.session.execute(insert(Score), scores)


def _nominated_list(cast: Cast, edition: Edition, submitted: list[Nomination]) -> None:
    """Stage 1 as the secretariat applies it after the experts' scores, then announced."""
    at = edition.review_closes_at - 2 * DAY
    _score(cast, edition, submitted, ReviewStage.NOMINATION, at)
    # Each decision's writes wait for one flush at the end, instead of one before each of
    # the next decision's reads, which do not depend on them (a third of the seeding time).
    with db.session.no_autoflush:
        for category in cast.categories:
            decisions.apply_stage_one(edition, category, by=cast.secretariat, now=at)
    db.session.flush()
    nominations.announce_nominated_list(
        edition, by=cast.secretariat, now=edition.review_closes_at + DAY
    )


def _round(
    cast: Cast, edition: Edition, *, opens: datetime, closes: datetime, campaign: bool
) -> VotingRound:
    """A round on the nominated list, the crowd's votes in it, the fraud checks' flags and
    the vote log. In a past round the demo voter voted too (their receipts are under "My
    votes"); the open one is theirs to try."""
    voting_round = rounds.create_round(
        edition,
        title="Online voting",
        opens_at=opens,
        closes_at=closes,
        requires_complete_ballot=False,
        public_tally=True,
        by=cast.secretariat,
    )
    until = min(closes, cast.moment)
    votes.cast_votes(
        voting_round,
        rng=cast.rng,
        voters=cast.voters if closes > cast.moment else [cast.demo_voter, *cast.voters],
        until=until,
        campaign=cast.make_fresh if campaign else None,
    )
    fraud.compute_flags(voting_round, now=until)
    extend_log(voting_round, now=until)  # the worker's batch: the vote log and a signed head
    return voting_round


def _to_champions(
    cast: Cast, edition: Edition, voting_round: VotingRound, *, scored_at: datetime
) -> list[Nomination]:
    """The round advanced (the top five of each category shortlisted), the champions
    announced, and the experts' stage-2 scores of the champions entered."""
    advanced = voting_round.closes_at + DAY
    rounds.advance_round(voting_round, by=cast.secretariat, now=advanced)
    champions.announce_champions(edition, by=cast.secretariat, now=advanced + 2 * DAY)
    chosen = [n for group in champions.champions_of(edition).values() for n in group]
    _score(cast, edition, chosen, ReviewStage.SELECTION, scored_at)
    return chosen


def _review_flags(cast: Cast, voting_round: VotingRound, at: datetime) -> None:
    """The secretariat's review of the finished round's flags: the campaign's votes
    invalidated, the rest judged harmless."""
    for flag in db.session.scalars(
        select(SuspicionFlag).where(SuspicionFlag.round_id == voting_round.id)
    ):
        if (
            flag.kind in (FlagKind.NETWORK_BURST, FlagKind.FRESH_SINGLE_PROJECT)
            and flag.status == "open"
        ):
            rounds.action_flag(
                flag,
                by=cast.secretariat,
                reason="Scripted campaign: new accounts on one network voting within minutes.",
                now=at,
            )
        elif flag.status == "open":
            rounds.dismiss_flag(flag, by=cast.secretariat, now=at)


def finished_edition(cast: Cast, year: int) -> Edition:
    """Results published: 18 winners and 72 champions, their votes and scores, the signed
    vote log, and the votes file exported."""
    from prizes.exports import services as exports
    from prizes.exports.models import ExportKind

    m = cast.moment
    edition = _edition(
        cast,
        year,
        submission_opens_at=geneva_deadline((m - 900 * DAY).date()),
        submission_closes_at=geneva_deadline((m - 800 * DAY).date()),
        review_closes_at=geneva_deadline((m - 770 * DAY).date()),
        selection_closes_at=geneva_deadline((m - 700 * DAY).date()),
    )
    _nominated_list(cast, edition, _submit(cast, edition, per_category=SUBMITTED_PER_CATEGORY))
    voting_round = _round(cast, edition, opens=m - 765 * DAY, closes=m - 735 * DAY, campaign=True)
    _review_flags(cast, voting_round, m - 734 * DAY)
    _to_champions(cast, edition, voting_round, scored_at=m - 712 * DAY)
    for category in cast.categories:
        rows = decisions.proposal(edition, category)
        best = rows[0]
        decisions.record_decision(
            edition,
            category,
            winner_ids=[best.nomination.id],
            rationale=(
                f"The expert group chose the project with the highest score among the "
                f"category's five champions ({best.score.mean:.2f} of 10, {best.votes} votes)."
            ),
            deviation_reason=None,
            override_reason=None,
            by=cast.secretariat,
            now=m - 705 * DAY,
        )
    decisions.publish_results(edition, by=cast.secretariat, now=edition.selection_closes_at + DAY)
    extend_log(voting_round, now=edition.selection_closes_at + DAY)  # the final head
    export = exports.request_export(
        ExportKind.VOTES, voting_round=voting_round, by=cast.secretariat, now=m
    )
    exports.start_export(export, now=m)
    name, count = exports.write_export(export, folder=Path(current_app.config["EXPORT_FOLDER"]))
    exports.finish_export(export, file_name=name, rows=count, now=m)
    return edition


def awaiting_decisions(cast: Cast, year: int) -> Edition:
    """The vote over, the champions announced and scored: the group's decision is next."""
    m = cast.moment
    edition = _edition(
        cast,
        year,
        submission_opens_at=geneva_deadline((m - 260 * DAY).date()),
        submission_closes_at=geneva_deadline((m - 170 * DAY).date()),
        review_closes_at=geneva_deadline((m - 140 * DAY).date()),
        selection_closes_at=geneva_deadline((m - 2 * DAY).date()),
    )
    _nominated_list(cast, edition, _submit(cast, edition, per_category=SUBMITTED_PER_CATEGORY))
    voting_round = _round(cast, edition, opens=m - 135 * DAY, closes=m - 40 * DAY, campaign=False)
    _to_champions(cast, edition, voting_round, scored_at=m - 5 * DAY)
    extend_log(voting_round, now=m - 30 * DAY)  # the final head
    return edition


def voting_edition(cast: Cast, year: int) -> Edition:
    """The nominated list announced and a round open, with votes and open flags."""
    m = cast.moment
    edition = _edition(
        cast,
        year,
        submission_opens_at=geneva_deadline((m - 150 * DAY).date()),
        submission_closes_at=geneva_deadline((m - 45 * DAY).date()),
        review_closes_at=geneva_deadline((m - 16 * DAY).date()),
        selection_closes_at=geneva_deadline((m + 40 * DAY).date()),
    )
    _nominated_list(cast, edition, _submit(cast, edition, per_category=SUBMITTED_PER_CATEGORY))
    closes = geneva_deadline((m + 21 * DAY).date())
    _round(cast, edition, opens=m - 7 * DAY, closes=closes, campaign=True)
    return edition


def open_edition(cast: Cast, year: int) -> Edition:
    """Open for submissions, with submitted nominations in the review queue."""
    m = cast.moment
    edition = _edition(
        cast,
        year,
        submission_opens_at=geneva_deadline((m - 20 * DAY).date()),
        submission_closes_at=geneva_deadline((m + 70 * DAY).date()),
        review_closes_at=geneva_deadline((m + 95 * DAY).date()),
        selection_closes_at=geneva_deadline((m + 170 * DAY).date()),
    )
    _submit(cast, edition, per_category=3)
    return edition
