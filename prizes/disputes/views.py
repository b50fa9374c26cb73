"""The dispute pages: opening one, "My disputes", the secretariat's list and answer page,
and the expert group's list of referred disputes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role
from prizes.accounts.permissions import roles_required, signed_in_user, verified_required
from prizes.core.clock import now
from prizes.core.forms import form_page, given
from prizes.core.params import int_arg
from prizes.core.unit_of_work import on_refusal_go_to, on_refusal_show
from prizes.db import db
from prizes.disputes import queries, services
from prizes.disputes.forms import AnswerForm, CloseForm, OpenDisputeForm, OpinionForm, ReferForm
from prizes.disputes.models import Dispute, DisputeOutcome, DisputeState
from prizes.nominations.models import Nomination
from prizes.voting.models import Vote, VotingRound

bp = Blueprint("disputes", __name__)


@dataclass(frozen=True)
class Subject:
    """What the dispute page is about: exactly one of the three, checked for this person."""

    vote: Vote | None = None
    nomination: Nomination | None = None
    voting_round: VotingRound | None = None

    def step(self, moment: datetime) -> datetime | None:
        if self.vote is not None:
            return services.vote_step(self.vote)
        if self.nomination is not None:
            return services.nomination_step(self.nomination, moment)
        if self.voting_round is not None:
            return services.result_step(self.voting_round)
        return None

    def deadline(self, moment: datetime) -> datetime | None:
        """Until when a dispute about it may be opened (None before its step)."""
        step = self.step(moment)
        if self.vote is not None:
            edition = self.vote.round.edition
        elif self.nomination is not None:
            edition = self.nomination.edition
        elif self.voting_round is not None:
            edition = self.voting_round.edition
        else:
            return None
        return edition.dispute_deadline(step) if step else None


def _subject() -> Subject:
    """The object named in the address (``?vote=``, ``?nomination=`` or ``?round=``): 400
    unless exactly one is named, 404 unless it exists and this person may dispute it."""
    vote_id = int_arg("vote", minimum=1)
    nomination_id = int_arg("nomination", minimum=1)
    round_id = int_arg("round", minimum=1)
    if sum(value is not None for value in (vote_id, nomination_id, round_id)) != 1:
        abort(400, description=_("Name one vote, nomination or round to dispute."))
    user = signed_in_user()
    if vote_id is not None:
        vote = db.session.get(Vote, vote_id)
        if vote is None or vote.voter_id != user.id:
            abort(404)
        return Subject(vote=vote)
    if nomination_id is not None:
        nomination = db.session.get(Nomination, nomination_id)
        if nomination is None or not services.may_dispute_nomination(nomination, user):
            abort(404)
        return Subject(nomination=nomination)
    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None or voting_round.finalised_at is None:
        abort(404)
    return Subject(voting_round=voting_round)


@bp.route("/disputes/new", methods=["GET", "POST"])
@verified_required
def open_dispute() -> ResponseReturnValue:
    subject = _subject()
    form = OpenDisputeForm()
    context: dict[str, Any] = {"subject": subject, "deadline": subject.deadline(now())}
    if not form.validate_on_submit():
        return form_page("disputes/open.html", form, **context)
    on_refusal_show("disputes/open.html", form, field=form.statement, **context)
    dispute = services.open_dispute(
        by=signed_in_user(),
        statement=given(form.statement.data),
        now=now(),
        vote=subject.vote,
        nomination=subject.nomination,
        voting_round=subject.voting_round,
    )
    flash(
        _("Your dispute no. %(number)d is open; the answer will come by mail.", number=dispute.id),
        "success",
    )
    return redirect(url_for("disputes.mine"))


@bp.route("/disputes/mine")
@verified_required
def mine() -> ResponseReturnValue:
    return render_template("disputes/mine.html", disputes=queries.disputes_of(current_user.id))


# --- the secretariat ---------------------------------------------------------------------


@bp.route("/admin/disputes/")
@roles_required(Role.SECRETARIAT)
def admin_index() -> ResponseReturnValue:
    return render_template("disputes/admin_index.html", disputes=queries.all_disputes())


def _dispute(dispute_id: int) -> Dispute:
    return queries.get_dispute(dispute_id) or abort(404)


def _admin_page(
    dispute: Dispute,
    status: int = 200,
    **forms: Any,
) -> ResponseReturnValue:
    page = render_template(
        "disputes/admin_detail.html",
        dispute=dispute,
        answer_form=forms.get("answer") or AnswerForm(),
        refer_form=forms.get("refer") or ReferForm(),
        close_form=forms.get("close") or CloseForm(),
        may_answer=dispute.state in (DisputeState.OPEN, DisputeState.REFERRED),
        may_refer=dispute.state == DisputeState.OPEN,
        may_close=dispute.state == DisputeState.ANSWERED,
    )
    return page, status


@bp.route("/admin/disputes/<int:dispute_id>")
@roles_required(Role.SECRETARIAT)
def admin_detail(dispute_id: int) -> ResponseReturnValue:
    return _admin_page(_dispute(dispute_id))


STEP_FORMS = {"answer": AnswerForm, "refer": ReferForm, "close": CloseForm}


@bp.route("/admin/disputes/<int:dispute_id>/<any(answer, refer, close):step>", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def admin_step(dispute_id: int, step: str) -> ResponseReturnValue:
    dispute = _dispute(dispute_id)
    form = STEP_FORMS[step]()
    if not form.validate_on_submit():
        return _admin_page(dispute, 422, **{step: form})
    on_refusal_go_to(url_for("disputes.admin_detail", dispute_id=dispute.id))
    by, moment = signed_in_user(), now()
    if isinstance(form, AnswerForm):
        services.answer(dispute, by=by, text=given(form.text.data), now=moment)
        flash(_("The answer is sent."), "success")
    elif isinstance(form, ReferForm):
        services.refer(dispute, by=by, note=given(form.note.data), now=moment)
        flash(_("The dispute is referred to the expert group."), "success")
    elif isinstance(form, CloseForm):
        services.close(dispute, by=by, outcome=DisputeOutcome(form.outcome.data), now=moment)
        flash(_("The dispute is closed."), "success")
    return redirect(url_for("disputes.admin_detail", dispute_id=dispute.id))


# --- the expert group --------------------------------------------------------------------


@bp.route("/review/disputes/")
@roles_required(Role.EXPERT)
def referred() -> ResponseReturnValue:
    return _referred_page(OpinionForm())


def _referred_page(
    form: OpinionForm, status: int = 200, failed: int | None = None
) -> ResponseReturnValue:
    page = render_template(
        "disputes/referred.html",
        disputes=queries.referred_disputes(),
        form=form,
        failed=failed,
    )
    return page, status


@bp.route("/review/disputes/<int:dispute_id>/opinion", methods=["POST"])
@roles_required(Role.EXPERT)
def opinion(dispute_id: int) -> ResponseReturnValue:
    dispute = _dispute(dispute_id)
    if dispute.state != DisputeState.REFERRED:
        abort(404)  # the experts see the referred disputes only
    form = OpinionForm()
    if not form.validate_on_submit():
        return _referred_page(form, 422, failed=dispute.id)
    on_refusal_go_to(url_for("disputes.referred"))
    services.add_opinion(dispute, by=signed_in_user(), text=given(form.text.data), now=now())
    flash(_("Your opinion is added."), "success")
    return redirect(url_for("disputes.referred"))
