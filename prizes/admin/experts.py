"""The secretariat's expert-group screens: invitations, assignments, scores, decisions,
publication."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from prizes.accounts.models import Role, User
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.contest.models import Category, Edition
from prizes.contest.queries import get_current_edition, list_categories
from prizes.core import audit
from prizes.core.clock import now
from prizes.core.forms import form_page, given, options
from prizes.core.params import int_arg
from prizes.core.unit_of_work import on_refusal_go_to, on_refusal_show
from prizes.db import db
from prizes.nominations.queries import get_nomination, list_editions
from prizes.review import aggregation, decisions, queries, scoring, services
from prizes.review.forms import AssignForm, DecisionForm, EditionRulesForm, InviteForm, ReasonForm
from prizes.review.models import ReviewStage
from prizes.review.views import STAGES

bp = Blueprint("experts", __name__, url_prefix="/admin/experts")


@bp.before_request
@roles_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Every screen here is for the secretariat."""


def _edition() -> Edition:
    edition_id = int_arg("edition")
    edition = db.session.get(Edition, edition_id) if edition_id else get_current_edition(now())
    return edition or abort(404)


def _category_options() -> list:
    return options((c.id, f"{c.number}. {c.name}") for c in list_categories())


@bp.route("/")
def index() -> ResponseReturnValue:
    edition = _edition()
    invite = InviteForm()
    invite.categories.choices = _category_options()
    return _index_page(edition, invite)


def _index_page(edition: Edition, invite: InviteForm, status: int = 200) -> ResponseReturnValue:
    categories = list_categories()
    missing = {stage: aggregation.missing_scores(edition, None, stage) for stage in ReviewStage}
    progress = Counter((stage, m.category_id) for stage, items in missing.items() for m in items)
    by_expert = Counter((stage, m.expert_id) for stage, items in missing.items() for m in items)
    return render_template(
        "admin/experts.html",
        edition=edition,
        editions=list_editions(),
        experts=queries.assignments_in(edition.id),
        invitations=queries.pending_invitations(edition.id),
        categories=categories,
        progress=progress,
        by_expert=by_expert,
        invite=invite,
        assign=AssignForm(),
        category_options=_category_options(),
    ), status


