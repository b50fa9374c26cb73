"""The voter's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from prizes.core.permissions import verified_required
from prizes.voting.queries import list_votes_of

bp = Blueprint("voting", __name__, url_prefix="/vote")


@bp.route("/mine")
@verified_required
def my_votes() -> ResponseReturnValue:
    return render_template("voting/my_votes.html", votes=list_votes_of(current_user.id))
