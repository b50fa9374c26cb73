"""What templates may call: formatting only, no queries and no permission rules."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from babel import Locale, dates, numbers
from flask import Flask, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from prizes.core.clock import GENEVA
from prizes.core.i18n import current_language
from prizes.core.vocabulary import (
    SDG_NAMES,
    STAKEHOLDER_TYPE_LABELS,
    action_line_label,
    country_name,
)


def geneva_time(moment: datetime | None) -> str:
    """A moment in Geneva time, the contest's official clock, written as the reader's
    language writes dates: '3 March 2027, 23:00 Geneva time', '2027年3月3日 23:00 日内瓦时间'."""
    if moment is None:
        return ""
    locale = Locale.parse(format_locale())
    local = moment.astimezone(GENEVA)
    day = dates.format_date(local, "long", locale=locale)
    hour = dates.format_time(local, "short", tzinfo=GENEVA, locale=locale)
    stamp = locale.datetime_formats["medium"].format(hour, day).replace("'", "")
    return str(_l("%(moment)s Geneva time", moment=stamp))


def format_locale() -> str:
    """The Babel locale that formats dates and numbers: the page's language, with English
    written the international way (24-hour clock, day before month)."""
    language = current_language()
    return "en_GB" if language == "en" else language


def number(value: float | int | None) -> str:
    """A count or figure as the reader's language writes it (12,345 / 12 345 / ١٢٬٣٤٥)."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=format_locale())


def url_with(endpoint: str, **changes: Any) -> str:
    """A link to ``endpoint`` keeping the current page's query, with ``changes`` applied.

    Keys that ``url_for`` would take as its own options (``_external``, ``_anchor``, ...) or as
    path arguments are dropped, so a crafted query string cannot break the page.
    """
    view_args = dict(request.view_args or {})
    # The target's own path arguments come from the path, never from the query (?year= on
    # a page without a year would otherwise pick the endpoint's rule that has one).
    path_arguments = {
        name for rule in current_app.url_map.iter_rules(endpoint) for name in rule.arguments
    }
    query = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_")
        and key not in view_args
        and key not in path_arguments
        and key not in changes
        and key != "endpoint"
    }
    values: dict[str, Any] = {**view_args, **query, **changes}
    return url_for(endpoint, **values)


def percent(share: float | None) -> str:
    """A share (0.5) as a percentage with one decimal, as the language writes it (50.0%,
    50,0 %)."""
    if share is None:
        return ""
    locale = Locale.parse(format_locale())
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (1, 1)
    return pattern.apply(share, locale)


def decimal(value: float | None, places: int = 2) -> str:
    """A score with ``places`` decimals and the language's decimal sign (3.14, 3,14)."""
    if value is None:
        return ""
    return numbers.format_decimal(value, format="#,##0." + "0" * places, locale=format_locale())


def day(value: date | None) -> str:
    """A calendar day as the language writes it (3 Mar 2027, 3 mars 2027, 2027年3月3日)."""
    return dates.format_date(value, "medium", locale=format_locale()) if value else ""


def current_page() -> str:
    """Where the language switcher brings the reader back: this page with its query, less
    the keys ``url_with`` drops (so nothing in the query can steer the link)."""
    if request.method == "GET" and request.endpoint and request.endpoint != "static":
        try:
            return url_with(request.endpoint)
        except Exception:  # a page whose address cannot be rebuilt: its path alone
            return request.path
    return request.path


def init_app(app: Flask) -> None:
    app.jinja_env.filters["geneva_time"] = geneva_time
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["action_line"] = action_line_label
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["stakeholder_type"] = lambda value: (
        STAKEHOLDER_TYPE_LABELS.get(value, value) if value else ""
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["sdg_names"] = SDG_NAMES
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["current_page"] = current_page
