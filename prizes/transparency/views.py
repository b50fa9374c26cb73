"""The vote log's public routes: the key, the heads, the proofs, the open-data file.

During a round only the heads (size and root) are public, never a count per project; the
full leaf list once the round's results are out (``queries.log_is_public``)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    send_file,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.accounts.permissions import visitor_has_role
from prizes.contest.models import Edition
from prizes.core.clock import now
from prizes.core.limits import limiter, setting
from prizes.db import db
from prizes.transparency import published, queries, signing
from prizes.voting import queries as voting_queries
from prizes.voting.models import VotingRound

bp = Blueprint("transparency", __name__)

KEY_PATH = "/.well-known/wsis-prizes-log-key"
MAX_SIZE = 2**53


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    voting_queries.round_log_visible.answer_with(log_visible)
    app.jinja_env.globals["log_inclusion"] = queries.inclusion_for_receipt
    app.jinja_env.globals["log_inclusions"] = queries.inclusions_for_votes
    app.jinja_env.globals["results_record_seal"] = record_seal


def _bad_request(message: str) -> ResponseReturnValue:
    return jsonify({"error": {"code": "bad_request", "message": message}}), 400


def _started_round(round_id: int) -> VotingRound:
    voting_round = db.session.get(VotingRound, round_id)
    if voting_round is None or voting_round.opens_at > now():
        abort(404)
    return voting_round


@bp.route(KEY_PATH)
def public_key() -> ResponseReturnValue:
    """The contest's public key (PEM), with which anyone checks a head or the bundle."""
    response = Response(signing.public_pem(), mimetype="application/x-pem-file")
    response.headers["X-Key-Id"] = signing.key_id()
    return response


@bp.route("/transparency/rounds/<int:round_id>/heads.json")
def heads(round_id: int) -> ResponseReturnValue:
    voting_round = _started_round(round_id)
    before = request.args.get("before", type=int)
    if "before" in request.args and (before is None or not 0 < before <= MAX_SIZE):
        return _bad_request(_("before must be a tree size."))
    return jsonify(
        {
            "round_id": voting_round.id,
            "key_id": signing.key_id(),
            "heads": queries.heads_of(voting_round.id, before=before),
        }
    )


@bp.route("/transparency/rounds/<int:round_id>/heads/latest.json")
def latest_head(round_id: int) -> ResponseReturnValue:
    voting_round = _started_round(round_id)
    head = queries.latest_head(voting_round.id) or abort(404)
    return jsonify(queries.head_record(head))


@bp.route("/transparency/rounds/<int:round_id>/consistency.json")
@limiter.limit(setting("LIMIT_RECEIPT"))
def consistency(round_id: int) -> ResponseReturnValue:
    """The proof that the head of ``first`` leaves is a prefix of the head of ``second``."""
    voting_round = _started_round(round_id)
    first = request.args.get("first", type=int)
    second = request.args.get("second", type=int)
    if first is None or second is None or not 0 < first <= second <= MAX_SIZE:
        return _bad_request(_("first and second must be tree sizes, first not above second."))
    proof = queries.consistency(voting_round.id, first, second)
    if proof is None:
        return jsonify(
            {"error": {"code": "not_found", "message": _("No signed head has that size.")}}
        ), 404
    return jsonify(proof)


@bp.route("/transparency/receipt.json")
@limiter.limit(setting("LIMIT_RECEIPT"))
def receipt_proof() -> ResponseReturnValue:
    """The inclusion proof of the vote with this receipt code (the holder of the code is the
    only one who can ask: the code is the secret)."""
    code = (request.args.get("code") or "").strip()
    if not 1 <= len(code) <= 40:
        return _bad_request(_("Please give a receipt code."))
    proof = queries.inclusion_for_receipt(code)
    if proof is None:
        message = _("No signed head includes a vote with this receipt code yet.")
        return jsonify({"error": {"code": "not_found", "message": message}}), 404
    return jsonify(proof)


@bp.route("/transparency/rounds/<int:round_id>/log.json")
def log_file(round_id: int) -> ResponseReturnValue:
    """The round's full leaf list with its latest signed head (the open-data file)."""
    voting_round = _started_round(round_id)
    if not log_visible(voting_round):
        abort(404)
    name = f"round-{voting_round.id}-vote-log.json"
    written = published.log_file(voting_round)
    if written is not None:  # finished: the file written once, with its own ETag and ranges
        return send_file(
            written, mimetype="application/json", as_attachment=True, download_name=name
        )
    # Still growing: built whole (the unit of work closes the session when the view returns).
    response = Response(
        "".join(queries.iter_log_document(voting_round)), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def log_visible(voting_round: VotingRound) -> bool:
    """Whether this visitor may open the round's vote log and transparency report: once
    the round has started, and then to the public with the results, before that to the
    secretariat alone (what a page asks before it links to them)."""
    if voting_round.opens_at > now():
        return False
    return queries.log_is_public(voting_round) or visitor_has_role(Role.SECRETARIAT)


def _reported_round(round_id: int) -> VotingRound:
    """The report is published with the results: before, only the secretariat sees it."""
    voting_round = _started_round(round_id)
    if not log_visible(voting_round):
        abort(404)
    return voting_round


@bp.route("/transparency/rounds/<int:round_id>/report")
def report_page(round_id: int) -> ResponseReturnValue:
    from prizes.disputes.models import DisputeOutcome, DisputeState, DisputeSubject
    from prizes.transparency.report import round_report
    from prizes.voting.models import ReviewStatus

    voting_round = _reported_round(round_id)
    labels = {m.value: m.label for e in (DisputeSubject, DisputeState, DisputeOutcome) for m in e}
    return render_template(
        "transparency/report.html",
        voting_round=voting_round,
        report=round_report(voting_round),
        dispute_labels=labels,
        review_labels={status.value: status.label for status in ReviewStatus},
    )


@bp.route("/transparency/rounds/<int:round_id>/report.json")
def report_json(round_id: int) -> ResponseReturnValue:
    from prizes.transparency.report import round_report

    report = round_report(_reported_round(round_id))
    for day in report["votes_per_day"]:
        del day["share_of_top"]
    return jsonify(report)


def _published_edition(year: int) -> Edition:
    edition = db.session.scalars(select(Edition).where(Edition.year == year)).first()
    if edition is None or edition.results_published_at is None:
        abort(404)
    return edition


@bp.route("/editions/<int:year>/results/record.json")
def results_record(year: int) -> ResponseReturnValue:
    """The results record (its exact bytes are what the digest and signature cover)."""
    document = published.record_text(_published_edition(year))
    response = Response(document, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="results-{year}.json"'
    return response


@bp.route("/editions/<int:year>/results/record.sig.json")
def results_record_signature(year: int) -> ResponseReturnValue:
    return jsonify(record_seal(_published_edition(year)))


def record_seal(edition: Edition) -> dict:
    """The SHA-256 of the results record and the contest key's signature over it."""
    import base64

    sha = published.record_digest(edition)
    signature = signing.sign(f"{bundle_message_prefix()}{sha}\n".encode())
    return {
        "year": edition.year,
        "sha256": sha,
        "signature": base64.b64encode(signature).decode("ascii"),
        "key_id": signing.key_id(),
    }


def bundle_message_prefix() -> str:
    return "wsis-prizes-results/1\n"