@bp.route("/<int:edition_id>/invite", methods=["POST"])
def invite(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = InviteForm()
    form.categories.choices = _category_options()
    if not form.validate_on_submit():
        return _index_page(edition, form, 422)
    chosen = [c for c in list_categories() if str(c.id) in (form.categories.data or [])]
    services.invite_expert(
        edition, email=given(form.email.data), categories=chosen, by=signed_in_user(), now=now()
    )
    flash(_("The invitation is sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for("experts.index", edition=edition.id))


@bp.route("/<int:edition_id>/experts/<int:user_id>/categories", methods=["POST"])
def assign(edition_id: int, user_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    expert = db.session.get(User, user_id) or abort(404)
    form = AssignForm()
    form.categories.choices = _category_options()
    if not form.validate_on_submit():
        abort(422)
    chosen = [c for c in list_categories() if str(c.id) in (form.categories.data or [])]
    on_refusal_go_to(url_for("experts.index", edition=edition.id))
    services.assign_categories(expert, edition.id, chosen, by=signed_in_user())
    flash(_("Categories saved."), "success")
    return redirect(url_for("experts.index", edition=edition.id))


@bp.route("/<int:edition_id>/rules", methods=["GET", "POST"])
def rules(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = EditionRulesForm(obj=edition)
    if not form.validate_on_submit():
        return form_page("admin/edition_rules.html", form, edition=edition)
    form.populate_obj(edition)
    audit.record(db.session, "edition.rules_changed", actor=signed_in_user(), target=edition)
    flash(_("The edition's rules are saved."), "success")
    return redirect(url_for("experts.index", edition=edition.id))


def _scope(edition_id: int, category_id: int) -> tuple[Edition, Category]:
    edition = db.session.get(Edition, edition_id) or abort(404)
    category = db.session.get(Category, category_id) or abort(404)
    return edition, category


@bp.route("/<int:edition_id>/scores/<stage_name>/<int:category_id>")
def scores(edition_id: int, stage_name: str, category_id: int) -> ResponseReturnValue:
    edition, category = _scope(edition_id, category_id)
    stage = STAGES.get(stage_name) or abort(404)
    in_stage = decisions.nominations_in_stage(edition, category, stage)
    ranked = aggregation.aggregate(
        edition, [n.id for n in in_stage], stage, normalise=edition.normalise_scores
    )
    missing = aggregation.missing_scores(edition, category, stage)
    expert_ids = {e for row in ranked for e in row.by_expert} | {m.expert_id for m in missing}
    return render_template(
        "admin/scores.html",
        edition=edition,
        category=category,
        stage=stage,
        stage_name=stage_name,
        ranked=ranked,
        nominations={n.id: n for n in in_stage},
        missing=missing,
        people=queries.users_by_id(expert_ids),
        reason_form=ReasonForm(),
    )


@bp.route(
    "/<int:edition_id>/scores/<stage_name>/<int:category_id>/reopen/<int:expert_id>/<int:nomination_id>",
    methods=["POST"],
)
def reopen(
    edition_id: int, stage_name: str, category_id: int, expert_id: int, nomination_id: int
) -> ResponseReturnValue:
    stage = STAGES.get(stage_name) or abort(404)
    expert = db.session.get(User, expert_id) or abort(404)
    nomination = get_nomination(nomination_id) or abort(404)
    form = ReasonForm()
    on_refusal_go_to(
        url_for(
            "experts.scores", edition_id=edition_id, stage_name=stage_name, category_id=category_id
        )
    )
    if not form.validate_on_submit():
        abort(422)
    count = scoring.reopen_scores(
        expert, nomination, stage, by=signed_in_user(), reason=form.reason.data or "", now=now()
    )
    flash(_("%(count)d scores reopened for the expert.", count=count), "success")
    return redirect(
        url_for(
            "experts.scores", edition_id=edition_id, stage_name=stage_name, category_id=category_id
        )
    )


@bp.route("/<int:edition_id>/nominated-list/<int:category_id>", methods=["POST"])
def apply_stage_one(edition_id: int, category_id: int) -> ResponseReturnValue:
    edition, category = _scope(edition_id, category_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(422)
    on_refusal_go_to(
        url_for(
            "experts.scores",
            edition_id=edition_id,
            stage_name=ReviewStage.NOMINATION.value,
            category_id=category_id,
        )
    )
    chosen = decisions.apply_stage_one(
        edition, category, by=signed_in_user(), now=now(), override_reason=form.reason.data
    )
    flash(
        _("%(count)d projects are nominated; every nominator is told.", count=len(chosen)),
        "success",
    )
    return redirect(
        url_for(
            "experts.scores",
            edition_id=edition_id,
            stage_name=ReviewStage.NOMINATION.value,
            category_id=category_id,
        )
    )


@bp.route("/<int:edition_id>/decisions/<int:category_id>", methods=["GET", "POST"])
def decide(edition_id: int, category_id: int) -> ResponseReturnValue:
    edition, category = _scope(edition_id, category_id)
    rows = decisions.proposal(edition, category)
    form = DecisionForm()
    form.winners.choices = options((row.nomination.id, row.nomination.entry.title) for row in rows)
    context: dict[str, Any] = {
        "edition": edition,
        "category": category,
        "rows": rows,
        "existing": decisions.decisions_of(edition).get(category.id, []),
        "missing": aggregation.missing_scores(edition, category, ReviewStage.SELECTION),
    }
    if not form.validate_on_submit():
        return form_page("admin/decision.html", form, **context)
    on_refusal_show("admin/decision.html", form, **context)
    decisions.record_decision(
        edition,
        category,
        winner_ids=[int(v) for v in form.winners.data or []],
        rationale=given(form.rationale.data),
        deviation_reason=form.deviation_reason.data,
        override_reason=form.override_reason.data,
        by=signed_in_user(),
        now=now(),
    )
    flash(_("The decision is recorded."), "success")
    return redirect(url_for("experts.decide", edition_id=edition_id, category_id=category_id))


@bp.route("/<int:edition_id>/publish", methods=["POST"])
def publish(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(422)
    on_refusal_go_to(url_for("editions.timeline_page", edition_id=edition.id))
    count = decisions.publish_results(
        edition, by=signed_in_user(), now=now(), reason=form.reason.data
    )
    flash(
        _(
            "The results are published (%(count)d winners and champions); nominators are told.",
            count=count,
        ),
        "success",
    )
    return redirect(url_for("results.edition", year=edition.year))
