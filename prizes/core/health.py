"""Health and readiness for load balancers and orchestrators; request ids in the logs."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Blueprint, Flask, Response, g, jsonify, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from prizes.core.errors import RETRY_AFTER_SECONDS, is_database_unavailable, unavailable_reason
from prizes.core.limits import fallback_requests, storage_is_down
from prizes.core.redis_client import cache_breaker, client, queue_breaker
from prizes.db import db

bp = Blueprint("health", __name__)
log = logging.getLogger("prizes.requests")


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """The process answers: nothing else is checked, so a slow database never restarts it."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready to serve: 503 when the database does not answer (no page works without it).

    Redis is checked and named too, but its failure answers 200 with ``"status":
    "degraded"``: every host shares one Redis, so a 503 there would take every host out of
    the load balancer at once, while each can serve (limits in memory, no cache, mail
    recorded in the outbox). Monitoring alerts on "degraded"; see docs/deploy.md."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means "not ready"
        if is_database_unavailable(error):  # as for the pages' 503: one line, no trace
            log.warning("readiness: database unavailable: %s", unavailable_reason(error))
        else:
            log.exception("readiness: database")
        checks["database"] = "unavailable"
    redis_client = client("health")
    if redis_client is not None:
        try:
            redis_client.ping()
            checks["redis"] = "ok"
        except Exception as error:
            log.warning("readiness: redis unavailable: %s: %s", type(error).__name__, error)
            checks["redis"] = "unavailable"
    if storage_is_down():
        checks["rate_limits"] = "in memory"
    metrics = {
        "rate_limit_fallback_requests": fallback_requests(),
        "cache_redis_failures": cache_breaker.failures,
        "queue_redis_failures": queue_breaker.failures,
    }
    headers = {"Cache-Control": "no-store"}
    if checks["database"] != "ok":
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return jsonify(status="not ready", checks=checks, metrics=metrics), 503, headers
    status = "ready" if all(value == "ok" for value in checks.values()) else "degraded"
    return jsonify(status=status, checks=checks, metrics=metrics), 200, headers


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start() -> None:
        # Keep a request id from the proxy when it sends one, else make one.
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (
            incoming[:64] if incoming.isprintable() and incoming else secrets.token_hex(8)
        )
        g.started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if not request.path.startswith("/static/"):
            fields = {
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
                ),
                # From the session, not the user object: after a commit that would reload it.
                "user": session.get("_user_id", "-"),
            }
            # logfmt: one line of key=value pairs that log tools parse without a schema.
            log.info(" ".join(f"{key}={value}" for key, value in fields.items()))
        return response
