"""The marshmallow schemas of the API: they document the answers in the OpenAPI document
and parse the query strings (webargs). The views build the answers as plain dicts (cheap,
and cached), so these describe them rather than dump them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from prizes.core.vocabulary import ActionLine, StakeholderType

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # cache-busting or tracking parameters are ignored


class LangArgs(_Strict):
    lang = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "Language of the labels; else Accept-Language, else English."},
    )


class EntryArgs(LangArgs):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words."})
    category = fields.Integer(
        validate=validate.Range(1, 18), metadata={"description": "Category number."}
    )
    action_line = fields.String(validate=validate.OneOf([line.value for line in ActionLine]))
    sdg = fields.Integer(validate=validate.Range(1, 17))
    country = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{2}$"),
        metadata={"description": "ISO 3166-1 alpha-2 code, or XX for international."},
    )
    stakeholder_type = fields.String(
        validate=validate.OneOf([kind.value for kind in StakeholderType])
    )
    year = fields.Integer(
        validate=validate.Range(1900, 2200), metadata={"description": "Year the project started."}
    )
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(["newest", "title", "relevance"]),
        metadata={"description": "relevance needs q."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
    cursor = fields.String(
        validate=validate.Length(max=400),
        metadata={"description": "The next_cursor of the previous page."},
    )


class PageArgs(LangArgs):
    category = fields.Integer(validate=validate.Range(1, 18))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))


class Timeline(ma.Schema):
    submission_opens_at = fields.String(required=True, metadata={"format": "date-time"})
    submission_closes_at = fields.String(required=True, metadata={"format": "date-time"})
    review_closes_at = fields.String(required=True, metadata={"format": "date-time"})
    selection_closes_at = fields.String(required=True, metadata={"format": "date-time"})
    nominated_list_announced_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    champions_announced_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    results_published_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class Round(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    opens_at = fields.String(required=True, metadata={"format": "date-time"})
    closes_at = fields.String(required=True, metadata={"format": "date-time"})
    final = fields.Boolean(required=True)
    transparency = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The round's transparency report, once it is public."},
    )


class Edition(ma.Schema):
    year = fields.Integer(required=True)
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    phase = fields.String(
        required=True,
        validate=validate.OneOf(
            ["upcoming", "submission", "review", "voting", "selection", "announced"]
        ),
    )
    timeline = fields.Nested(Timeline, required=True)
    rounds = fields.List(fields.Nested(Round), required=True)
    nominated_list_public = fields.Boolean(required=True)
    results_published = fields.Boolean(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class EditionList(ma.Schema):
    editions = fields.List(fields.Nested(Edition), required=True)


class ActionLineOut(ma.Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class Category(ma.Schema):
    number = fields.Integer(required=True)
    slug = fields.String(required=True)
    label = fields.String(required=True)
    action_line = fields.String(required=True)


class Vocabulary(ma.Schema):
    lang = fields.String(required=True)
    categories = fields.List(fields.Nested(Category), required=True)
    action_lines = fields.List(fields.Nested(ActionLineOut), required=True)


class Entry(ma.Schema):
    id = fields.Integer(required=True)
    external_id = fields.String(allow_none=True, required=True)
    title = fields.String(required=True)
    organisation = fields.String(required=True)
    stakeholder_type = fields.String(required=True)
    country = fields.String(
        required=True, metadata={"description": "ISO 3166-1 alpha-2; XX: international."}
    )
    countries = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    website = fields.String(allow_none=True, required=True)
    start_date = fields.String(allow_none=True, required=True, metadata={"format": "date"})
    end_date = fields.String(allow_none=True, required=True, metadata={"format": "date"})
    action_lines = fields.List(fields.String(), required=True)
    sdgs = fields.List(fields.Integer(), required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    updated_at = fields.String(required=True, metadata={"format": "date-time"})


class EntryPage(ma.Schema):
    entries = fields.List(fields.Nested(Entry), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class NominatedItem(ma.Schema):
    nomination_id = fields.Integer(required=True)
    category = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    title = fields.String(required=True)
    organisation = fields.String(required=True)
    country = fields.String(required=True)
    short_description = fields.String(required=True)


class NominatedPage(ma.Schema):
    edition = fields.Integer(required=True)
    announced_at = fields.String(required=True, metadata={"format": "date-time"})
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)
    nominations = fields.List(fields.Nested(NominatedItem), required=True)


class Awarded(ma.Schema):
    nomination_id = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    title = fields.String(required=True)
    organisation = fields.String(required=True)
    country = fields.String(required=True)


class CategoryResult(ma.Schema):
    category = fields.Integer(required=True)
    label = fields.String(required=True)
    winners = fields.List(fields.Nested(Awarded), required=True)
    champions = fields.List(fields.Nested(Awarded), required=True)


class CountRow(ma.Schema):
    nomination_id = fields.Integer(required=True)
    rank = fields.Integer(required=True)
    votes = fields.Integer(required=True)
    share = fields.Float(required=True)
    shortlisted = fields.Boolean(required=True)


class RoundCounts(ma.Schema):
    round_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    categories = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(CountRow)), required=True
    )


class Results(ma.Schema):
    edition = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["champions", "published"]))
    categories = fields.List(fields.Nested(CategoryResult), required=True)
    counts = fields.List(fields.Nested(RoundCounts), required=True)


class Head(ma.Schema):
    """A signed tree head of a round's vote log (docs/transparency.md)."""

    round_id = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    root_hash = fields.String(required=True)
    signed_at = fields.String(required=True, metadata={"format": "date-time"})
    signature = fields.String(required=True)
    key_id = fields.String(required=True)
    final = fields.Boolean(required=True)


