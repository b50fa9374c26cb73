"""Health and readiness endpoints, and the request id."""

from __future__ import annotations

import socket

from tests.conftest import redis_test_url, require_redis


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok"}


def test_readiness_names_an_unreachable_redis_but_stays_in_service(app, client, monkeypatch):
    """Every host shares the one Redis: a 503 would take them all out of the load balancer
    at once, while each can serve without it (docs/deploy.md)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{port}/0")
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json["status"] == "degraded"
    assert response.json["checks"] == {"database": "ok", "redis": "unavailable"}


def test_readiness_with_the_local_redis(app, client, monkeypatch):
    require_redis(redis_test_url(12))
    monkeypatch.setitem(app.config, "REDIS_URL", redis_test_url(12))
    assert client.get("/readyz").json["checks"]["redis"] == "ok"


def test_every_response_carries_a_request_id(client, caplog):
    caplog.set_level("INFO", logger="prizes.requests")
    response = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert "request_id=abc-123 method=GET path=/ status=200" in caplog.text
    assert len(client.get("/").headers["X-Request-ID"]) == 16
