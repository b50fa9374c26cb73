"""The secretariat sets up editions: dates, rules and the rubric."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from prizes.accounts.models import Role
from prizes.admin.forms import EditionForm, RubricForm
from prizes.contest import services
from prizes.contest.models import Edition
from prizes.core.clock import now
from prizes.core.forms import form_page
from prizes.core.permissions import roles_required, signed_in_user
from prizes.core.unit_of_work import on_refusal_show
from prizes.db import db
from prizes.nominations.queries import list_editions
from prizes.review.rubric import CriterionFields, set_rubric
from prizes.review.scoring import criteria_of

bp = Blueprint("editions", __name__, url_prefix="/admin/editions")
EXTRA_ROWS = 2


@bp.before_request
@roles_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Every screen here is for the secretariat."""


@bp.route("/")
def index() -> ResponseReturnValue:
    return render_template("admin/editions.html", editions=list_editions())


@bp.route("/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    form = EditionForm()
    if not form.validate_on_submit():
        return form_page("admin/edition_form.html", form, edition=None)
    on_refusal_show("admin/edition_form.html", form, field=form.year, edition=None)
    edition = services.create_edition(form.fields(), by=signed_in_user(), now=now())
    flash(_("The edition is set up with the published criteria as its rubric."), "success")
    return redirect(url_for("editions.rubric", edition_id=edition.id))


@bp.route("/<int:edition_id>", methods=["GET", "POST"])
def edit(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = EditionForm(data=None if form_posted() else EditionForm.data_of(edition))
    if not form.validate_on_submit():
        return form_page("admin/edition_form.html", form, edition=edition)
    on_refusal_show("admin/edition_form.html", form, field=form.year, edition=edition)
    services.update_edition(edition, form.fields(), by=signed_in_user())
    flash(_("The edition is saved."), "success")
    return redirect(url_for("editions.index"))


def form_posted() -> bool:
    return request.method == "POST"


@bp.route("/<int:edition_id>/rubric", methods=["GET", "POST"])
def rubric(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    if form_posted():
        form = RubricForm()
    else:
        rows = [
            {"name": c.name, "description": c.description, "weight": c.weight}
            for c in criteria_of(edition.id)
        ]
        form = RubricForm(data={"criteria": rows + [{"weight": 1.0}] * EXTRA_ROWS})
    if not form.validate_on_submit():
        return form_page("admin/rubric.html", form, edition=edition)
    criteria = [
        CriterionFields(row.data["name"], row.data["description"] or "", row.data["weight"] or 1.0)
        for row in form.criteria
        if (row.data["name"] or "").strip()
    ]
    on_refusal_show("admin/rubric.html", form, edition=edition)
    set_rubric(edition, criteria, by=signed_in_user())
    flash(_("The rubric is saved."), "success")
    return redirect(url_for("editions.rubric", edition_id=edition.id))
