"""From experts' scores to a ranking: weighted means, optional normalisation, spread.

Each expert's score for a nomination is the weighted mean of their submitted criterion
scores. A nomination's score is the mean of its experts' scores. With normalisation, each
expert's scores are first turned into z-scores over everything that expert scored in the
stage and edition, so a harsh and a lenient expert count alike. The spread (highest minus
lowest expert score) shows where experts disagree.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from prizes.contest.models import Category, Edition
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ReviewStage,
    RubricCriterion,
    Score,
    ScoreStatus,
)
from prizes.review.scoring import STAGE_STATUSES


@dataclass(frozen=True)
class NominationScore:
    nomination_id: int
    by_expert: dict[int, float]  # expert id -> weighted mean of their scores
    normalised: dict[int, float]  # expert id -> that score as the expert's z-score
    mean: float | None
    z_mean: float | None
    spread: float
    rank: int = 0

    def key(self, normalise: bool) -> float | None:
        return self.z_mean if normalise else self.mean


def expert_scores(edition_id: int, stage: ReviewStage) -> dict[int, dict[int, float]]:
    """{expert id: {nomination id: weighted mean}} over the submitted scores of a stage."""
    weighted = func.sum(Score.value * RubricCriterion.weight) / func.sum(RubricCriterion.weight)
    rows = db.session.execute(
        select(Score.expert_id, Score.nomination_id, weighted)
        .join(RubricCriterion, RubricCriterion.id == Score.criterion_id)
        .where(
            RubricCriterion.edition_id == edition_id,
            Score.stage == stage,
            Score.status == ScoreStatus.SUBMITTED,
        )
        .group_by(Score.expert_id, Score.nomination_id)
    )
    scores: dict[int, dict[int, float]] = defaultdict(dict)
    for expert_id, nomination_id, value in rows:
        scores[expert_id][nomination_id] = float(value)
    return scores


def z_scores(by_nomination: dict[int, float]) -> dict[int, float]:
    """One expert's scores as z-scores; an expert who gave one value throughout gives 0."""
    values = list(by_nomination.values())
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    return {nid: (value - mean) / spread if spread else 0.0 for nid, value in by_nomination.items()}


def aggregate(
    edition: Edition, nomination_ids: list[int], stage: ReviewStage, *, normalise: bool
) -> list[NominationScore]:
    """The nominations ranked by their experts' scores, best first (unscored last).

    Equal scores share a rank (competition ranking); the decision step breaks such ties.
    """
    per_expert = expert_scores(edition.id, stage)
    normalised = {expert: z_scores(scores) for expert, scores in per_expert.items()}
    results = []
    for nid in nomination_ids:
        by_expert = {e: s[nid] for e, s in per_expert.items() if nid in s}
        z = {e: normalised[e][nid] for e in by_expert}
        results.append(
            NominationScore(
                nomination_id=nid,
                by_expert=by_expert,
                normalised=z,
                mean=statistics.fmean(by_expert.values()) if by_expert else None,
                z_mean=statistics.fmean(z.values()) if z else None,
                spread=max(by_expert.values()) - min(by_expert.values()) if by_expert else 0.0,
            )
        )

    def sort_key(row: NominationScore) -> tuple[bool, float, int]:
        value = row.key(normalise)
        return (value is None, -(value or 0.0), row.nomination_id)

    results.sort(key=sort_key)
    ranked: list[NominationScore] = []
    for position, row in enumerate(results, start=1):
        tied = ranked and ranked[-1].key(normalise) == row.key(normalise)
        ranked.append(_with_rank(row, ranked[-1].rank if tied else position))
    return ranked


def _with_rank(row: NominationScore, rank: int) -> NominationScore:
    return NominationScore(**{**row.__dict__, "rank": rank})


@dataclass(frozen=True)
class MissingScore:
    expert_id: int
    nomination_id: int
    category_id: int = 0


def missing_scores(
    edition: Edition, category: Category | None, stage: ReviewStage
) -> list[MissingScore]:
    """Who has not yet submitted scores for what, among the assigned experts and the
    nominations of the stage (in one category, or in all at once); recused experts owe
    nothing. Four queries, whatever the size."""
    in_stage = select(Nomination.id).where(
        Nomination.edition_id == edition.id, Nomination.status.in_(STAGE_STATUSES[stage])
    )
    assigned = select(ExpertAssignment.expert_id, ExpertAssignment.category_id).where(
        ExpertAssignment.edition_id == edition.id
    )
    if category is not None:
        in_stage = in_stage.where(Nomination.category_id == category.id)
        assigned = assigned.where(ExpertAssignment.category_id == category.id)
    recused = {
        (row.expert_id, row.nomination_id)
        for row in db.session.execute(
            select(ConflictDeclaration.expert_id, ConflictDeclaration.nomination_id).where(
                ConflictDeclaration.has_conflict.is_(True),
                ConflictDeclaration.nomination_id.in_(in_stage),
            )
        )
    }
    submitted = {
        (row.expert_id, row.nomination_id)
        for row in db.session.execute(
            select(Score.expert_id, Score.nomination_id)
            .where(
                Score.stage == stage,
                Score.status == ScoreStatus.SUBMITTED,
                Score.nomination_id.in_(in_stage),
            )
            .distinct()
        )
    }
    experts_by_category: dict[int, list[int]] = defaultdict(list)
    for expert_id, category_id in db.session.execute(assigned):
        experts_by_category[category_id].append(expert_id)
    nominations = db.session.execute(
        select(Nomination.id, Nomination.category_id).where(Nomination.id.in_(in_stage))
    )
    return [
        MissingScore(expert_id, nomination_id, category_id)
        for nomination_id, category_id in nominations
        for expert_id in experts_by_category[category_id]
        if (expert_id, nomination_id) not in recused and (expert_id, nomination_id) not in submitted
    ]
