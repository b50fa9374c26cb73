"""Rate limits: per network address and per account, shared by all workers through Redis.

Without ``PRIZES_REDIS_URL`` the counters live in each process's memory, which is right for
one worker and too lenient for several; with it, every worker and host counts together.
The limits themselves are settings (``LIMIT_*``), so an edition under attack can tighten
them without a release.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from limits.storage import MemoryStorage
from werkzeug.exceptions import ServiceUnavailable

from prizes.core.redis_client import connection_options

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_LIMITS = {
    "LIMIT_REGISTER": "5 per minute; 30 per hour",
    "LIMIT_LOGIN_ADDRESS": "20 per minute; 200 per hour",
    # Failed sign-ins to one mailbox from one network; and from anywhere, a looser bound
    # that stops a spread-out guess without locking the owner out for long.
    "LIMIT_LOGIN_ACCOUNT": "5 per minute; 30 per hour",
    "LIMIT_LOGIN_MAILBOX": "60 per hour",
    "LIMIT_MAIL_ADDRESS": "5 per minute; 30 per hour",
    "LIMIT_MAIL_ACCOUNT": "3 per 10 minutes; 10 per day",
    "LIMIT_VOTE_ADDRESS": "120 per minute",
    "LIMIT_VOTE_ACCOUNT": "30 per minute; 200 per hour",
    "LIMIT_RECEIPT": "30 per minute",
    "LIMIT_LANGUAGE": "30 per minute",
    # Proof-of-work challenges (one per registration or vote form sent).
    "LIMIT_POW_CHALLENGE": "120 per minute",
    # The public JSON API (prizes/api), per network address.
    "LIMIT_API": "120 per minute; 3000 per hour",
}


def client_address() -> str:
    """The client's address as seen through the trusted proxies (see ProxyFix in the factory)."""
    return request.remote_addr or "unknown"


def failed(response: Response) -> bool:
    """Count a sign-in attempt against the limits only when it failed."""
    return response.status_code != 302


# No X-RateLimit-* headers: writing them costs every request another read of the counters
# (a Redis round trip); a refused request still says when to come back (``errors.retry_after``).
limiter = Limiter(key_func=client_address, headers_enabled=False)


def setting(name: str) -> Callable[[], str]:
    """A limit read from the settings at request time."""
    return lambda: current_app.config[name]


class SweptMemoryStorage(MemoryStorage):
    """The limits library's memory storage without its timer thread, which it started anew on
    almost every counted request (about 2 ms of CPU per vote). A counter past its window is
    already ignored when read (the storage checks each key's expiry); the sweep that frees
    the memory of expired ones runs in the request itself, at most once a second."""

    STORAGE_SCHEME = ["swept-memory"]  # registered with limits by the class statement
    _swept_at = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's private hook
        moment = time.monotonic()
        if moment - self._swept_at >= 1.0:
            self._swept_at = moment
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    for name, value in DEFAULT_LIMITS.items():
        # PRIZES_LIMIT_LOGIN_ADDRESS="3 per minute" and so on tighten a limit without a release.
        app.config.setdefault(name, os.environ.get(f"PRIZES_{name}", value))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "swept-memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "prizes")
    configure_redis_outage(app)
    limiter.init_app(app)


# --- Redis out of reach (docs/security.md, "Rate limits while Redis is down") -------------

OUTAGE_RETRY_AFTER = 60
_outage = {"requests": 0, "logged_at": 0.0}


def configure_redis_outage(app: Flask) -> None:
    """What the limits do when their Redis refuses or hangs: never a 500.

    Short explicit timeouts and no retries (a hung Redis costs one request 0.3 s, then
    nothing: Flask-Limiter marks the storage dead and checks it again with a growing
    pause); every limit is then counted in this process's memory (Flask-Limiter's in-memory
    fallback), so sign-in, two-factor, vote and receipt-check limits hold per process instead
    of vanishing; errors left over (a deduction after the response) are swallowed and
    logged. The routes that mail someone else's address (registration, resending a
    verification, a password reset) refuse instead, with a 503 (``closed_during_outage``).
    """
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss", "unix")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", connection_options(app))
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)

    @app.after_request
    def _count_fallback(response: Response) -> Response:
        if storage_is_down():
            _outage["requests"] += 1  # the metric, shown by /readyz
            if time.monotonic() - _outage["logged_at"] > 60:  # a line a minute, not a flood
                _outage["logged_at"] = time.monotonic()
                log.warning(
                    "rate limits counted in this process's memory: their Redis is unavailable "
                    "(%d requests so far)",
                    _outage["requests"],
                )
        return response


def storage_is_down() -> bool:
    """True while Flask-Limiter counts in memory because its storage failed.

    Flask-Limiter keeps this as ``_storage_dead`` (4.x); ``tests/test_redis_outage.py``
    fails if a release renames it."""
    return bool(getattr(limiter, "_storage_dead", False))


def fallback_requests() -> int:
    """How many requests this process limited in memory (a metric for /readyz)."""
    return int(_outage["requests"])


UNAVAILABLE_WHILE_LIMITS_DOWN = _l(
    "This request sends mail, and its safety limits are unavailable for a moment. "
    "Please try again in a minute."
)


def closed_during_outage(view: F) -> F:
    """A POST to ``view`` answers 503 with Retry-After while the limits' storage is down.

    For limits that must not loosen: counted per process, they would let a script mail a
    victim's address many times over. Put it under the ``@limiter.limit`` lines, so that
    the limiter has met the outage first."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and storage_is_down():
            raise ServiceUnavailable(
                str(UNAVAILABLE_WHILE_LIMITS_DOWN), retry_after=OUTAGE_RETRY_AFTER
            )
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
