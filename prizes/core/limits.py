"""Rate limits: per network address and per account, shared by all workers through Redis.

Without ``PRIZES_REDIS_URL`` the counters live in each process's memory, which is right for
one worker and too lenient for several; with it, every worker and host counts together.
The limits themselves are settings (``LIMIT_*``), so an edition under attack can tighten
them without a release.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter

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


limiter = Limiter(key_func=client_address, headers_enabled=True)


def setting(name: str) -> Callable[[], str]:
    """A limit read from the settings at request time."""
    return lambda: current_app.config[name]


def init_app(app: Flask) -> None:
    for name, value in DEFAULT_LIMITS.items():
        # PRIZES_LIMIT_LOGIN_ADDRESS="3 per minute" and so on tighten a limit without a release.
        app.config.setdefault(name, os.environ.get(f"PRIZES_{name}", value))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "prizes")
    limiter.init_app(app)
