"""Domain errors and the styled error pages (no stack trace ever reaches a user)."""

from __future__ import annotations

import logging
import re
from contextlib import suppress

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from prizes.db import db
from prizes.extensions import login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the contest refused the action; ``message`` is shown to the user."""

    status_code = 422
    message = _l("This action is not allowed.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(self.message))
        if message is not None:
            self.message = message

    @property
    def code(self) -> str:
        """``AlreadyVoted`` -> ``already_voted``: the refusal's stable name in JSON answers."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()


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
    503: _l("Temporarily unavailable"),
}

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
)
"""What the database raises while it cannot be reached (down, restarting, its file gone,
its pool exhausted): the request may succeed if sent again shortly, so 503, not 500."""

# sqlite3 raises OperationalError for mistakes in the SQL too ("no such table", syntax):
# those stay 500s. These codes (and their extended forms) are the file out of reach.
_SQLITE_UNAVAILABLE = (
    "SQLITE_CANTOPEN",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_READONLY",
)

RETRY_AFTER_SECONDS = 15


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, _database_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error_page(code: int, description: str | None = None) -> tuple[str, int]:
    """The site's error page for ``code``, with ``description`` when it helps the reader."""
    title = _TITLES.get(code, _TITLES[500] if code >= 500 else _TITLES[400])
    return render_template(
        "errors/error.html", code=code, title=title, description=description
    ), code


def retry_after(error: Exception) -> int:
    """The Retry-After of a 429: the refusing limit's window, in seconds."""
    limit = getattr(getattr(error, "limit", None), "limit", None)
    seconds = limit.get_expiry() if limit is not None else 60
    return max(1, int(seconds))


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error_page(
        400, str(_l("The form expired or was not sent from this site. Please try again."))
    )


def _http_error(error: HTTPException) -> tuple[str, int] | Response:
    original = getattr(error, "original_exception", None)
    if original is not None and is_database_unavailable(original):  # raised after the view
        return _database_unavailable(original)
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    if isinstance(error, ServiceUnavailable):
        return _service_unavailable(error)
    description = error.description if code in (400, 403, 413, 422) and _is_custom(error) else None
    if code == 429:  # when to come back
        response = make_response(render_error_page(code, description))
        response.headers["Retry-After"] = str(retry_after(error))
        return response
    return render_error_page(code, description)


def _service_unavailable(error: ServiceUnavailable) -> Response:
    """A 503 raised on purpose (a dependency is down): its message, Retry-After, no-store."""
    message = (
        error.description
        if _is_custom(error)
        else str(_l("The site is temporarily unavailable. Please try again in a few moments."))
    )
    if wants_json():
        response = jsonify(error="unavailable", message=message)
    else:
        page, _code = render_error_page(ServiceUnavailable.code, message)
        response = Response(page, mimetype="text/html")
    response.status_code = ServiceUnavailable.code
    retry_after = getattr(error, "retry_after", None) or RETRY_AFTER_SECONDS
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_custom(error: HTTPException) -> bool:
    """True when the view gave its own description (the default ones are too technical)."""
    return error.description != type(error).description


def _unexpected_error(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return render_error_page(InternalServerError.code)


def is_database_unavailable(error: BaseException) -> bool:
    """True when the database is out of reach rather than the query wrong."""
    if not isinstance(error, DATABASE_UNAVAILABLE):
        return False
    cause = getattr(error, "orig", None)
    name = getattr(cause, "sqlite_errorname", None)
    return name is None or name.startswith(_SQLITE_UNAVAILABLE)


def _database_error(error: Exception) -> tuple[str, int] | Response:
    if is_database_unavailable(error):
        return _database_unavailable(error)
    return _unexpected_error(error)


def _database_unavailable(error: Exception) -> Response:
    """503 with Retry-After while the database cannot be reached: the site's own page (or
    JSON where JSON was asked for), never the driver's message or the connection string.
    Nothing here touches the database, so the page renders during the outage; the next
    request gets a new connection (see ``prizes.db.make_engine``), so no restart is needed."""
    log.warning("database unavailable: %s", unavailable_reason(error))
    with suppress(SQLAlchemyError):
        db.session.rollback()
    # The signed-in user cannot be loaded (or reloaded after the rollback) without the
    # database: show the layout as to a visitor; the session cookie itself is kept.
    g._login_user = login_manager.anonymous_user()
    message = str(_l("The site is temporarily unavailable. Please try again in a few moments."))
    if wants_json():
        response = jsonify(error="unavailable", message=message)
    else:
        page, _code = render_error_page(ServiceUnavailable.code, message)
        response = Response(page, mimetype="text/html")
    response.status_code = ServiceUnavailable.code
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def unavailable_reason(error: Exception) -> str:
    """The driver's own complaint on one line, for the log: without the SQL statement or its
    parameters (which SQLAlchemy's message carries); the driver names the host, never the
    password."""
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {' '.join(str(cause).split())[:300]}"


def wants_json() -> bool:
    """JSON for the JSON exports (``….json``), the health checks, and for clients that ask
    for JSON first."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    json_paths = request.path.endswith(".json") or request.blueprint == "health"
    return json_paths or request.is_json or best == "application/json"
