"""The secretariat's voting screens: rounds, live tallies, invalidation, advancing."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user
from prizes.admin.forms import (
    CloseRoundForm,
    IntegrityDecisionForm,
    ProofOfWorkForm,
    RoundSetupForm,
)
from prizes.contest.models import Edition
from prizes.core import runs as job_runs
from prizes.core.clock import now
from prizes.core.forms import form_page, given
from prizes.core.unit_of_work import on_refusal_go_to, on_refusal_show
from prizes.db import db
from prizes.jobs import compute_round_flags
from prizes.nominations.queries import list_editions
from prizes.voting import integrity, queries, rounds
from prizes.voting.forms import InvalidateForm
from prizes.voting.models import ReviewStatus, SuspicionFlag, VotingRound, flag_label
from prizes.voting.views import results_of, results_visible

bp = Blueprint("rounds", __name__, url_prefix="/admin/rounds")
bp.add_app_template_global(flag_label)  # the flags page names each kind


@bp.before_request
@roles_required(Role.SECRETARIAT)
def _secretariat_only() -> None:
    """Every screen here is for the secretariat."""


@bp.route("/")
def index() -> ResponseReturnValue:
    editions = list_editions()
    rounds = {edition.id: queries.list_rounds(edition.id) for edition in editions}
    return render_template("admin/rounds.html", editions=editions, rounds=rounds)


@bp.route("/new/<int:edition_id>", methods=["GET", "POST"])
def create(edition_id: int) -> ResponseReturnValue:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = RoundSetupForm()
    if not form.validate_on_submit():
        return form_page("admin/round_form.html", form, edition=edition)
    on_refusal_show("admin/round_form.html", form, edition=edition)
    voting_round = rounds.create_round(
        edition,
        title=given(form.title.data),
        opens_at=form.moment(form.opens_at),
        closes_at=form.moment(form.closes_at),
        requires_complete_ballot=form.requires_complete_ballot.data,
        public_tally=form.public_tally.data,
        by=signed_in_user(),
        requires_proof_of_work=form.requires_proof_of_work.data,
    )
    flash(_("The round is set up with its ballot."), "success")
    return redirect(url_for("rounds.detail", round_id=voting_round.id))


@bp.route("/<int:round_id>")
def detail(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    return _detail_page(voting_round, InvalidateForm())


def _detail_page(
    voting_round: VotingRound,
    form: InvalidateForm,
    status: int = 200,
    close_form: CloseRoundForm | None = None,
) -> ResponseReturnValue:
    sections, nominations = results_of(voting_round)
    page = render_template(
        "admin/round.html",
        voting_round=voting_round,
        stats=queries.round_stats(voting_round.id),
        sections=sections,
        nominations=nominations,
        invalidate_form=form,
        proof_of_work_form=ProofOfWorkForm(),
        close_form=close_form or CloseRoundForm(),
        is_open=voting_round.is_open(now()),
        has_closed=now() >= voting_round.closes_at,
        awaiting_review=len(integrity.awaiting_review(voting_round))
        if now() >= voting_round.closes_at and not voting_round.finalised_at
        else 0,
        results_visible=results_visible(voting_round),
    )
    return page, status


@bp.route("/<int:round_id>/invalidate", methods=["POST"])
def invalidate(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    form = InvalidateForm()
    if not form.validate_on_submit():
        return _detail_page(voting_round, form, 422)
    references = [ref for ref in re.split(r"[\s,;]+", form.references.data or "") if ref]
    votes = queries.votes_by_reference(voting_round.id, references)
    if not votes:
        form.references.errors = [*form.references.errors, _("No vote of this round matches.")]
        return _detail_page(voting_round, form, 422)
    changed = rounds.invalidate_votes(
        votes, by=signed_in_user(), reason=given(form.reason.data), now=now()
    )
    flash(_("%(count)d votes invalidated.", count=changed), "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.route("/<int:round_id>/proof-of-work", methods=["POST"])
def proof_of_work(round_id: int) -> ResponseReturnValue:
    """Turn the proof of work on votes on or off; it counts from the next vote."""
    voting_round = queries.get_round(round_id) or abort(404)
    form = ProofOfWorkForm()
    if not form.validate_on_submit():
        abort(400)
    required = form.required.data == "on"
    rounds.set_proof_of_work(voting_round, required=required, by=signed_in_user())
    if required:
        flash(_("Every vote in this round now asks a proof of work."), "success")
    else:
        flash(_("Votes in this round no longer ask a proof of work."), "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.route("/<int:round_id>/close", methods=["POST"])
def close_early(round_id: int) -> ResponseReturnValue:
    """End an open round before its time: an override, with its reason, on the timeline."""
    voting_round = queries.get_round(round_id) or abort(404)
    form = CloseRoundForm()
    if not form.validate_on_submit():
        return _detail_page(voting_round, InvalidateForm(), 422, close_form=form)
    on_refusal_go_to(url_for("rounds.detail", round_id=round_id))
    rounds.close_round_early(voting_round, by=signed_in_user(), now=now(), reason=form.reason.data)
    flash(_("The round is closed; it can now be advanced."), "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.route("/<int:round_id>/advance", methods=["POST"])
def advance(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    on_refusal_go_to(url_for("rounds.detail", round_id=round_id))
    shortlist = rounds.advance_round(voting_round, by=signed_in_user(), now=now())
    count = sum(len(ids) for ids in shortlist.values())
    flash(_("The round is final: %(count)d projects are shortlisted.", count=count), "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.route("/<int:round_id>/flags")
def flags(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    return render_template(
        "admin/flags.html",
        voting_round=voting_round,
        flags=queries.list_flags(voting_round.id),
        form=InvalidateForm(),
        last_run=job_runs.latest(db.session, "fraud_checks", voting_round.id),
    )


@bp.route("/<int:round_id>/flags/compute", methods=["POST"])
def compute_flags(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    compute_round_flags(voting_round.id)  # recorded now; minutes of work for the worker
    flash(
        _("The checks are queued; their state shows here and the flags appear when found."),
        "success",
    )
    return redirect(url_for("rounds.flags", round_id=round_id))


@bp.route("/flags/<int:flag_id>/<any(action, dismiss):decision>", methods=["POST"])
def decide_flag(flag_id: int, decision: str) -> ResponseReturnValue:
    flag = db.session.get(SuspicionFlag, flag_id) or abort(404)
    form = InvalidateForm()
    on_refusal_go_to(url_for("rounds.flags", round_id=flag.round_id))
    if decision == "dismiss":
        rounds.dismiss_flag(flag, by=signed_in_user(), now=now())
        flash(_("The flag is dismissed."), "success")
    elif form.validate_on_submit():
        changed = rounds.action_flag(
            flag, by=signed_in_user(), reason=given(form.reason.data), now=now()
        )
        flash(_("%(count)d votes invalidated.", count=changed), "success")
    else:
        flash(_("Please give the reason for the invalidation."), "error")
        voting_round = queries.get_round(flag.round_id)
        flagged = queries.list_flags(flag.round_id)
        page = render_template(
            "admin/flags.html", voting_round=voting_round, flags=flagged, form=form
        )
        return page, 422
    return redirect(url_for("rounds.flags", round_id=flag.round_id))


@bp.route("/<int:round_id>/integrity")
def integrity_page(round_id: int) -> ResponseReturnValue:
    """The nominees passing the edition's integrity threshold, and the reviews decided."""
    voting_round = queries.get_round(round_id) or abort(404)
    return _integrity_page(voting_round, IntegrityDecisionForm())


