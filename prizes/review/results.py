"""The published results: winners and champions of every category, exports and the archive."""

from __future__ import annotations

from flask import Blueprint, abort, get_template_attribute, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select

from prizes.contest.models import Edition
from prizes.contest.queries import list_categories
from prizes.core.cache import cached_here
from prizes.core.exports import csv_response
from prizes.db import db
from prizes.nominations.queries import get_edition_by_year
from prizes.review.champions import champions_of
from prizes.review.decisions import decisions_of
from prizes.review.models import DecisionOutcome

bp = Blueprint("results", __name__)


def _published(year: int) -> Edition:
    edition = get_edition_by_year(year)
    if edition is None or edition.results_published_at is None:
        abort(404)
    return edition


def _records(edition: Edition) -> list[dict[str, object]]:
    decided = decisions_of(edition)
    records = []
    for category in list_categories():
        for decision in decided.get(category.id, []):
            entry = decision.nomination.entry
            records.append(
                {
                    "category": category.number,
                    "category_name": category.official_name,
                    "outcome": decision.outcome.value,
                    "nomination_id": decision.nomination_id,
                    "project": entry.title,
                    "organisation": entry.organisation,
                    "country": entry.country,
                    "short_description": decision.nomination.short_description,
                }
            )
    return records


@bp.route("/results")
def archive() -> ResponseReturnValue:
    editions = db.session.scalars(
        select(Edition)
        .where(Edition.results_published_at.is_not(None))
        .order_by(Edition.year.desc())
    )
    return render_template("results/archive.html", editions=list(editions))


@bp.route("/editions/<int:year>/results")
def edition(year: int) -> ResponseReturnValue:
    """The winners and champions once published; between the two announcements, the
    champions alone (the winners are chosen among them)."""
    announced = get_edition_by_year(year)
    if announced is not None and announced.results_published_at is None:
        if announced.champions_announced_at is None:
            abort(404)
        champions = champions_of(announced)
        sections = [(c, champions[c.id]) for c in list_categories() if c.id in champions]
        return render_template("results/champions.html", edition=announced, sections=sections)
    published = _published(year)

    def sections_html() -> Markup:
        decided = decisions_of(published)
        sections = [
            (
                category,
                [d for d in decided.get(category.id, []) if d.outcome == DecisionOutcome.WINNER],
                [d for d in decided.get(category.id, []) if d.outcome == DecisionOutcome.CHAMPION],
            )
            for category in list_categories()
            if category.id in decided
        ]
        macro = get_template_attribute("results/_sections.html", "sections")
        return macro(sections)

    # Published results do not change (the decisions are locked); the projects' names could,
    # and they bump "catalogue". So the sections are rendered once per edition and language.
    published_at = published.results_published_at.timestamp()  # type: ignore[union-attr]
    key = f"edition-results:{published.id}:{published_at}:{get_locale()}"
    return render_template(
        "results/edition.html",
        edition=published,
        sections_html=cached_here("catalogue", key, sections_html),
    )


@bp.route("/editions/<int:year>/results.<any(csv, json):kind>")
def export(year: int, kind: str) -> ResponseReturnValue:
    published = _published(year)
    records = _records(published)
    if kind == "json":
        return jsonify({"edition": published.year, "title": published.title, "results": records})
    return csv_response(records, f"wsis-prizes-{year}-results.csv")
