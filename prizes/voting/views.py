"""The public vote: the guided ballot, "My votes", receipts and published results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from prizes.accounts.limits import account_key
from prizes.accounts.models import Role
from prizes.accounts.permissions import (
    signed_in_user,
    verified_required,
    visitor_has_role,
    voter_required,
)
from prizes.accounts.sessions import session_account
from prizes.core.cache import cached_here
from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.core.exports import csv_response
from prizes.core.forms import given
from prizes.core.limits import limiter, setting
from prizes.core.network import keyed_hash, network_hash
from prizes.core.params import int_arg
from prizes.core.unit_of_work import on_refusal
from prizes.voting import queries, services
from prizes.voting.forms import ReceiptForm, VoteForm
from prizes.voting.models import Vote, VotingRound

bp = Blueprint("voting", __name__, url_prefix="/vote")
T = TypeVar("T")


@bp.route("/")
def index() -> ResponseReturnValue:
    rounds = queries.list_open_rounds(now())
    if len(rounds) == 1:
        return redirect(url_for("voting.ballot", round_id=rounds[0].id))
    return render_template("voting/index.html", rounds=rounds)


@dataclass(frozen=True)
class BallotState:
    """Where a voter stands in a round: the categories in order and their votes in it."""

    voting_round: VotingRound
    categories: list[tuple[queries.BallotCategory, int]]
    votes: dict[int, Vote]

    def position_of_next_unvoted(self, after: int = 0) -> int | None:
        return next_unvoted([c.id for c, _count in self.categories], set(self.votes), after=after)

    def vote_at(self, position: int | None) -> tuple[queries.BallotCategory, Vote] | None:
        """The category at a ballot position and the voter's vote in it, if there is one."""
        if position is None or not 1 <= position <= len(self.categories):
            return None
        at_position, _count = self.categories[position - 1]
        vote = self.votes.get(at_position.id)
        return (at_position, vote) if vote else None

    def just_voted(self) -> tuple[queries.BallotCategory, Vote] | None:
        """The vote the redirect after a vote names (``?voted=position``), to confirm it
        on the page from what the database holds."""
        return self.vote_at(int_arg("voted"))


def _ballot_state(round_id: int) -> BallotState:
    voting_round = queries.get_round(round_id) or abort(404)
    categories = queries.ballot_categories(voting_round.id)
    votes = {
        vote.category_id: vote for vote in queries.votes_in_round(voting_round.id, current_user.id)
    }
    return BallotState(voting_round, categories, votes)


@bp.route("/<int:round_id>/")
@voter_required
def ballot(round_id: int) -> ResponseReturnValue:
    state = _ballot_state(round_id)
    return render_template(
        "voting/ballot.html",
        state=state,
        is_open=state.voting_round.is_open(now()),
        just_voted=state.just_voted(),
        # The live tally or the results, linked only for whom they are not a 404.
        results_visible=results_visible(state.voting_round),
    )


@bp.route("/<int:round_id>/<int:position>")
@voter_required
def category(round_id: int, position: int) -> ResponseReturnValue:
    return _category_page(round_id, position, VoteForm())


def _category_page(
    round_id: int, position: int, form: VoteForm, error: DomainError | None = None
) -> ResponseReturnValue:
    """The category's page: the projects in the voter's own order, or their vote."""
    state = _ballot_state(round_id)
    if not 1 <= position <= len(state.categories):
        abort(404)
    chosen_category, _count = state.categories[position - 1]
    round_id, voter_id = state.voting_round.id, current_user.id
    cards = sorted(
        _ballot_cards(round_id, chosen_category.id, form.nomination.data),
        key=lambda card: services.ballot_order_key(voter_id, round_id, card[0]),
    )
    context = {
        "state": state,
        "position": position,
        "category": chosen_category,
        "cards": [html for _id, html in cards],
        "vote": state.votes.get(chosen_category.id),
        "is_open": state.voting_round.is_open(now()),
        "next_position": state.position_of_next_unvoted(position),
        "just_voted": state.just_voted(),
    }
    if error is not None:
        flash(error.message, "error")
        return render_template("voting/category.html", form=form, **context), error.status_code
    if form.errors:
        return render_template("voting/category.html", form=form, **context), 422
    return render_template("voting/category.html", form=form, **context)


