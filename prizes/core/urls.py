"""Absolute links for mails, also from CLI commands where no request is at hand."""

from __future__ import annotations

from typing import Any, TypeGuard
from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail, always on ``PRIZES_BASE_URL``.

    Never on the request's Host header: a forged Host would otherwise send a victim a
    password-reset link that leads to the attacker's site.
    """
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def is_safe_next(target: str | None) -> TypeGuard[str]:
    """Only local paths may follow a login: never another host, scheme or ``//host``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
