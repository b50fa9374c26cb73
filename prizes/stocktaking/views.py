"""The stakeholder's own projects and nominations."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from prizes.accounts.models import Role
from prizes.core.permissions import roles_required
from prizes.stocktaking.queries import list_entries_owned_by, list_nominations_by

bp = Blueprint("stocktaking", __name__, url_prefix="/stocktaking")


@bp.route("/mine")
@roles_required(Role.STAKEHOLDER)
def mine() -> ResponseReturnValue:
    return render_template(
        "stocktaking/mine.html",
        entries=list_entries_owned_by(current_user.id),
        nominations=list_nominations_by(current_user.id),
    )