def _ballot_cards(round_id: int, category_id: int, chosen: object) -> list[tuple[int, Markup]]:
    """Each project's card on the category's page, the same for every voter: rendered once
    per round, category and language and kept while the catalogue is unchanged (only the
    order is the voter's own). A form sent back with a choice is drawn afresh."""

    def render(checked: object = None) -> list[tuple[int, Markup]]:
        card = get_template_attribute("voting/_card.html", "card")
        words = _("Read the description"), _("Full page")
        return [
            (item.id, card(item, checked == item.id, *words))
            for item in queries.ballot(round_id, category_id)
        ]

    if chosen is not None:
        return render(chosen)
    return cached_here("catalogue", f"cards:{round_id}:{category_id}:{get_locale()}", render)


@bp.route("/<int:round_id>/<int:position>/confirm", methods=["POST"])
@voter_required
def confirm(round_id: int, position: int) -> ResponseReturnValue:
    """The step between the choice and the vote, which works without JavaScript: the chosen
    project, the word that a vote is final once cast, and a "Confirm my vote" button that
    posts the same form (with its CSRF token, and the proof of work where the round asks
    it) to ``cast``. It stores nothing (a POST only so that the choice stays out of the
    address and the logs); ``cast`` keeps its one statement and its limits."""
    form = VoteForm()
    state = _ballot_state(round_id)
    if not 1 <= position <= len(state.categories):
        abort(404)
    chosen_category, _count = state.categories[position - 1]
    if chosen_category.id in state.votes or not state.voting_round.is_open(now()):
        # Already voted here, or the round is not open: the category's page says which.
        return redirect(url_for("voting.category", round_id=round_id, position=position))
    if not form.validate():
        return _category_page(round_id, position, form)
    choice = next(
        (
            item
            for item in queries.ballot(round_id, chosen_category.id)
            if item.id == form.nomination.data
        ),
        None,
    )
    if choice is None:
        form.nomination.errors = [_("Choose a project.")]
        return _category_page(round_id, position, form)
    return render_template(
        "voting/confirm.html",
        state=state,
        position=position,
        category=chosen_category,
        choice=choice,
    )


@bp.route("/<int:round_id>/<int:position>", methods=["POST"])
@limiter.limit(setting("LIMIT_VOTE_ADDRESS"))
@limiter.limit(setting("LIMIT_VOTE_ACCOUNT"), key_func=account_key)
def cast(round_id: int, position: int) -> ResponseReturnValue:
    """The vote itself, the busiest request of the contest: one statement and nothing more
    (not even a session cookie to write). The signed session names the voter and the vote's
    statement checks the account (signed in, verified, profile complete) as it reads it, so
    a stored vote reads no user; a refused one goes through ``voter_required`` and then the
    category's page with the reason. Where to go next is worked out by the redirect's own
    request, and the page after it confirms the vote, with its receipt, from the database."""
    form = VoteForm()
    voter: services.Voter | None = session_account()
    if voter is None and current_user.is_authenticated:  # a remember-me cookie alone
        voter = signed_in_user()
    if voter is None or not form.validate_on_submit():
        return voter_required(_category_page)(round_id, position, form)
    on_refusal(lambda error: voter_required(_category_page)(round_id, position, form, error))
    services.cast_vote(
        round_id,
        category=services.BallotPosition(position),
        nomination_id=given(form.nomination.data),
        voter=voter,
        now=now(),
        client=_client_traits(),
        proof=form.altcha.data or None,
    )
    return redirect(url_for("voting.after", round_id=round_id, position=position))


@bp.route("/<int:round_id>/<int:position>/next")
@voter_required
def after(round_id: int, position: int) -> ResponseReturnValue:
    """On to the next category without a vote (going round), or to the ballot's overview
    once every category has one."""
    voting_round = queries.get_round(round_id) or abort(404)
    category_ids = queries.ballot_category_ids(voting_round.id)
    voted = queries.voted_category_ids(voting_round.id, current_user.id)
    following = next_unvoted(category_ids, voted, after=position)
    if following is None:
        return redirect(url_for("voting.ballot", round_id=round_id, voted=position))
    return redirect(
        url_for("voting.category", round_id=round_id, position=following, voted=position)
    )


def next_unvoted(category_ids: list[int], voted: set[int], *, after: int = 0) -> int | None:
    """The position (from 1) of the next category not yet voted, going round; None if all are."""
    count = len(category_ids)
    for offset in range(count):
        position = (after + offset) % count + 1
        if category_ids[position - 1] not in voted:
            return position
    return None


def _client_traits() -> services.ClientTraits:
    device = request.cookies.get("device")
    return services.ClientTraits(
        network_hash=network_hash(request.remote_addr),
        device_hash=keyed_hash(device) if device else None,
    )


