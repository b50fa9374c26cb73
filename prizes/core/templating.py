"""What templates may call: formatting only, no queries and no permission rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_datetime, get_locale

from prizes.core.clock import GENEVA
from prizes.core.vocabulary import SDG_NAMES, STAKEHOLDER_TYPE_LABELS, country_name


def geneva_time(moment: datetime | None) -> str:
    """A moment in Geneva time, the contest's official clock, e.g. '3 March 2027, 23:00 CET'."""
    if moment is None:
        return ""
    local = moment.astimezone(GENEVA)
    return f"{format_datetime(local.replace(tzinfo=None), 'd MMMM y, HH:mm')} {local.tzname()}"


def url_with(endpoint: str, **changes: Any) -> str:
    """A link to ``endpoint`` keeping the current page's query, with ``changes`` applied.

    Keys that ``url_for`` would take as its own options (``_external``, ``_anchor``, ...) or as
    path arguments are dropped, so a crafted query string cannot break the page.
    """
    view_args = dict(request.view_args or {})
    query = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_")
        and key not in view_args
        and key not in changes
        and key != "endpoint"
    }
    values: dict[str, Any] = {**view_args, **query, **changes}
    return url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["geneva_time"] = geneva_time
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["stakeholder_type"] = lambda value: (
        STAKEHOLDER_TYPE_LABELS.get(value, value) if value else ""
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["sdg_names"] = SDG_NAMES
    app.jinja_env.globals["url_with"] = url_with
