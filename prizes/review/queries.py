"""Named reads for the expert group."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from prizes.accounts.models import User
from prizes.contest.models import Category, Edition
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ExpertInvitation,
    ReviewStage,
    Score,
    ScoreStatus,
)
from prizes.review.scoring import STAGE_STATUSES


def list_assignments_of(expert_id: int) -> list[ExpertAssignment]:
    return list(
        db.session.scalars(
            select(ExpertAssignment)
            .join(ExpertAssignment.edition)
            .join(ExpertAssignment.category)
            .where(ExpertAssignment.expert_id == expert_id)
            .options(joinedload(ExpertAssignment.category), joinedload(ExpertAssignment.edition))
            .order_by(Edition.year.desc(), Category.number)
        )
    )


@dataclass(frozen=True)
class ScoringRow:
    nomination: Nomination
    declared: bool
    recused: bool
    scored: int  # criteria with a saved value
    submitted: bool


def scoring_queue(expert_id: int, stage: ReviewStage) -> list[ScoringRow]:
    """The nominations an expert scores in a stage, across their categories, with where
    they stand on each (three queries in all)."""
    nominations = list(
        db.session.scalars(
            select(Nomination)
            .join(
                ExpertAssignment,
                (ExpertAssignment.edition_id == Nomination.edition_id)
                & (ExpertAssignment.category_id == Nomination.category_id),
            )
            .where(
                ExpertAssignment.expert_id == expert_id,
                Nomination.status.in_(STAGE_STATUSES[stage]),
            )
            .options(joinedload(Nomination.entry), joinedload(Nomination.category))
            .order_by(Nomination.category_id, Nomination.id)
        )
    )
    ids = [n.id for n in nominations]
    declarations = {
        d.nomination_id: d
        for d in db.session.scalars(
            select(ConflictDeclaration).where(
                ConflictDeclaration.expert_id == expert_id,
                ConflictDeclaration.nomination_id.in_(ids),
            )
        )
    }
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in db.session.scalars(
        select(Score).where(
            Score.expert_id == expert_id, Score.stage == stage, Score.nomination_id.in_(ids)
        )
    ):
        scores[score.nomination_id].append(score)
    return [
        ScoringRow(
            nomination=n,
            declared=n.id in declarations,
            recused=bool(declarations.get(n.id) and declarations[n.id].has_conflict),
            scored=len(scores[n.id]),
            submitted=any(s.status == ScoreStatus.SUBMITTED for s in scores[n.id]),
        )
        for n in nominations
    ]


def scores_of(expert_id: int, nomination_id: int, stage: ReviewStage) -> dict[int, Score]:
    """An expert's scores for one nomination, by criterion id."""
    return {
        s.criterion_id: s
        for s in db.session.scalars(
            select(Score).where(
                Score.expert_id == expert_id,
                Score.nomination_id == nomination_id,
                Score.stage == stage,
            )
        )
    }


def other_experts_scores(expert_id: int, nomination_id: int, stage: ReviewStage) -> list[Score]:
    """The other experts' submitted scores of a nomination, with their criteria."""
    return list(
        db.session.scalars(
            select(Score)
            .where(
                Score.nomination_id == nomination_id,
                Score.stage == stage,
                Score.expert_id != expert_id,
                Score.status == ScoreStatus.SUBMITTED,
            )
            .options(joinedload(Score.criterion))
            .order_by(Score.expert_id, Score.criterion_id)
        )
    )


def assignments_in(edition_id: int) -> dict[User, list[Category]]:
    """Each expert of the edition with their categories (one query)."""
    grouped: dict[User, list[Category]] = defaultdict(list)
    for assignment in db.session.scalars(
        select(ExpertAssignment)
        .join(ExpertAssignment.category)
        .where(ExpertAssignment.edition_id == edition_id)
        .options(joinedload(ExpertAssignment.expert), joinedload(ExpertAssignment.category))
        .order_by(ExpertAssignment.expert_id, Category.number)
    ):
        grouped[assignment.expert].append(assignment.category)
    return grouped


def pending_invitations(edition_id: int) -> list[ExpertInvitation]:
    return list(
        db.session.scalars(
            select(ExpertInvitation)
            .where(
                ExpertInvitation.edition_id == edition_id,
                ExpertInvitation.accepted_at.is_(None),
                ExpertInvitation.revoked_at.is_(None),
            )
            .order_by(ExpertInvitation.created_at.desc())
        )
    )


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