@bp.route("/<int:round_id>/finish", methods=["POST"])
@voter_required
def finish(round_id: int) -> ResponseReturnValue:
    voting_round = queries.get_round(round_id) or abort(404)
    count = services.finish_ballot(voting_round, voter=signed_in_user())
    if count:
        flash(_("Thank you for voting. Your receipts are on their way by mail."), "success")
    return redirect(url_for("voting.my_votes"))


@bp.route("/mine")
@verified_required
def my_votes() -> ResponseReturnValue:
    return render_template("voting/my_votes.html", votes=queries.list_votes_of(current_user.id))


@bp.route("/receipt")
@limiter.limit(setting("LIMIT_RECEIPT"))
def check_receipt() -> ResponseReturnValue:
    form = ReceiptForm(request.args)
    vote = None
    if request.args and form.validate():
        vote = queries.get_vote_by_receipt(given(form.code.data))
    status = 400 if request.args and form.errors else 200
    return render_template(
        "voting/receipt.html", form=form, vote=vote, checked=bool(request.args)
    ), status


def _results_round(round_id: int) -> VotingRound:
    """The round if its counts may be shown: to the secretariat always (acting as such, so
    with two-factor sign-in on where the role requires it); to everyone else only once the
    edition's results are published, and only for a round set to publish its tally then.
    Before that, nobody else learns a count or a rank, not even an expert (who sees a
    project's votes on its scoring page, where the edition allows it)."""
    voting_round = queries.get_round(round_id) or abort(404)
    if not results_visible(voting_round):
        abort(404)
    return voting_round


def results_visible(voting_round: VotingRound) -> bool:
    """Whether this visitor may see the round's counts (the rule of ``_results_round``):
    what a page asks before it links to the live tally or the results."""
    if visitor_has_role(Role.SECRETARIAT):
        return True
    published = voting_round.edition.results_published_at is not None
    return bool(published and voting_round.finalised_at and voting_round.public_tally)


@dataclass(frozen=True)
class ResultRow:
    category: queries.BallotCategory
    rows: list[queries.RankedRow]


def results_of(voting_round: VotingRound) -> tuple[list[ResultRow], dict]:
    ranking = queries.ranking(voting_round)
    categories = [category for category, _count in queries.ballot_categories(voting_round.id)]
    ids = [row.nomination_id for rows in ranking.values() for row in rows]
    return [ResultRow(c, ranking.get(c.id, [])) for c in categories], queries.nominations_by_id(ids)


def _final(voting_round: VotingRound, what: str, compute: Callable[[], T]) -> T:
    """A final round's results never change (its counts are stored, see ``tally``); only
    the projects' names could, and they bump "catalogue": so what the results pages build
    is kept per round and language until then. A live tally is built on every visit."""
    if voting_round.finalised_at is None:
        return compute()
    key = f"results:{voting_round.id}:{voting_round.finalised_at.timestamp()}:{get_locale()}"
    return cached_here("catalogue", f"{key}:{what}", compute)


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int) -> ResponseReturnValue:
    voting_round = _results_round(round_id)

    def ranking_html() -> Markup:
        sections, nominations = results_of(voting_round)
        macro = get_template_attribute("voting/_ranking.html", "ranking")
        # A macro's output is already escaped Markup.
        return macro(sections, nominations, voting_round.finalised_at)

    return render_template(
        "voting/results.html",
        voting_round=voting_round,
        ranking_html=_final(voting_round, "html", ranking_html),
        log_visible=queries.round_log_visible(voting_round),
    )


def _result_records(voting_round: VotingRound) -> list[dict[str, object]]:
    sections, nominations = results_of(voting_round)
    return [
        {
            "category": section.category.number,
            "category_name": section.category.official_name,
            "rank": row.rank,
            "nomination_id": row.nomination_id,
            "project": nominations[row.nomination_id].entry.title,
            "organisation": nominations[row.nomination_id].entry.organisation,
            "country": nominations[row.nomination_id].entry.country,
            "valid_votes": row.votes,
            "share": round(row.share, 4),
            "shortlisted": row.shortlisted,
        }
        for section in sections
        for row in section.rows
    ]


@bp.route("/rounds/<int:round_id>/results.<any(csv, json):kind>")
def export(round_id: int, kind: str) -> ResponseReturnValue:
    voting_round = _results_round(round_id)
    records = _final(voting_round, "records", lambda: _result_records(voting_round))
    if kind == "json":
        return jsonify(
            {
                "round": voting_round.title,
                "final": bool(voting_round.finalised_at),
                "results": records,
            }
        )
    return csv_response(records, f"round-{voting_round.id}-results.csv")
