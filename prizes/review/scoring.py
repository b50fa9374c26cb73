"""Scores, in both stages: drafts, submission (which locks them), and reopening.

An expert scores only nominations of their categories, after declaring no conflict with
them, and only while the nomination is in the stage being scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import acts_as
from prizes.core import audit
from prizes.core.errors import NotAllowed
from prizes.db import db
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review.models import ReviewStage, RubricCriterion, Score, ScoreStatus
from prizes.review.services import (
    BadScore,
    ConflictNotDeclared,
    NotAssigned,
    Recused,
    ScoresLocked,
    WrongStage,
    declaration_of,
    is_assigned,
)

# The nomination statuses each stage scores.
STAGE_STATUSES = {
    ReviewStage.NOMINATION: (NominationStatus.SUBMITTED,),
    # The shortlist is scored before and after its announcement as the champions.
    ReviewStage.SELECTION: (NominationStatus.SHORTLISTED, NominationStatus.CHAMPION),
}


@dataclass(frozen=True)
class CriterionScore:
    value: int | None
    comment: str = ""


def criteria_of(edition_id: int) -> list[RubricCriterion]:
    return list(
        db.session.scalars(
            select(RubricCriterion)
            .where(RubricCriterion.edition_id == edition_id)
            .order_by(RubricCriterion.position)
        )
    )


def check_may_score(expert: User, nomination: Nomination, stage: ReviewStage) -> None:
    """Assigned, not recused, conflicts declared, and the nomination in this stage."""
    if not is_assigned(expert, nomination):
        raise NotAssigned()
    declaration = declaration_of(expert, nomination)
    if declaration is None:
        raise ConflictNotDeclared()
    if declaration.has_conflict:
        raise Recused()
    if nomination.status not in STAGE_STATUSES[stage]:
        raise WrongStage()
    if nomination.edition.results_published_at is not None:
        raise ScoresLocked()


def save_scores(
    expert: User,
    nomination: Nomination,
    stage: ReviewStage,
    answers: dict[int, CriterionScore],
    *,
    submit: bool,
    now: datetime,
) -> list[Score]:
    """Save a draft of the expert's scores, or submit them (every criterion then needed),
    after which they are locked. Side effects: score rows; an audit event on submit."""
    check_may_score(expert, nomination, stage)
    edition = nomination.edition
    criteria = criteria_of(edition.id)
    existing = {
        s.criterion_id: s
        for s in db.session.scalars(
            select(Score).where(
                Score.expert_id == expert.id,
                Score.nomination_id == nomination.id,
                Score.stage == stage,
            )
        )
    }
    if any(s.status == ScoreStatus.SUBMITTED for s in existing.values()):
        raise ScoresLocked()
    low, high = edition.score_min, edition.score_max
    unknown = set(answers) - {c.id for c in criteria}
    if unknown:
        raise BadScore(str(_l("Unknown criterion.")))
    for each in answers.values():
        if each.value is not None and not low <= each.value <= high:
            raise BadScore(str(_l("Scores run from %(low)d to %(high)d.", low=low, high=high)))
    if submit:
        _require_every_criterion(criteria, answers)
    saved = []
    for criterion in criteria:
        answer = answers.get(criterion.id)
        if answer is None or answer.value is None:
            continue
        score = existing.get(criterion.id) or Score(
            expert_id=expert.id, nomination_id=nomination.id, criterion_id=criterion.id, stage=stage
        )
        score.value = answer.value
        score.comment = answer.comment.strip() or None
        score.updated_at = now
        if submit:
            score.status = ScoreStatus.SUBMITTED
            score.submitted_at = now
        db.session.add(score)
        saved.append(score)
    db.session.flush()
    if submit:
        audit.record(
            db.session, "scores.submitted", actor=expert, target=nomination, stage=stage.value
        )
    return saved


def prepare_submission(
    expert: User,
    nomination: Nomination,
    stage: ReviewStage,
    answers: dict[int, CriterionScore],
    *,
    now: datetime,
) -> list[Score]:
    """The first of submitting's two steps: the answers must pass what a submission needs
    (every criterion scored, on the scale) and are saved as a draft, so that nothing typed
    is lost; nothing is locked until the expert confirms (``save_scores(submit=True)``).
    Side effects: score rows, as a draft."""
    saved = save_scores(expert, nomination, stage, answers, submit=False, now=now)
    _require_every_criterion(criteria_of(nomination.edition.id), answers)  # after its checks
    return saved


def _require_every_criterion(
    criteria: list[RubricCriterion], answers: dict[int, CriterionScore]
) -> None:
    if any(answers.get(c.id, CriterionScore(None)).value is None for c in criteria):
        raise BadScore(str(_l("Score every criterion before submitting.")))


def reopen_scores(
    expert: User,
    nomination: Nomination,
    stage: ReviewStage,
    *,
    by: User,
    reason: str,
    now: datetime,
) -> int:
    """The secretariat unlocks an expert's submitted scores. Side effects: an audit event."""
    if not acts_as(by, Role.SECRETARIAT):
        raise NotAllowed()
    if not reason.strip():
        raise BadScore(str(_l("Please give the reason for reopening.")))
    scores = list(
        db.session.scalars(
            select(Score).where(
                Score.expert_id == expert.id,
                Score.nomination_id == nomination.id,
                Score.stage == stage,
                Score.status == ScoreStatus.SUBMITTED,
            )
        )
    )
    for score in scores:
        score.status = ScoreStatus.DRAFT
        score.submitted_at = None
        score.updated_at = now
    audit.record(
        db.session,
        "scores.reopened",
        actor=by,
        target=nomination,
        expert_id=expert.id,
        stage=stage.value,
        reason=reason,
    )
    return len(scores)
