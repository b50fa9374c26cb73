"""The review that makes the nominated list: per-category queues for the secretariat and
the experts assigned to each category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import acts_as, roles_required, signed_in_user
from prizes.contest.queries import get_category, get_edition_under_review, list_categories
from prizes.core.clock import now
from prizes.core.forms import form_page
from prizes.core.tokens import InvalidToken
from prizes.core.unit_of_work import on_refusal_show
from prizes.nominations import queries as nomination_queries
from prizes.nominations import rules
from prizes.nominations import services as nomination_services
from prizes.nominations.forms import ReviewForm
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review import decisions, queries, scoring, services
from prizes.review.forms import ConflictForm, ReasonForm, ScoreForm, score_form
from prizes.review.models import ConflictDeclaration, ReviewStage, Score, ScoreStatus
from prizes.review.queries import list_assignments_of

bp = Blueprint("review", __name__, url_prefix="/review")


def _reviewable_categories(edition_id: int) -> list:
    """Every category for the secretariat; the assigned ones for an expert."""
    categories = list_categories()
    if acts_as(current_user, Role.SECRETARIAT):
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
        is_expert=current_user.has_role(Role.EXPERT),
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
    on_refusal_show("review/decide.html", form, field=form.reason, **context)
    nomination_services.review_nomination(
        nomination,
        outcome=NominationStatus(form.outcome.data),
        reason=form.reason.data,
        by=signed_in_user(),
        now=now(),
    )
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
    on_refusal_show("review/invitation.html", form, invitation=invitation)
    services.accept_invitation(token, user=signed_in_user(), now=now())
    flash(_("Welcome to the expert group. Your categories are below."), "success")
    return redirect(url_for("review.home"))


# --- scoring -------------------------------------------------------------------------------

STAGES = {stage.value: stage for stage in ReviewStage}


def _stage(name: str) -> ReviewStage:
    return STAGES.get(name) or abort(404)


@bp.route("/score/<stage_name>/")
@roles_required(Role.EXPERT)
def scoring_list(stage_name: str) -> ResponseReturnValue:
    stage = _stage(stage_name)
    rows = queries.scoring_queue(current_user.id, stage)
    return render_template("review/score_list.html", stage=stage, stage_name=stage_name, rows=rows)


@dataclass(frozen=True)
class ScorePage:
    """What the scoring page of one nomination shows an expert: read once, for the page and
    for both of its forms."""

    expert: User
    nomination: Nomination
    stage: ReviewStage
    stage_name: str
    declaration: ConflictDeclaration | None
    mine: dict[int, Score]
    context: dict[str, Any]

    @property
    def may_score(self) -> bool:
        return self.declaration is not None and not self.declaration.has_conflict


def _score_page(stage_name: str, nomination_id: int) -> ScorePage:
    """The page's read model; 404 for an unknown stage or nomination, 403 unless assigned."""
    stage = _stage(stage_name)
    nomination = nomination_queries.get_nomination(nomination_id) or abort(404)
    expert = signed_in_user()
    if not services.is_assigned(expert, nomination):
        abort(403)
    declaration = services.declaration_of(expert, nomination)
    edition = nomination.edition
    mine = queries.scores_of(expert.id, nomination.id, stage)
    all_submitted = bool(mine) and all(s.status == ScoreStatus.SUBMITTED for s in mine.values())
    context = {
        "stage": stage,
        "stage_name": stage_name,
        "nomination": nomination,
        "declaration": declaration,
        "proposed": services.proposed_conflicts(expert, nomination),
        "locked": any(s.status == ScoreStatus.SUBMITTED for s in mine.values()),
        # Others' scores only once one's own are in, and never to a recused expert.
        "others": queries.other_experts_scores(expert.id, nomination.id, stage)
        if all_submitted
        else None,
        "votes": decisions.public_votes(edition, [nomination.id]).get(nomination.id, 0)
        if stage == ReviewStage.SELECTION and edition.show_votes_to_experts
        else None,
    }
    return ScorePage(expert, nomination, stage, stage_name, declaration, mine, context)


def _score_form(page: ScorePage, *, fill: bool) -> ScoreForm:
    edition = page.nomination.edition
    initial: dict[str, str | None] = {f"value_{cid}": str(s.value) for cid, s in page.mine.items()}
    initial.update({f"comment_{cid}": s.comment for cid, s in page.mine.items()})
    return score_form(
        scoring.criteria_of(edition.id),
        edition.score_min,
        edition.score_max,
        data=initial if fill else None,
    )


@bp.route("/score/<stage_name>/<int:nomination_id>", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def score(stage_name: str, nomination_id: int) -> ResponseReturnValue:
    page = _score_page(stage_name, nomination_id)
    form = _score_form(page, fill=request.method != "POST")
    conflict_form = ConflictForm(prefix="conflict")
    if not page.may_score:
        return render_template(
            "review/score.html", form=form, conflict_form=conflict_form, **page.context
        )
    if not form.validate_on_submit():
        return form_page("review/score.html", form, conflict_form=conflict_form, **page.context)
    answers = {
        c.id: scoring.CriterionScore(int(value.data) if value.data else None, comment.data or "")
        for c, value, comment in form.criterion_fields()
    }
    action = request.form.get("action")
    on_refusal_show("review/score.html", form, conflict_form=conflict_form, **page.context)
    if action == "submit":
        # Submitting locks the scores, so it is confirmed first, on a page of its own that
        # needs no JavaScript: the answers are kept as a draft meanwhile, and the page's
        # button posts the same form again with "confirm".
        scoring.prepare_submission(page.expert, page.nomination, page.stage, answers, now=now())
        return render_template(
            "review/confirm_scores.html",
            form=form,
            nomination=page.nomination,
            stage_name=stage_name,
        )
    submit = action == "confirm"
    scoring.save_scores(page.expert, page.nomination, page.stage, answers, submit=submit, now=now())
    flash(_("Your scores are submitted.") if submit else _("Draft saved."), "success")
    return redirect(url_for("review.score", stage_name=stage_name, nomination_id=nomination_id))


@bp.route("/score/<stage_name>/<int:nomination_id>/conflict", methods=["POST"])
@roles_required(Role.EXPERT)
def declare(stage_name: str, nomination_id: int) -> ResponseReturnValue:
    page = _score_page(stage_name, nomination_id)
    form = _score_form(page, fill=True)
    conflict_form = ConflictForm(prefix="conflict")
    if not conflict_form.validate_on_submit():
        return render_template(
            "review/score.html", form=form, conflict_form=conflict_form, **page.context
        ), 422
    on_refusal_show(
        "review/score.html",
        form,
        field=conflict_form.reason,
        conflict_form=conflict_form,
        **page.context,
    )
    services.declare_conflict(
        page.expert,
        page.nomination,
        has_conflict=conflict_form.has_conflict.data == "yes",
        reason=conflict_form.reason.data,
        now=now(),
    )
    flash(_("Your declaration is recorded."), "success")
    return redirect(url_for("review.score", stage_name=stage_name, nomination_id=nomination_id))
