"""A cache for hot public reads, shared by every worker and host through Redis.

Without ``PRIZES_REDIS_URL`` there is no cache: one machine answers from the database, and a
per-process cache would go stale in the other workers. With Redis, entries live under a
version number per scope; a write that changes the data bumps the version (one INCR), so
every worker's next read misses and recomputes. Nothing is ever cleared by hand, and
entries also expire after a while.

Every key holds the language of the page being answered, here at the root: whatever a
caller caches (a rendered fragment, a list with translated names), a reader in French never
gets what was computed for a reader in Arabic.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from prizes.core.i18n import current_language
from prizes.core.redis_client import cache_breaker, client

log = logging.getLogger(__name__)
T = TypeVar("T")
PREFIX = "prizes:cache"


def _client() -> Any | None:
    """Redis for the cache, or None: not configured, or failed a moment ago (the breaker
    keeps a hung Redis from costing every read its timeout)."""
    if cache_breaker.is_open():
        return None
    return client("cache")


def cached(scope: str, key: str, compute: Callable[[], T], *, ttl: int = 300) -> T:
    """``compute()``'s JSON-able result, from the cache when this scope has not changed
    (one entry per language: see the module's note).

    Redis down, refusing or hung: the value is computed, as without a cache (the page
    costs the timeout once, then nothing while the breaker is open)."""
    redis_client = _client()
    current = version(scope)
    if redis_client is None or current is None:
        return compute()
    entry = entry_key(scope, current, key)
    try:
        hit = redis_client.get(entry)
    except Exception as error:  # a cache that is down must not take the page down
        cache_breaker.failed(error)
        return compute()
    if hit is not None:
        return json.loads(hit)
    value = compute()
    try:
        redis_client.set(entry, json.dumps(value), ex=ttl)
    except Exception as error:
        cache_breaker.failed(error)
    return value


def entry_key(scope: str, version: int, key: str) -> str:
    """Where one cached value lives: its scope, the scope's version, the language, the key."""
    return f"{PREFIX}:{scope}:{version}:{current_language()}:{key}"


_MISSING = object()
_VERSIONS = "prizes.cache_versions"
# What each process keeps, by room: the pages' fragments in one, the API's answers (many
# keys, up to 150 KB each) in a smaller one of their own, so that a client walking the API
# never pushes the ballot's cards out.
HERE_ROOMS = {"pages": 512, "api": 64}
_HERE: dict[str, OrderedDict[tuple[str, int, str, str], tuple[float, Any]]] = {
    room: OrderedDict() for room in HERE_ROOMS
}


def version(scope: str) -> int | None:
    """The scope's current version in Redis (read once per request), or None without a
    cache or when Redis does not answer."""
    client = _client()
    if client is None:
        return None
    # Read once per request (kept in its WSGI environ, which no other request shares).
    known = request.environ.setdefault(_VERSIONS, {}) if has_request_context() else {}
    if scope not in known:
        name = f"{PREFIX}:v:{scope}"
        try:
            raw = client.get(name)
            if raw is None:
                # No version yet, or Redis lost its data (restarted, flushed): start from a
                # random number, so that nothing a worker kept under an earlier start of the
                # count can pass for current.
                client.set(name, secrets.randbelow(2**48) + 1, nx=True)
                raw = client.get(name)
            known[scope] = int(raw or 0)
        except Exception as error:  # a cache that is down must not take the page down
            cache_breaker.failed(error)
            return None
    return known[scope]


def cached_here(
    scope: str, key: str, compute: Callable[[], T], *, ttl: int = 300, room: str = "pages"
) -> T:
    """``compute()``'s result (any value: rendered HTML, rows) kept in this process while the
    scope's version in Redis is unchanged, for what is read on every page and changes a few
    times a day: a use costs one version read per request, no transfer and no decoding.
    Every worker sees a bump at once, as with ``cached``; without Redis nothing is kept
    (there would be no way to hear of a change made in another worker)."""
    current = version(scope)
    if current is None:
        return compute()
    kept = _HERE[room]
    entry = (scope, current, current_language(), key)
    stored_at, value = kept.get(entry, (0.0, _MISSING))
    if value is not _MISSING and time.monotonic() - stored_at < ttl:
        kept.move_to_end(entry)
        return value
    value = compute()
    kept[entry] = (time.monotonic(), value)
    while len(kept) > HERE_ROOMS[room]:
        kept.popitem(last=False)
    return value


def bump(*scopes: str) -> None:
    """The data behind ``scopes`` changed: every cached read of them is now stale.

    Skipped while the breaker is open: a bump that is lost leaves entries from before
    the outage that expire within their ttl (300 s at most), the cost of an outage."""
    redis_client = _client()
    if redis_client is None:
        return
    if has_request_context():
        request.environ.pop(_VERSIONS, None)  # this request reads the new versions from now on
    try:
        for scope in scopes:
            redis_client.incr(f"{PREFIX}:v:{scope}")
    except Exception as error:
        cache_breaker.failed(error)
        log.error("cache unavailable: could not invalidate %s", scopes)


_PENDING = "prizes.pending_cache_bumps"


def bump_after_commit(session: Session, *scopes: str) -> None:
    """Invalidate once the change is committed: bumping earlier would let another request
    cache the old data under the new version before the change is visible."""
    session.info.setdefault(_PENDING, set()).update(scopes)


@event.listens_for(Session, "after_commit")
def _bump_pending(session: Session) -> None:
    scopes = session.info.pop(_PENDING, None)
    if scopes:
        bump(*sorted(scopes))


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
