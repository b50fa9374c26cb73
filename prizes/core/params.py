"""Numbers from the address bar, bounded before they reach the database.

Every key column is a 32-bit integer on PostgreSQL, where a larger number in a query is an
"integer out of range" error (a 500), not an empty answer. So ``<int:...>`` in a route is
limited to that range app-wide (a larger number matches no route: 404), and the numbers
read from a query string go through ``int_arg`` (a number out of range, or not a number: 400).
"""

from __future__ import annotations

from typing import Any, overload

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def _digits_up_to(limit: int) -> str:
    """A regular expression for the whole numbers from 0 to ``limit``: shorter numbers,
    then each prefix of ``limit`` followed by a smaller digit, then ``limit`` itself."""
    text = str(limit)
    parts = [rf"\d{{1,{len(text) - 1}}}"]
    for index, digit in enumerate(text):
        rest = len(text) - index - 1
        low = "1" if index == 0 else "0"
        if int(digit) > int(low):
            tail = rf"\d{{{rest}}}" if rest else ""
            parts.append(f"{text[:index]}[{low}-{int(digit) - 1}]{tail}")
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """``<int:...>``: a whole number from 0 to ``MAX_ID``; anything else is no match (404).

    The bound is in the pattern, not only in the conversion: a number that matched the
    pattern and failed conversion would make the router answer 405 to a POST whose path a
    GET rule also has."""

    regex = _digits_up_to(MAX_ID)

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


@overload
def int_arg(name: str, default: int, *, minimum: int = 0) -> int: ...
@overload
def int_arg(name: str, default: None = None, *, minimum: int = 0) -> int | None: ...
def int_arg(name: str, default: int | None = None, *, minimum: int = 0) -> int | None:
    """The query parameter ``name`` as an integer from ``minimum`` to ``MAX_ID``; ``default``
    when absent or empty; 400 for anything else (a word, a sign, a number out of range)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not minimum <= int(raw) <= MAX_ID:
        abort(400, description=_("“%(name)s” must be a whole number.", name=name))
    return int(raw)
