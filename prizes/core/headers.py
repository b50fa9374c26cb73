"""Security headers on every response; no-store on anything that depends on the user."""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # The proof-of-work widget computes in a worker, a file from static/ (never blob:).
        "worker-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_bytes() -> None:
        """No text field has a use for NUL, and PostgreSQL refuses to store one."""
        if any("\x00" in value for value in request.values.values()):
            abort(400)

    @app.after_request
    def _set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # The session says who is signed in; asking the user object could reload it.
        if "_user_id" in session or request.method != "GET":
            headers["Cache-Control"] = "no-store"
        # No cookie on the API's public, cacheable answers either.
        if "device" not in request.cookies and not request.path.startswith(("/static/", "/api/")):
            # A random, meaningless id: the fraud checks keep only its keyed hash, to see
            # many accounts used from one browser.
            response.set_cookie(
                "device",
                secrets.token_urlsafe(16),
                max_age=400 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response
