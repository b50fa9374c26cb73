"""The review that makes the nominated list: per-category queues for the secretariat and
the experts assigned to each category."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role
from prizes.contest.queries import get_category, get_edition_under_review, list_categories
from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.core.forms import form_page
from prizes.core.permissions import roles_required, signed_in_user
from prizes.db import db
from prizes.nominations import queries, rules, services
from prizes.nominations.forms import ReviewForm
from prizes.nominations.models import NominationStatus
from prizes.review.queries import list_assignments_of

bp = Blueprint("review", __name__, url_prefix="/review")


def _reviewable_categories(edition_id: int) -> list:
    """Every category for the secretariat; the assigned ones for an expert."""
    categories = list_categories()
    if current_user.has_role(Role.SECRETARIAT):
        return categories
    assigned = {
        a.category_id for a in list_assignments_of(current_user.id) if a.edition_id == edition_id
    }
    return [c for c in categories if c.id in assigned]


@bp.route("/")
@roles_required(Role.EXPERT, Role.SECRETARIAT)
def home() -> ResponseReturnValue:
    edition = get_edition_under_review(now())
    categories = _reviewable_categories(edition.id) if edition else []
    counts = queries.count_by_status(edition, [c.id for c in categories]) if edition else {}
    return render_template(
        "review/home.html",
        edition=edition,
        categories=categories,
        counts=counts,
        assignments=list_assignments_of(current_user.id),
    )


@bp.route("/queue/<int:category_id>")
@roles_required(Role.EXPERT, Role.SECRETARIAT)
def queue(category_id: int) -> ResponseReturnValue:
    edition = get_edition_under_review(now()) or abort(404)
    category = get_category(category_id) or abort(404)
    if category not in _reviewable_categories(edition.id):
        abort(403)
    nominations = queries.review_queue(edition, category)
    checks = rules.checks_for(nominations)
    return render_template(
        "review/queue.html",
        edition=edition,
        category=category,
        nominations=nominations,
        checks=checks,
    )


@bp.route("/nominations/<int:nomination_id>", methods=["GET", "POST"])
@roles_required(Role.EXPERT, Role.SECRETARIAT)
def decide(nomination_id: int) -> ResponseReturnValue:
    nomination = queries.get_nomination(nomination_id) or abort(404)
    if not services.can_review(current_user, nomination):
        abort(403)
    form = ReviewForm()
    context = {"nomination": nomination, "checks": rules.automatic_checks(nomination)}
    if not form.validate_on_submit():
        return form_page("review/decide.html", form, **context)
    try:
        services.review_nomination(
            nomination,
            outcome=NominationStatus(form.outcome.data),
            reason=form.reason.data,
            by=signed_in_user(),
            now=now(),
        )
    except DomainError as error:
        db.session.rollback()
        form.reason.errors.append(error.message)
        return render_template("review/decide.html", form=form, **context), error.status_code
    db.session.commit()
    flash(_("Decision recorded; the nominator is told by mail."), "success")
    return redirect(url_for("review.queue", category_id=nomination.category_id))
