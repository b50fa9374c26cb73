"""The secretariat sets up editions: dates, rules and the rubric."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.admin.forms import CloseRoundForm, EditionForm, OverrideForm, RubricForm
from prizes.contest import services, timeline
from prizes.contest.models import Edition
from prizes.core.clock import now
from prizes.core.forms import form_page
from prizes.core.unit_of_work import on_refusal_go_to, on_refusal_show
from prizes.db import db
from prizes.nominations import services as nominations
from prizes.nominations.queries import list_editions
from prizes.review import decisions
from prizes.review.rubric import CriterionFields, set_rubric
from prizes.review.scoring import criteria_of
from prizes.voting.queries import list_rounds

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
    services.update_edition(
        edition,
        form.fields(),
        by=signed_in_user(),
        now=now(),
        reason=form.date_change_reason.data,
    )
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


@bp.route("/<int:edition_id>/timeline")
def timeline_page(edition_id: int) -> ResponseReturnValue:
    """The edition's phases in order, what each next step still needs, and every override."""
    edition = db.session.get(Edition, edition_id) or abort(404)
    moment = now()
    return render_template(
        "admin/timeline.html",
        edition=edition,
        moment=moment,
        rounds=list_rounds(edition.id),
        nominated_list_missing=nominations.nominated_list_blockers(edition, now=moment, reason="-"),
        nominated_list_early=moment < edition.review_closes_at,
        champions_missing=decisions.champions_blockers(edition),
        publish_missing=decisions.publish_blockers(edition, now=moment, reason="-"),
        publish_early=moment < edition.selection_closes_at,
        overrides=timeline.overrides_of(edition.id),
        steps={step.value: step.label for step in timeline.Step},
        override_form=OverrideForm(),
        close_form=CloseRoundForm(),
    )


@bp.route("/<int:edition_id>/nominated-list/announce", methods=["POST"])
def announce_nominated_list(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = OverrideForm()
    if not form.validate_on_submit():
        abort(422)
    on_refusal_go_to(url_for("editions.timeline_page", edition_id=edition.id))
    count = nominations.announce_nominated_list(
        edition, by=signed_in_user(), now=now(), reason=form.reason.data
    )
    flash(_("The nominated list is public: %(count)d projects.", count=count), "success")
    return redirect(url_for("editions.timeline_page", edition_id=edition.id))


@bp.route("/<int:edition_id>/champions/announce", methods=["POST"])
def announce_champions(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    if not OverrideForm().validate_on_submit():
        abort(422)
    on_refusal_go_to(url_for("editions.timeline_page", edition_id=edition.id))
    count = decisions.announce_champions(edition, by=signed_in_user(), now=now())
    flash(_("The champions are announced: %(count)d projects.", count=count), "success")
    return redirect(url_for("editions.timeline_page", edition_id=edition.id))
