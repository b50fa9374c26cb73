"""The API's routes: thin, each one read and one answer (see ``present`` and ``queries``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_smorest import Blueprint
from sqlalchemy import func, select
from webargs.flaskparser import FlaskParser
from werkzeug.http import generate_etag

from prizes.api import present
from prizes.api import schemas as s
from prizes.api.queries import BadCursor, check_cursor, entry_page, moment
from prizes.contest.models import Category, Edition
from prizes.contest.queries import list_categories
from prizes.core import cache
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.db import db
from prizes.nominations.queries import get_edition_by_year, search_nominated
from prizes.review.champions import champions_of
from prizes.review.decisions import decisions_of
from prizes.review.models import Decision, DecisionOutcome
from prizes.stocktaking.models import EntryStatus, StocktakingEntry
from prizes.stocktaking.queries import EntryFilters, Sort
from prizes.transparency.report import round_report
from prizes.transparency.views import KEY_PATH
from prizes.voting.models import VotingRound
from prizes.voting.queries import list_rounds, ranking


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # a bad parameter is the client's error, said once


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Public data, read-only.")


def _documented(*codes: int) -> Callable[[Any], Any]:
    """Document the error answers a route gives, all in the one error format."""

    def decorate(view: Any) -> Any:
        for code in codes:
            view = bp.alt_response(code, schema=s.Error, description="An error.")(view)
        return view

    return decorate


def _encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _json(data: Any) -> Response:
    return current_app.response_class(_encode(data), mimetype="application/json")


def _language(args: dict[str, Any]) -> str:
    return args.get("lang") or request.accept_languages.best_match(s.LANGUAGES) or "en"


def _not_found(message: str | None = None) -> Response:
    from prizes.api import _MESSAGES, error_response

    return error_response(404, "not_found", message or str(_MESSAGES[404]))


def _bad(message: str) -> Response:
    from prizes.api import error_response

    return error_response(400, "bad_request", message)


@bp.route("/")
@bp.response(
    200,
    {"type": "object", "additionalProperties": {"type": "string"}},
    description="The resources of the API.",
)
@_documented(429)
def index() -> Response:
    return _json(
        {
            "editions": url_for("api.editions"),
            "vocabulary": url_for("api.vocabulary"),
            "entries": url_for("api.entries"),
            "archive": url_for("api.archive"),
            "openapi": url_for("api-docs.openapi_json"),
            "docs": url_for("api.docs"),
        }
    )


def _rounds_by_edition(edition_ids: list[int]) -> dict[int, list[VotingRound]]:
    grouped: dict[int, list[VotingRound]] = {i: [] for i in edition_ids}
    for item in db.session.scalars(
        select(VotingRound)
        .where(VotingRound.edition_id.in_(edition_ids))
        .order_by(VotingRound.edition_id, VotingRound.number)
    ):
        grouped[item.edition_id].append(item)
    return grouped


@bp.route("/editions")
@bp.response(200, s.EditionList)
@_documented(429)
def editions() -> Response:
    """Every edition with its timeline and the phase it is in now."""
    found = list(db.session.scalars(select(Edition).order_by(Edition.year.desc())))
    rounds = _rounds_by_edition([e.id for e in found])
    at = moment()
    return _json({"editions": [present.edition(e, rounds[e.id], at) for e in found]})


@bp.route("/editions/<int:year>")
@bp.response(200, s.Edition)
@_documented(404, 429)
def edition(year: int) -> Response:
    found = get_edition_by_year(year)
    if found is None:
        return _not_found()
    return _json(present.edition(found, list_rounds(found.id), moment()))


@bp.route("/vocabulary")
@bp.arguments(s.LangArgs(), location="query", error_status_code=400)
@bp.response(200, s.Vocabulary)
@_documented(400, 429)
def vocabulary(args: dict[str, Any]) -> Response:
    """The 18 categories and the 11 action lines, labelled in the language asked for."""
    lang = _language(args)
    with force_locale(lang):
        return _json(
            {
                "lang": lang,
                "categories": [present.category(c) for c in list_categories()],
                "action_lines": [present.action_line(line) for line in ActionLine],
            }
        )


def _entry_filters(args: dict[str, Any]) -> EntryFilters | str:
    category = None
    if args.get("category") is not None:
        category = db.session.scalar(select(Category).where(Category.number == args["category"]))
        if category is None:
            return "category: no such category."
    sort = Sort(args["sort"])
    if sort == Sort.RELEVANCE and not (args.get("q") or "").strip():
        sort = Sort.NEWEST
    return EntryFilters(
        text=args.get("q") or "",
        category=category,
        action_line=ActionLine(args["action_line"]) if args.get("action_line") else None,
        sdg=args.get("sdg"),
        country=args.get("country"),
        stakeholder_type=StakeholderType(args["stakeholder_type"])
        if args.get("stakeholder_type")
        else None,
        year=args.get("year"),
        sort=sort,
    )


@bp.route("/entries")
@bp.arguments(s.EntryArgs(), location="query", error_status_code=400)
@bp.response(200, s.EntryPage)
@_documented(400, 429)
def entries(args: dict[str, Any]) -> Response:
    """Published stocktaking entries, with the site's search and filters; follow
    ``next_cursor`` for the next page. A page's JSON is cached until an entry changes."""
    filters = _entry_filters(args)
    if isinstance(filters, str):
        return _bad(filters)
    key = json.dumps({k: args.get(k) for k in sorted(args) if k != "lang"}, sort_keys=True)

    def compute() -> list[str]:
        page, next_cursor = entry_page(filters, limit=args["limit"], cursor=args.get("cursor"))
        body = _encode({"entries": [present.entry(e) for e in page], "next_cursor": next_cursor})
        return [body.decode(), generate_etag(body)]

    def shared() -> list[str]:
        return cache.cached("catalogue", f"api.entries:{key}", compute)

    try:
        check_cursor(filters, args.get("cursor"))
        # The finished answer and its ETag, kept in the worker (a hit costs one version
        # read: no transfer, no decoding, no hashing), else in Redis for every worker.
        body, etag = cache.cached_here("catalogue", f"api.entries:{key}", shared, room="api")
    except BadCursor:
        return _bad("cursor: not a cursor of this query; start again without it.")
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    return response


