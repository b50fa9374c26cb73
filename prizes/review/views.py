"""The review that makes the nominated list: per-category queues for the secretariat and
the experts assigned to each category."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role, User
from prizes.contest.queries import get_category, get_edition_under_review, list_categories
from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.core.forms import form_page
from prizes.core.permissions import roles_required, signed_in_user
from prizes.core.tokens import InvalidToken
from prizes.db import db
from prizes.nominations import queries as nomination_queries
from prizes.nominations import rules
from prizes.nominations import services as nomination_services
from prizes.nominations.forms import ReviewForm
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review import decisions, queries, scoring, services
from prizes.review.forms import ConflictForm, ReasonForm, ScoreForm, score_form
from prizes.review.models import ReviewStage, ScoreStatus
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
    counts = (
        nomination_queries.count_by_status(edition, [c.id for c in categories]) if edition else {}
    )
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
    nominations = nomination_queries.review_queue(edition, category)
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
    nomination = nomination_queries.get_nomination(nomination_id) or abort(404)
    if not nomination_services.can_review(current_user, nomination):
        abort(403)
    form = ReviewForm()
    context = {"nomination": nomination, "checks": rules.automatic_checks(nomination)}
    if not form.validate_on_submit():
        return form_page("review/decide.html", form, **context)
    try:
        nomination_services.review_nomination(
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


# --- invitations ---------------------------------------------------------------------------


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    try:
        invitation = services.invitation_for_token(token, now=now())
    except InvalidToken:
        flash(
            _(
                "This invitation is expired, revoked or already used. "
                "Ask the secretariat for a new one."
            ),
            "error",
        )
        return redirect(url_for("contest.home"))
    if not current_user.is_authenticated:
        return render_template("review/invitation.html", invitation=invitation, form=None)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_template("review/invitation.html", invitation=invitation, form=form)
    try:
        services.accept_invitation(token, user=signed_in_user(), now=now())
    except DomainError as error:
        flash(error.message, "error")
        return render_template(
            "review/invitation.html", invitation=invitation, form=form
        ), error.status_code
    db.session.commit()
    flash(_("Welcome to the expert group. Your categories are below."), "success")
    return redirect(url_for("review.home"))


# --- scoring -------------------------------------------------------------------------------

STAGES = {"nomination": ReviewStage.NOMINATION, "selection": ReviewStage.SELECTION}


def _stage(name: str) -> ReviewStage:
    return STAGES.get(name) or abort(404)


@bp.route("/score/<stage_name>/")
@roles_required(Role.EXPERT)
def scoring_list(stage_name: str) -> ResponseReturnValue:
    stage = _stage(stage_name)
    rows = queries.scoring_queue(current_user.id, stage)
    return render_template("review/score_list.html", stage=stage, stage_name=stage_name, rows=rows)


@bp.route("/score/<stage_name>/<int:nomination_id>", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def score(stage_name: str, nomination_id: int) -> ResponseReturnValue:
    stage = _stage(stage_name)
    nomination = nomination_queries.get_nomination(nomination_id) or abort(404)
    expert = signed_in_user()
    if not services.is_assigned(expert, nomination):
        abort(403)
    declaration = services.declaration_of(expert, nomination)
    edition = nomination.edition
    criteria = scoring.criteria_of(edition.id)
    mine = queries.scores_of(expert.id, nomination.id, stage)
    context = {
        "stage": stage,
        "stage_name": stage_name,
        "nomination": nomination,
        "declaration": declaration,
        "proposed": services.proposed_conflicts(expert, nomination),
        "locked": any(s.status == ScoreStatus.SUBMITTED for s in mine.values()),
        # Others' scores only once one's own are in, and never to a recused expert.
        "others": queries.other_experts_scores(expert.id, nomination.id, stage)
        if mine and all(s.status == ScoreStatus.SUBMITTED for s in mine.values())
        else None,
        "votes": decisions.public_votes(edition, [nomination.id]).get(nomination.id, 0)
        if stage == ReviewStage.SELECTION and edition.show_votes_to_experts
        else None,
    }
    conflict_form = ConflictForm(prefix="conflict")
    initial = {f"value_{cid}": str(s.value) for cid, s in mine.items()}
    initial.update({f"comment_{cid}": s.comment for cid, s in mine.items()})
    form = score_form(
        criteria,
        edition.score_min,
        edition.score_max,
        data=None if request.method == "POST" else initial,
    )
    if request.method == "POST" and request.form.get("action") == "declare":
        return _declare(expert, nomination, conflict_form, form, context)
    if declaration is None or declaration.has_conflict:
        return render_template(
            "review/score.html", form=form, conflict_form=conflict_form, **context
        )
    if not form.validate_on_submit():
        return form_page("review/score.html", form, conflict_form=conflict_form, **context)
    answers = {
        c.id: scoring.CriterionScore(int(value.data) if value.data else None, comment.data or "")
        for c, value, comment in form.criterion_fields()
    }
    try:
        scoring.save_scores(
            expert,
            nomination,
            stage,
            answers,
            submit=request.form.get("action") == "submit",
            now=now(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template(
            "review/score.html", form=form, conflict_form=conflict_form, **context
        ), error.status_code
    db.session.commit()
    flash(
        _("Your scores are submitted.")
        if request.form.get("action") == "submit"
        else _("Draft saved."),
        "success",
    )
    return redirect(url_for("review.score", stage_name=stage_name, nomination_id=nomination.id))


def _declare(
    expert: User,
    nomination: Nomination,
    conflict_form: ConflictForm,
    form: ScoreForm,
    context: dict[str, Any],
) -> ResponseReturnValue:
    if not conflict_form.validate_on_submit():
        return render_template(
            "review/score.html", form=form, conflict_form=conflict_form, **context
        ), 422
    try:
        services.declare_conflict(
            expert,
            nomination,
            has_conflict=conflict_form.has_conflict.data == "yes",
            reason=conflict_form.reason.data,
            now=now(),
        )
    except DomainError as error:
        db.session.rollback()
        conflict_form.reason.errors.append(error.message)
        return render_template(
            "review/score.html", form=form, conflict_form=conflict_form, **context
        ), error.status_code
    db.session.commit()
    flash(_("Your declaration is recorded."), "success")
    return redirect(
        url_for("review.score", stage_name=context["stage_name"], nomination_id=nomination.id)
    )
