"""Absolute links for mails, also from CLI commands where no request is at hand."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values: Any) -> str:
    """``PRIZES_BASE_URL`` when set (behind a proxy), else the request's own host."""
    base = current_app.config.get("BASE_URL")
    if has_request_context() and not base:
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or DEFAULT_BASE_URL):
        return url_for(endpoint, _external=True, **values)


def is_safe_next(target: str | None) -> bool:
    """Only local paths may follow a login: never another host, scheme or ``//host``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
