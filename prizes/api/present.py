"""Model objects as the API shows them: only public fields, times in ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from prizes.contest.models import Category, Edition, Phase
from prizes.core.vocabulary import ActionLine
from prizes.nominations.models import Nomination
from prizes.stocktaking.models import StocktakingEntry
from prizes.transparency.queries import log_is_public
from prizes.voting.models import VotingRound

ACTION_LINE_LABELS = {
    ActionLine.C1: _l("The role of governments and all stakeholders in the promotion of ICTs"),
    ActionLine.C2: _l("Information and communication infrastructure"),
    ActionLine.C3: _l("Access to information and knowledge"),
    ActionLine.C4: _l("Capacity building"),
    ActionLine.C5: _l("Building confidence and security in the use of ICTs"),
    ActionLine.C6: _l("Enabling environment"),
    ActionLine.C7: _l("ICT applications: benefits in all aspects of life"),
    ActionLine.C8: _l("Cultural diversity and identity, linguistic diversity and local content"),
    ActionLine.C9: _l("Media"),
    ActionLine.C10: _l("Ethical dimensions of the Information Society"),
    ActionLine.C11: _l("International and regional cooperation"),
}


def utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the one time format of the API."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def category(item: Category) -> dict[str, Any]:
    # The names are the contest's own; a catalogue that translates one is used.
    return {
        "number": item.number,
        "slug": item.slug,
        "label": gettext(item.name),
        "action_line": item.action_line.value,
    }


def action_line(line: ActionLine) -> dict[str, Any]:
    return {"code": line.value, "label": str(ACTION_LINE_LABELS[line])}


def voting_round(item: VotingRound, moment: datetime) -> dict[str, Any]:
    return {
        "id": item.id,
        "number": item.number,
        "title": item.title,
        "opens_at": utc(item.opens_at),
        "closes_at": utc(item.closes_at),
        "final": item.finalised_at is not None,
        "transparency": url_for("api.transparency", round_id=item.id)
        if transparency_is_public(item, moment)
        else None,
    }


def is_published(edition: Edition, moment: datetime) -> bool:
    return edition.results_published_at is not None and edition.results_published_at <= moment


def transparency_is_public(item: VotingRound, moment: datetime) -> bool:
    """The report and the log of a round go out with the edition's results (see
    ``log_is_public``), not before their time when the publication is scheduled."""
    return log_is_public(item) and is_published(item.edition, moment)


def edition(item: Edition, rounds: list[VotingRound], moment: datetime) -> dict[str, Any]:
    voting_open = any(r.is_open(moment) for r in rounds)
    phase: Phase = item.phase(moment, voting_open=voting_open)
    links = {"self": url_for("api.edition", year=item.year)}
    if item.nominated_list_is_public:
        links["nominated"] = url_for("api.nominated", year=item.year)
    if is_published(item, moment) or item.champions_announced_at is not None:
        links["results"] = url_for("api.results", year=item.year)
    return {
        "year": item.year,
        "id": item.id,
        "title": item.title,
        "phase": phase.value,
        "timeline": {
            "submission_opens_at": utc(item.submission_opens_at),
            "submission_closes_at": utc(item.submission_closes_at),
            "review_closes_at": utc(item.review_closes_at),
            "selection_closes_at": utc(item.selection_closes_at),
            "nominated_list_announced_at": utc(item.nominated_list_announced_at),
            "champions_announced_at": utc(item.champions_announced_at),
            "results_published_at": utc(item.results_published_at)
            if is_published(item, moment)
            else None,
        },
        "rounds": [voting_round(r, moment) for r in rounds],
        "nominated_list_public": item.nominated_list_is_public,
        "results_published": is_published(item, moment),
        "links": links,
    }


def entry(item: StocktakingEntry) -> dict[str, Any]:
    return {
        "id": item.id,
        "external_id": item.external_id,
        "title": item.title,
        "organisation": item.organisation,
        "stakeholder_type": item.stakeholder_type.value,
        "country": item.country,
        "countries": list(getattr(item, "country_codes", None) or [item.country]),
        "description": item.description,
        "website": item.website,
        "start_date": day(item.start_date),
        "end_date": day(item.end_date),
        "action_lines": [line.value for line in item.action_line_codes],
        "sdgs": item.sdg_numbers,
        "created_at": utc(item.created_at),
        "updated_at": utc(item.updated_at),
    }


def awarded(nomination: Nomination) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id,
        "entry_id": nomination.entry_id,
        "title": nomination.entry.title,
        "organisation": nomination.entry.organisation,
        "country": nomination.entry.country,
    }


def nominated(nomination: Nomination) -> dict[str, Any]:
    return {
        **awarded(nomination),
        "category": nomination.category.number,
        "short_description": nomination.short_description,
    }
