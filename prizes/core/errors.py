"""Domain errors and the styled error pages (no stack trace ever reaches a user)."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from prizes.db import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the contest refused the action; ``message`` is shown to the user."""

    status_code = 422
    message = _l("This action is not allowed.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(self.message))
        if message is not None:
            self.message = message


class NotAllowed(DomainError):
    status_code = 403
    message = _l("You are not allowed to do that.")


_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("Upload too large"),
    422: _l("Request refused"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _render(code: int, description: str | None = None) -> tuple[str, int]:
    title = _TITLES.get(code, _TITLES[500] if code >= 500 else _TITLES[400])
    return render_template(
        "errors/error.html", code=code, title=title, description=description
    ), code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _render(
        400, str(_l("The form expired or was not sent from this site. Please try again."))
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    description = error.description if code in (400, 403, 413, 422) and _is_custom(error) else None
    return _render(code, description)


def _is_custom(error: HTTPException) -> bool:
    """True when the view gave its own description (the default ones are too technical)."""
    return error.description != type(error).description


def _unexpected_error(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return _render(InternalServerError.code)