class DayCount(ma.Schema):
    day = fields.String(required=True, metadata={"format": "date"})
    votes = fields.Integer(required=True)


class IntegrityDecision(ma.Schema):
    nomination_id = fields.Integer(required=True)
    suspect_share = fields.Float(required=True)
    decision = fields.String(required=True, metadata={"enum": ["pending", "kept", "disqualified"]})


class DisputeOutcome(ma.Schema):
    number = fields.Integer(required=True)
    about = fields.String(required=True, metadata={"enum": ["vote", "nomination", "result"]})
    state = fields.String(required=True)
    outcome = fields.String(required=True, allow_none=True)
    opened_on = fields.String(required=True, metadata={"format": "date"})
    closed_on = fields.String(required=True, allow_none=True, metadata={"format": "date"})


class Transparency(ma.Schema):
    """A round's transparency report, and where its vote log and signed heads are."""

    round_id = fields.Integer(required=True)
    round = fields.String(required=True)
    edition = fields.Integer(required=True)
    votes_cast = fields.Integer(required=True)
    valid = fields.Integer(required=True)
    invalidated = fields.Integer(required=True)
    invalidated_by_reason = fields.Dict(
        keys=fields.String(), values=fields.Integer(), required=True
    )
    flags = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
    )
    votes_per_day = fields.List(fields.Nested(DayCount), required=True)
    distinct_voters = fields.Integer(required=True)
    distinct_networks = fields.Integer(required=True)
    final_head = fields.Nested(Head, required=True, allow_none=True)
    integrity_reviews = fields.List(fields.Nested(IntegrityDecision), required=True)
    disputes = fields.List(fields.Nested(DisputeOutcome), required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ArchiveItem(ma.Schema):
    year = fields.Integer(required=True)
    title = fields.String(required=True)
    results_published_at = fields.String(required=True, metadata={"format": "date-time"})
    winners = fields.Integer(required=True)
    champions = fields.Integer(required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class Archive(ma.Schema):
    editions = fields.List(fields.Nested(ArchiveItem), required=True)


class ErrorBody(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class Error(ma.Schema):
    """The one error format of every API answer that is not a success."""

    error = fields.Nested(ErrorBody, required=True)
