"""Two app servers (separate gunicorn processes on two loopback ports) sharing one database
and one Redis: a session made on one works on the other, a rate limit counts across both,
and a vote cast on one is refused as a duplicate on the other."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.db import db
from tests.conftest import PASSWORD, free_port, redis_test_url, require_redis, separate_database
from tests.live import Browser

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "multi_process_test"
REDIS_URL = redis_test_url(14)


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    with separate_database(tmp_path, SCHEMA) as url:
        yield url


@pytest.fixture
def two_servers(tmp_path: Path, shared_database: str) -> Iterator[tuple[dict[str, str], list[int]]]:
    require_redis(REDIS_URL)
    env = {
        **os.environ,
        "PRIZES_DATABASE_URL": shared_database,
        "PRIZES_REDIS_URL": REDIS_URL,
        "PRIZES_SECRET_KEY": "shared-between-hosts",
        "PRIZES_INSTANCE_PATH": str(tmp_path / "instance"),
        "PRIZES_JOBS_IMMEDIATE": "1",
        "PRIZES_ARGON2_TIME_COST": "1",
        "PRIZES_ARGON2_MEMORY_COST": "1024",
        "PRIZES_ARGON2_PARALLELISM": "1",
        "PRIZES_LIMIT_LOGIN_ADDRESS": "4 per minute",
    }
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and settings
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            _wait_until_ready(port)
        yield env, ports
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        redis.Redis.from_url(REDIS_URL).flushdb()


def _wait_until_ready(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = Browser(port).request("GET", "/readyz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} did not become ready")


def _contest(env: dict[str, str]) -> tuple[int, int, str]:
    from tests.factories import make_edition, make_nomination, make_round, make_user

    app = create_app(
        {
            "DATABASE_URL": env["PRIZES_DATABASE_URL"],
            "INSTANCE_PATH": env["PRIZES_INSTANCE_PATH"],
            "SECRET_KEY": env["PRIZES_SECRET_KEY"],
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1,
        }
    )
    with app.app_context():
        upgrade_database()
        edition = make_edition()
        nomination = make_nomination(edition=edition)
        voting_round = make_round(edition=edition, nominations=[nomination])
        voter = make_user()
        result = voting_round.id, nomination.id, voter.email
        db.session.commit()
        db.session.close()
        db.engine.dispose()
    return result


def _login(browser: Browser, email: str, password: str) -> int:
    form: dict[str, Any] = {
        "email": email,
        "password": password,
        "csrf_token": browser.token("/login"),
    }
    return browser.request("POST", "/login", form)[0]


def test_two_servers_share_sessions_limits_and_votes(two_servers):
    env, (port_a, port_b) = two_servers
    round_id, nomination_id, email = _contest(env)

    on_a = Browser(port_a)
    assert _login(on_a, email, PASSWORD) == 302
    on_b = Browser(port_b)
    on_b.cookies = dict(on_a.cookies)  # the same browser, sent to the other host
    assert on_b.request("GET", "/account")[0] == 200

    path = f"/vote/{round_id}/1"
    first = on_a.request(
        "POST", path, {"nomination": nomination_id, "csrf_token": on_a.token(path)}
    )
    again = on_b.request(
        "POST", path, {"nomination": nomination_id, "csrf_token": on_b.token(path)}
    )
    assert (first[0], again[0]) == (302, 409)

    # The address has used 1 of its 4 sign-ins per minute; the rest are spent across hosts.
    statuses = [
        _login(Browser(port), "nobody@example.org", "wrong password")
        for port in (port_a, port_b, port_a, port_b)
    ]
    assert statuses == [422, 422, 422, 429]
