"""The proof of work against scripts: challenges issued signed, solutions accepted once, on
one host or many, and every malformed answer refused with a message, never a 500."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import altcha
import pytest
from sqlalchemy import func, select

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.core import proof_of_work
from prizes.core.clock import now
from prizes.core.headers import CONTENT_SECURITY_POLICY
from prizes.core.proof_of_work import ProofOfWorkRefused, UsedChallenge, require_solution
from prizes.db import db as database
from tests.conftest import Client, separate_database


def _solve(challenge: altcha.Challenge) -> str:
    solution = altcha.solve_challenge(challenge, timeout=30)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def _encode(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_the_endpoint_issues_a_signed_fresh_uncached_challenge(client, app):
    response = client.get("/pow/challenge")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    parameters = body["parameters"]
    assert parameters["algorithm"] == "PBKDF2/SHA-256"
    assert parameters["cost"] == app.config["POW_COST"]
    assert body["signature"] and parameters["keySignature"]
    lifetime = parameters["expiresAt"] - time.time()
    assert 0 < lifetime <= app.config["POW_EXPIRES_SECONDS"]
    assert client.get("/pow/challenge").get_json()["parameters"]["nonce"] != parameters["nonce"]


def test_a_solution_counts_once(client, db):
    payload = client.proof_of_work()
    require_solution(payload)
    with pytest.raises(ProofOfWorkRefused, match="already used"):
        require_solution(payload)
    assert db.scalar(select(func.count()).select_from(UsedChallenge)) == 1


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "not base64 at all!",
        _encode([1, 2]),
        _encode({"challenge": "x", "solution": 3}),
        _encode({"challenge": {"parameters": []}, "solution": {}}),
        _encode({"challenge": None, "solution": None, "test": True}),  # the widget's test mode
        "A" * 10_000,
    ],
)
def test_missing_or_malformed_answers_are_refused(db, payload):
    with pytest.raises(ProofOfWorkRefused):
        require_solution(payload)
    assert db.scalar(select(func.count()).select_from(UsedChallenge)) == 0


def test_wrong_forged_or_foreign_solutions_are_refused(app, client, db, monkeypatch):
    challenge = altcha.Challenge.from_dict(client.get("/pow/challenge").get_json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    wrong = altcha.Solution(solution.counter + 1, "00" * 32)
    with pytest.raises(ProofOfWorkRefused, match="failed"):
        require_solution(altcha.Payload(challenge, wrong).to_base64())

    tampered = altcha.Challenge.from_dict(challenge.to_dict())
    tampered.parameters.expires_at += 3600  # a longer life than the one signed
    with pytest.raises(ProofOfWorkRefused, match="failed"):
        require_solution(altcha.Payload(tampered, solution).to_base64())

    # Issued by someone who does not hold this site's secret key.
    foreign = altcha.create_challenge(
        "PBKDF2/SHA-256",
        1,
        counter=2,
        expires_at=now() + timedelta(minutes=5),
        hmac_secret="someone else",
        hmac_key_secret="someone else too",
    )
    with pytest.raises(ProofOfWorkRefused, match="failed"):
        require_solution(_solve(foreign))

    monkeypatch.setitem(app.config, "SECRET_KEY", "a rotated key")
    with pytest.raises(ProofOfWorkRefused, match="failed"):
        require_solution(altcha.Payload(challenge, solution).to_base64())
    assert db.scalar(select(func.count()).select_from(UsedChallenge)) == 0


def test_an_expired_challenge_is_refused(app, db):
    with app.test_request_context():
        old = proof_of_work.new_challenge(moment=now() - timedelta(minutes=10))
    with pytest.raises(ProofOfWorkRefused, match="expired"):
        require_solution(_solve(old))


def test_expired_records_are_pruned_and_fresh_ones_kept(db, runner):
    moment = now()
    db.add_all(
        [
            UsedChallenge(nonce="old", expires_at=moment - timedelta(seconds=1)),
            UsedChallenge(nonce="fresh", expires_at=moment + timedelta(minutes=5)),
        ]
    )
    db.commit()
    result = runner.invoke(args=["prune-challenges"])
    assert result.exit_code == 0 and "1 expired" in result.output
    assert db.scalars(select(UsedChallenge.nonce)).all() == ["fresh"]


def test_the_worker_prunes_too(db):
    from prizes.jobs import prune_used_challenges

    db.add(UsedChallenge(nonce="stale", expires_at=now() - timedelta(minutes=1)))
    db.commit()
    prune_used_challenges.call_local()
    assert db.scalar(select(func.count()).select_from(UsedChallenge)) == 0


def test_the_policy_lets_the_widget_run_from_this_site_only():
    """The widget's script, style and worker come from static/: no inline code or style, no
    blob: worker, nothing from elsewhere."""
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["worker-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "blob:" not in CONTENT_SECURITY_POLICY


def test_the_widget_files_are_served_from_this_site(client):
    for path in (
        "/static/vendor/altcha/altcha.min.js",
        "/static/vendor/altcha/altcha.css",
        "/static/vendor/altcha/pbkdf2.js",
        "/static/js/proof-of-work.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


# Racing requests: several hosts (here threads with their own connections) send the same
# solution at once, on a real database of their own; exactly one is accepted.

SCHEMA = "proof_of_work_race"


@pytest.fixture
def race_app(app, tmp_path: Path):
    settings = {k: v for k, v in app.config.items() if k.isupper()}
    with separate_database(tmp_path, SCHEMA) as url:
        racing = create_app({**settings, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
        racing.test_client_class = Client
        with racing.app_context():
            upgrade_database()
        yield racing
        with racing.app_context():
            database.engine.dispose()


def test_racing_requests_with_one_solution_count_it_once(race_app):
    payload = race_app.test_client().proof_of_work()
    racers = 6
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def send() -> None:
        with race_app.app_context():
            barrier.wait()
            try:
                require_solution(payload)
                database.session.commit()
                outcomes.append("accepted")
            except ProofOfWorkRefused:
                database.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=send) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["accepted"] + ["refused"] * (racers - 1)
