"""The public, read-only JSON API at /api/v1/, described by OpenAPI 3.1.

Built on flask-smorest: it attaches to the plain ``Flask`` app of the factory (APIFlask would
have the app itself be an ``APIFlask``), generates the OpenAPI document from the marshmallow
schemas of the views, and parses the query strings with webargs. Everything here is GET:
that is why the API needs no CSRF token, and why CORS is open to any origin.

Every answer (errors too) is JSON with an ``ETag`` and a ``Cache-Control``; a client that
sends the ETag back in ``If-None-Match`` gets a 304. Errors have one shape,
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Api as SmorestApi
from werkzeug.exceptions import HTTPException

from prizes.core.errors import retry_after

PREFIX = "/api/v1"
# Answers are public and the same for everyone; a minute of caching by browsers and proxies
# is short enough for the phases of a contest that move on a date.
CACHE_CONTROL = "public, max-age=60"

_MESSAGES = {
    400: _l("A parameter is missing or not valid."),
    404: _l("There is no such resource, or it is not public yet."),
    405: _l("The API is read-only: only GET is answered."),
    429: _l("Too many requests; please wait before asking again."),
    500: _l("Something went wrong on our side."),
    503: _l("The service is unavailable for a moment; please try again shortly."),
}


class Api(SmorestApi):
    """flask-smorest's Api, without its app-wide error handler: the site keeps its HTML
    error pages, and the API answers its own errors (see :func:`error_response`)."""

    def _register_error_handlers(self) -> None:
        return None


_limited: list[str] = []


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_response(status: int, code: str, message: str) -> Response:
    """The API's one error format."""
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    message = _validation_message(data.get("messages")) if data else None
    if message is None:
        custom = error.description != type(error).description
        described = error.description if custom else None
        message = described or str(_MESSAGES.get(status, error.name))
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(status)
    response = error_response(status, code or error.name.lower().replace(" ", "_"), message)
    if status == 429:
        response.headers["Retry-After"] = str(retry_after(error))
    return response


def _validation_message(messages: Any) -> str | None:
    """webargs' errors, ``{"query": {"limit": ["..."]}}``, as one readable sentence."""
    if not isinstance(messages, dict):
        return None
    parts = []
    for fields in messages.values():
        if isinstance(fields, dict):
            for name, problems in fields.items():
                text = "; ".join(str(p) for p in problems) if isinstance(problems, list) else ""
                parts.append(f"{name}: {text or problems}")
    return " ".join(parts) or None


def _wrap(site_handler: Callable[[Any], Any], api_handler: Callable[[Any], Any]) -> Any:
    def handler(error: Any) -> Any:
        return api_handler(error) if is_api_request() else site_handler(error)

    return handler


def _in_api_format(site_handler: Callable[[Any], Any]) -> Any:
    """The site's own handler (it logs, rolls back and knows an outage from a bug), its
    answer turned into the API's error format on an API path."""

    def handler(error: Any) -> Any:
        answer = site_handler(error)
        if not is_api_request():
            return answer
        site = current_app.make_response(answer)
        status = site.status_code
        code = "unavailable" if status == 503 else "internal_error"
        message = str(_MESSAGES.get(status, _MESSAGES[500]))
        response = error_response(status, code, message)
        if "Retry-After" in site.headers:
            response.headers["Retry-After"] = site.headers["Retry-After"]
        return response

    return handler


def _finish(response: Response) -> Response:
    """ETag, caching and CORS on every API answer; 304 when the client has this one."""
    if not is_api_request():
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    headers["Access-Control-Allow-Headers"] = "Accept-Language, If-None-Match"
    headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
    headers["Vary"] = "Accept-Language"
    if response.status_code >= 400:
        headers["Cache-Control"] = "no-store" if response.status_code >= 429 else "no-cache"
    else:
        headers["Cache-Control"] = CACHE_CONTROL
    if not response.direct_passthrough and request.method in ("GET", "HEAD"):
        response.add_etag()
        if response.status_code == 200:
            response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    """Attach the API; called after the site's error handlers are registered, so that the
    API's own wrap them (an API path answers JSON, any other path the site's page)."""
    from prizes.api.schemas import Error
    from prizes.api.views import bp
    from prizes.core.limits import limiter, setting

    Api.ERROR_SCHEMA = Error

    app.config.update(
        API_TITLE="WSIS Prizes open data",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api()
    api.init_app(
        app,
        spec_kwargs={
            "info": {
                "description": "The public data of the WSIS Prizes: editions, categories, "
                "stocktaking entries, nominated lists and published results. Read-only.",
                "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
            }
        },
    )
    api.register_blueprint(bp)
    for name in (bp.name, "api-docs"):  # the limiter is one for every app: limit once
        if name not in _limited:
            limiter.limit(setting("LIMIT_API"))(cast(Blueprint, app.blueprints[name]))
            _limited.append(name)
    site_handlers = dict(app.error_handler_spec.get(None, {}).get(None, {}))
    for error_class, site_handler in site_handlers.items():
        if isinstance(error_class, type) and issubclass(error_class, HTTPException):
            app.register_error_handler(error_class, _wrap(site_handler, _http_error))
        else:
            app.register_error_handler(error_class, _in_api_format(site_handler))
    app.after_request(_finish)
