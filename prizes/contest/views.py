"""Public pages about the contest: the current edition's timeline and the categories."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from prizes.contest.queries import edition_rounds, get_current_edition, list_categories
from prizes.core.clock import now

bp = Blueprint("contest", __name__)


@bp.route("/")
def home() -> ResponseReturnValue:
    moment = now()
    edition = get_current_edition(moment)
    rounds = edition_rounds(edition.id) if edition else []
    voting_open = any(r.is_open(moment) for r in rounds)
    phase = edition.phase(moment, voting_open=voting_open) if edition else None
    return render_template(
        "contest/home.html", edition=edition, rounds=rounds, phase=phase, moment=moment
    )


@bp.route("/categories")
def categories() -> ResponseReturnValue:
    return render_template("contest/categories.html", categories=list_categories())
