"""The expert group's published criteria, the default rubric of a new edition."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from prizes.accounts.models import User
from prizes.contest.models import Edition
from prizes.contest.services import edition_created
from prizes.core import audit
from prizes.core.errors import DomainError
from prizes.db import db
from prizes.review.models import RubricCriterion, Score

# (name, description); each weighs 1 unless the secretariat changes it.
DEFAULT_CRITERIA = [
    (
        _l("Relevance to the action line"),
        _l("How closely the project serves the category's WSIS action line."),
    ),
    (_l("Results and impact"), _l("Qualitative and quantitative results the project has shown.")),
    (
        _l("Community empowerment"),
        _l("How far the project puts its community in charge of its own development."),
    ),
    (_l("Replicability"), _l("Whether others could repeat the project elsewhere.")),
    (_l("Sustainability"), _l("Whether the project can go on without its first funding.")),
    (_l("Partnerships"), _l("The partners the project brought together and how.")),
    (
        _l("Promotion of WSIS values"),
        _l("How the project advances the WSIS vision of an inclusive information society."),
    ),
    (
        _l("Relevance to the SDGs"),
        _l("The project's links to the Sustainable Development Goals it advances."),
    ),
]


@dataclass(frozen=True)
class CriterionFields:
    name: str
    description: str
    weight: float


def init_app(app: Flask) -> None:
    edition_created.connect(seed_default_rubric)


def seed_default_rubric(edition: Edition) -> None:
    """A new edition starts with the published criteria as its rubric, each of weight 1.
    Side effects: the rubric's criteria (flushed with the edition)."""
    db.session.add_all(
        RubricCriterion(
            edition_id=edition.id, position=n, name=str(name), description=str(text), weight=1.0
        )
        for n, (name, text) in enumerate(DEFAULT_CRITERIA, start=1)
    )


def set_rubric(edition: Edition, criteria: list[CriterionFields], *, by: User) -> None:
    """Replace the edition's rubric, in order. A criterion already scored cannot be removed
    (its scores would silently stop counting); its weight and wording may change.
    Side effects: an audit event with the new rubric."""
    if not criteria:
        raise DomainError(str(_l("The rubric needs at least one criterion.")))
    if any(c.weight <= 0 for c in criteria):
        raise DomainError(str(_l("Weights must be above zero.")))
    names = [c.name.strip() for c in criteria]
    if len(set(names)) != len(names) or not all(names):
        raise DomainError(str(_l("Each criterion needs a name of its own.")))
    current = {
        c.name: c
        for c in db.session.scalars(
            select(RubricCriterion).where(RubricCriterion.edition_id == edition.id)
        )
    }
    scored = set(
        db.session.scalars(
            select(RubricCriterion.name)
            .join(Score, Score.criterion_id == RubricCriterion.id)
            .where(RubricCriterion.edition_id == edition.id)
            .distinct()
        )
    )
    dropped = set(current) - set(names)
    if dropped & scored:
        raise DomainError(
            str(_l("A criterion that experts have already scored cannot be removed."))
        )
    for name in dropped:
        db.session.delete(current[name])
    db.session.flush()
    for position, (name, fields) in enumerate(zip(names, criteria, strict=True), start=1):
        criterion = current.get(name) or RubricCriterion(edition_id=edition.id, name=name)
        criterion.position = position
        criterion.description = fields.description.strip()
        criterion.weight = fields.weight
        db.session.add(criterion)
    db.session.flush()
    audit.record(
        db.session,
        "rubric.changed",
        actor=by,
        target=edition,
        criteria=[{"name": n, "weight": c.weight} for n, c in zip(names, criteria, strict=True)],
    )
