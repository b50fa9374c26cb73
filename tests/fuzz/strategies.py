"""Hostile values for form fields and query parameters, and the forms' shapes."""

from __future__ import annotations

import io
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest on purpose: every POST route and every GET route gets its own run. A longer hunt:
# PRIZES_FUZZ_EXAMPLES=200 pytest tests/fuzz
FUZZ = settings(
    max_examples=int(os.environ.get("PRIZES_FUZZ_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

SPECIAL = [
    "",
    " ",
    "\u202eevil\u202c",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "\U0001f600\U0001f468\u200d\U0001f469\u200d\U0001f467",  # emoji, a joined family
    "\x00",
    "a\x00b",
    "\x01\x07\x1b[31m\x7f",
    "\r\nSet-Cookie: x=1",
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    '" UNION SELECT password_hash FROM users --',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}{% raw %}",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
    "%00%0a",
    "-1",
    "0",
    "-0",
    "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    "1e309",
    "NaN",
    "-inf",
    "3.14",
    "2024-02-30",
    "0000-00-00T00:00",
    "9999-12-31T23:59",
    "true",
    "null",
    "[]",
    "{}",
]

hostile = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=12000),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def one_or_many(values: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    """A field sent once, or repeated (``a=1&a=2``)."""
    return st.one_of(values, st.lists(values, min_size=2, max_size=3))


def field_value(plausible: list[str] | None) -> st.SearchStrategy[object]:
    """Mostly hostile; sometimes a value the form accepts, so the request gets deeper."""
    if plausible:
        return one_or_many(st.one_of(st.sampled_from(plausible), hostile))
    return one_or_many(hostile)


def upload() -> st.SearchStrategy[tuple[io.BytesIO, str]]:
    """A file part: random bytes or a fake image header, under a hostile name."""
    content = st.one_of(
        st.binary(max_size=2000),
        st.binary(max_size=500).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
        st.binary(max_size=500).map(lambda b: b"\xff\xd8\xff\xe0" + b),
    )
    names = st.one_of(
        st.sampled_from(["x.png", "../../x.png", "a.php.jpg", ""]), st.text(max_size=40)
    )
    return st.tuples(content, names).map(lambda pair: (io.BytesIO(pair[0]), pair[1]))


def form_data(
    fields: dict[str, list[str] | None], files: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, object]]:
    """Half the time a free mix (fields missing, repeated, hostile, unknown ones added);
    half the time every field plausible but one, so the hostile value gets past the other
    fields' checks and reaches the service and the database."""
    return st.one_of(_mixed(fields, files), _one_hostile(fields))


def _one_hostile(fields: dict[str, list[str] | None]) -> st.SearchStrategy[dict[str, object]]:
    plausible = {name: values for name, values in fields.items() if values}
    if not plausible:
        return _mixed(fields, ())
    valid = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in plausible.items()})
    chosen = st.sampled_from(sorted(fields))
    return st.tuples(valid, chosen, hostile).map(lambda t: {**t[0], t[1]: t[2]})


def _mixed(
    fields: dict[str, list[str] | None], files: tuple[str, ...]
) -> st.SearchStrategy[dict[str, object]]:
    """Some of the form's fields (missing ones too), with hostile or plausible values, and a
    few fields the form does not have."""
    known = st.fixed_dictionaries(
        {},
        optional={name: field_value(plausible) for name, plausible in fields.items()}
        | {name: upload() for name in files},
    )
    unknown = st.dictionaries(
        st.one_of(
            st.sampled_from(["id", "user_id", "role", "status", "is_admin", "csrf"]),
            hostile.filter(bool),
        ),
        one_or_many(hostile),
        max_size=2,
    )
    return st.tuples(unknown, known).map(lambda parts: {**parts[0], **parts[1]})


# Every query parameter a page reads, and a few it should ignore.
QUERY_PARAMETERS = [
    "q",
    "category",
    "action_line",
    "sdg",
    "country",
    "stakeholder_type",
    "year",
    "sort",
    "page",
    "code",
    "edition",
    "role",
    # The audit trail's filters and cursors, and the outbox's state.
    "actor",
    "action",
    "object_type",
    "object_id",
    "from",
    "to",
    "size",
    "before",
    "after",
    "state",
    "status",
    "next",
    "endpoint",
    "_external",
    "_anchor",
]