def _integrity_page(
    voting_round: VotingRound, form: IntegrityDecisionForm, status: int = 200
) -> ResponseReturnValue:
    shares = integrity.nominee_shares(voting_round)
    reviews = integrity.reviews_of(voting_round.id)
    over = integrity.over_threshold(voting_round)
    listed = sorted(
        {s.nomination_id for s in over} | set(reviews),
        key=lambda nid: (-(shares[nid].share if nid in shares else 0.0), nid),
    )
    page = render_template(
        "admin/integrity.html",
        voting_round=voting_round,
        threshold=voting_round.edition.integrity_threshold_percent,
        rows=[(nid, shares.get(nid), reviews.get(nid)) for nid in listed],
        nominations=queries.nominations_by_id(listed),
        has_closed=now() >= voting_round.closes_at,
        form=form,
    )
    return page, status


@bp.route("/<int:round_id>/integrity/check", methods=["POST"])
def check_integrity(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    on_refusal_go_to(url_for("rounds.integrity_page", round_id=round_id))
    marked = integrity.mark_for_review(voting_round, now=now(), by=signed_in_user())
    flash(_("Nominations newly marked for review: %(count)d.", count=len(marked)), "success")
    return redirect(url_for("rounds.integrity_page", round_id=round_id))


@bp.route("/<int:round_id>/integrity/<int:nomination_id>", methods=["POST"])
def decide_integrity(round_id: int, nomination_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    form = IntegrityDecisionForm()
    if not form.validate_on_submit():
        return _integrity_page(voting_round, form, 422)
    on_refusal_go_to(url_for("rounds.integrity_page", round_id=round_id))
    review = integrity.decide(
        voting_round,
        nomination_id,
        disqualify=form.decision.data == "disqualify",
        reason=form.reason.data,
        by=signed_in_user(),
        now=now(),
    )
    if review.status == ReviewStatus.DISQUALIFIED:
        flash(
            _("The nomination is disqualified from this round; its nominator is told."),
            "success",
        )
    else:
        flash(_("The nomination is kept in the round; its nominator is told."), "success")
    return redirect(url_for("rounds.integrity_page", round_id=round_id))
