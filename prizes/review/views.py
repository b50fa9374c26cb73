"""The expert's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from prizes.accounts.models import Role
from prizes.core.permissions import roles_required
from prizes.review.queries import list_assignments_of

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/")
@roles_required(Role.EXPERT)
def home() -> ResponseReturnValue:
    return render_template("review/home.html", assignments=list_assignments_of(current_user.id))
