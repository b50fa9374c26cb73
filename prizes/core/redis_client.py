"""Redis as the request path sees it: short explicit timeouts, no silent retries, and a
pause after a failure.

A Redis that refuses costs a request one refused connection; a Redis that accepts and never
answers costs it ``REDIS_SOCKET_TIMEOUT`` (0.3 s by default), once: after a failure the
caller leaves Redis alone for ``REDIS_RETRY_SECONDS`` (a small circuit breaker per process)
and goes on without it. redis-py retries a timed-out command three times by default; here it
does not, so the timeout is what a request pays, not four times it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)


def connection_options(app: Flask, *, socket_timeout: float | None = None) -> dict[str, Any]:
    """The keyword arguments for ``redis.Redis``/``ConnectionPool.from_url`` everywhere the
    app talks to Redis (the limiter, the cache, the job queue, the readiness probe)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_connect_timeout": float(app.config["REDIS_CONNECT_TIMEOUT"]),
        "socket_timeout": float(socket_timeout or app.config["REDIS_SOCKET_TIMEOUT"]),
        "retry": Retry(NoBackoff(), 0),
    }


def client(purpose: str) -> Any | None:
    """This process's client for ``purpose`` ("cache", "health"), or None without Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("prizes.redis", {})
    key = (purpose, url)
    if key not in clients:
        import redis

        clients[key] = redis.Redis.from_url(url, **connection_options(current_app))
    return clients[key]


class Breaker:
    """Open for ``REDIS_RETRY_SECONDS`` after a failure: callers skip Redis meanwhile."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.failures = 0  # a metric: how many times Redis failed this process

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            was_open = self.is_open()
            self._open_until = time.monotonic() + float(
                current_app.config.get("REDIS_RETRY_SECONDS", 5)
            )
        if not was_open:  # one line per outage and process, not one per request
            log.warning(
                "redis unavailable for %s (%s: %s); going on without it",
                self.name,
                type(error).__name__,
                error,
            )

    def closed(self) -> None:
        self._open_until = 0.0


cache_breaker = Breaker("cache")
queue_breaker = Breaker("job queue")
