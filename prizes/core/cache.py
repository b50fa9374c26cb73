"""A cache for hot public reads, shared by every worker and host through Redis.

Without ``PRIZES_REDIS_URL`` there is no cache: one machine answers from the database, and a
per-process cache would go stale in the other workers. With Redis, entries live under a
version number per scope; a write that changes the data bumps the version (one INCR), so
every worker's next read misses and recomputes. Nothing is ever cleared by hand, and
entries also expire after a while.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")
PREFIX = "prizes:cache"


def _client() -> Any | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("prizes.cache", {})
    if url not in clients:
        import redis

        clients[url] = redis.Redis.from_url(url, socket_timeout=1)
    return clients[url]


def cached(scope: str, key: str, compute: Callable[[], T], *, ttl: int = 300) -> T:
    """``compute()``'s JSON-able result, from the cache when this scope has not changed."""
    client = _client()
    if client is None:
        return compute()
    try:
        version = int(client.get(f"{PREFIX}:v:{scope}") or 0)
        entry = f"{PREFIX}:{scope}:{version}:{key}"
        hit = client.get(entry)
        if hit is not None:
            return json.loads(hit)
        value = compute()
        client.set(entry, json.dumps(value), ex=ttl)
        return value
    except Exception:  # a cache that is down must not take the page down
        log.exception("cache unavailable for %s", scope)
        return compute()


def bump(*scopes: str) -> None:
    """The data behind ``scopes`` changed: every cached read of them is now stale."""
    client = _client()
    if client is None:
        return
    try:
        for scope in scopes:
            client.incr(f"{PREFIX}:v:{scope}")
    except Exception:
        log.exception("cache unavailable: could not invalidate %s", scopes)


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
