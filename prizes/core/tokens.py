"""Signed, expiring, single-use tokens for links sent by mail.

Each purpose has its own salt, so a token made for one purpose is refused for another. A
token also carries a fingerprint of the state it may change (for a reset, the password hash):
once that state changes, the token no longer matches, which makes it single use.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The token is forged, for another purpose, expired or already used."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"prizes.{purpose}")


def fingerprint(*parts: Any) -> str:
    joined = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def make_token(purpose: str, subject_id: int, state: str) -> str:
    return _serializer(purpose).dumps({"id": subject_id, "fp": state})


def read_token(token: str, purpose: str, *, max_age: int) -> tuple[int, str]:
    """Return the subject id and state fingerprint, or raise :class:`InvalidToken`."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except BadSignature as exc:
        raise InvalidToken("bad signature") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        raise InvalidToken("malformed")
    return payload["id"], str(payload.get("fp", ""))