@bp.route("/entries/<int:entry_id>")
@bp.response(200, s.Entry)
@_documented(404, 429)
def entry(entry_id: int) -> Response:
    found = db.session.get(StocktakingEntry, entry_id)
    if found is None or found.status != EntryStatus.PUBLISHED:
        return _not_found()
    return _json(present.entry(found))


@bp.route("/editions/<int:year>/nominated")
@bp.arguments(s.PageArgs(), location="query", error_status_code=400)
@bp.response(200, s.NominatedPage)
@_documented(400, 404, 429)
def nominated(args: dict[str, Any], year: int) -> Response:
    """The announced nominated list of an edition, by category if asked; 404 before the
    announcement (nothing of it is public until then)."""
    found = get_edition_by_year(year)
    if found is None or found.nominated_list_announced_at is None:
        return _not_found()
    category = None
    if args.get("category") is not None:
        category = db.session.scalar(select(Category).where(Category.number == args["category"]))
    page = search_nominated(
        found, EntryFilters(category=category, sort=Sort.TITLE), page=args["page"], per_page=100
    )
    return _json(
        {
            "edition": found.year,
            "announced_at": present.utc(found.nominated_list_announced_at),
            "page": page.number,
            "pages": page.pages,
            "total": page.total,
            "nominations": [present.nominated(n) for n in page.items],
        }
    )


def _public_counts(found: Edition) -> list[dict[str, Any]]:
    """The counts of the rounds that publish them, final ones only (results are out)."""
    numbers = {c.id: c.number for c in list_categories()}
    counts = []
    for item in list_rounds(found.id):
        if not (item.public_tally and item.finalised_at is not None):
            continue
        rows = ranking(item)
        counts.append(
            {
                "round_id": item.id,
                "number": item.number,
                "title": item.title,
                "categories": {
                    str(numbers[category_id]): [
                        {
                            "nomination_id": r.nomination_id,
                            "rank": r.rank,
                            "votes": r.votes,
                            "share": round(r.share, 4),
                            "shortlisted": r.shortlisted,
                        }
                        for r in ranked
                    ]
                    for category_id, ranked in sorted(rows.items())
                },
            }
        )
    return counts


@bp.route("/editions/<int:year>/results")
@bp.arguments(s.LangArgs(), location="query", error_status_code=400)
@bp.response(200, s.Results)
@_documented(400, 404, 429)
def results(args: dict[str, Any], year: int) -> Response:
    """The champions once announced; with the winners (and the counts of rounds that publish
    them) once the results are published. 404 before either."""
    found = get_edition_by_year(year)
    at = moment()
    if found is None:
        return _not_found()
    published = present.is_published(found, at)
    if not published and found.champions_announced_at is None:
        return _not_found()
    with force_locale(_language(args)):
        categories = list_categories()
        sections = []
        if published:
            decided = decisions_of(found)
            for c in categories:
                if c.id not in decided:
                    continue
                by = {
                    o: [d.nomination for d in decided[c.id] if d.outcome == o]
                    for o in DecisionOutcome
                }
                sections.append(
                    {
                        "category": c.number,
                        "label": present.category(c)["label"],
                        "winners": [present.awarded(n) for n in by[DecisionOutcome.WINNER]],
                        "champions": [present.awarded(n) for n in by[DecisionOutcome.CHAMPION]],
                    }
                )
        else:
            champions = champions_of(found)
            for c in categories:
                if c.id in champions:
                    sections.append(
                        {
                            "category": c.number,
                            "label": present.category(c)["label"],
                            "winners": [],
                            "champions": [present.awarded(n) for n in champions[c.id]],
                        }
                    )
        return _json(
            {
                "edition": found.year,
                "status": "published" if published else "champions",
                "categories": sections,
                "counts": _public_counts(found) if published else [],
            }
        )


@bp.route("/rounds/<int:round_id>/transparency")
@bp.response(200, s.Transparency)
@_documented(404, 429)
def transparency(round_id: int) -> Response:
    """A round's transparency report, with links to its vote log, its signed heads and the
    contest's public key. Public with the results, for a round that publishes its tally
    (the log recounts to the per-project counts); 404 before."""
    found = db.session.get(VotingRound, round_id)
    if not (found and present.transparency_is_public(found, moment())):
        return _not_found()
    report = round_report(found)
    report["edition"] = found.edition.year
    report["votes_per_day"] = [
        {"day": d["day"], "votes": d["votes"]} for d in report["votes_per_day"]
    ]
    report["links"] = {
        "report": url_for("transparency.report_page", round_id=found.id),
        "log": url_for("transparency.log_file", round_id=found.id),
        "heads": url_for("transparency.heads", round_id=found.id),
        "public_key": KEY_PATH,
        "edition": url_for("api.edition", year=found.edition.year),
    }
    return _json(report)


@bp.route("/archive")
@bp.response(200, s.Archive)
@_documented(429)
def archive() -> Response:
    """The past editions whose results are published, newest first, with their tallies."""
    at = moment()
    found = [
        e
        for e in db.session.scalars(
            select(Edition)
            .where(Edition.results_published_at.is_not(None))
            .order_by(Edition.year.desc())
        )
        if present.is_published(e, at)
    ]
    counted: dict[tuple[int, str], int] = {}
    if found:
        for edition_id, outcome, number in db.session.execute(
            select(Decision.edition_id, Decision.outcome, func.count())
            .where(Decision.edition_id.in_([e.id for e in found]))
            .group_by(Decision.edition_id, Decision.outcome)
        ):
            counted[(edition_id, DecisionOutcome(outcome).value)] = number
    return _json(
        {
            "editions": [
                {
                    "year": e.year,
                    "title": e.title,
                    "results_published_at": present.utc(e.results_published_at),
                    "winners": counted.get((e.id, "winner"), 0),
                    "champions": counted.get((e.id, "champion"), 0),
                    "links": {
                        "edition": url_for("api.edition", year=e.year),
                        "results": url_for("api.results", year=e.year),
                    },
                }
                for e in found
            ]
        }
    )


@bp.route("/docs")
@bp.response(200, {"type": "string"}, content_type="text/html", description="This reference.")
def docs() -> Response:
    """The OpenAPI document as a page of this site: no script, nothing from elsewhere."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    page = render_template("api/docs.html", spec=api.spec.to_dict())
    return current_app.response_class(page, mimetype="text/html")
