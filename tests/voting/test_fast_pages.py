"""What makes the pages around the vote fast (bench/README.md) keeps them right: stored final
counts, the in-process cache that follows Redis, the cards in each voter's order, the
limiter's memory storage without a thread per hit, and searches that see a change at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import redis

from prizes.accounts.models import Role
from prizes.core import cache
from prizes.core.clock import now
from prizes.core.limits import SweptMemoryStorage
from prizes.voting import queries, rounds, services
from tests.conftest import PASSWORD, redis_test_url, require_redis
from tests.factories import make_user

URL = redis_test_url(12)


@pytest.fixture
def redis_cache(app, monkeypatch):
    require_redis(URL)
    monkeypatch.setitem(app.config, "REDIS_URL", URL)
    yield
    redis.Redis.from_url(URL).flushdb()


def _vote(contest, number: int, index: int) -> None:
    nomination = contest.ballot[number][index]
    services.cast_vote(
        contest.voting_round.id,
        category=nomination.category_id,
        nomination_id=nomination.id,
        voter=make_user(),
        now=now(),
        client=services.ClientTraits(),
    )


def test_a_final_round_shows_the_counts_that_decided_it(client, db, contest, count_queries):
    for index in (0, 0, 1):
        _vote(contest, 4, index)
    db.commit()
    voting_round = contest.voting_round
    voting_round.closes_at = now() - timedelta(minutes=1)
    voting_round.opens_at = now() - timedelta(days=2)
    live = queries.count_votes(voting_round)
    secretariat = make_user(roles=(Role.SECRETARIAT,))
    rounds.advance_round(voting_round, by=secretariat, now=now())
    db.commit()
    assert voting_round.final_counts == live
    client.login(secretariat.email)  # the counts are the secretariat's until publication
    with count_queries() as statements:
        answer = client.get(f"/vote/rounds/{voting_round.id}/results.json").get_json()
    assert not [sql for sql in statements if "count(*)" in sql.lower() and "votes" in sql]
    counted = {row["nomination_id"]: row["valid_votes"] for row in answer["results"]}
    first, second = contest.ballot[4][0].id, contest.ballot[4][1].id
    assert (counted[first], counted[second]) == (2, 1)
    assert answer["final"] is True
    page = client.get(f"/vote/rounds/{voting_round.id}/results")
    assert page.status_code == 200 and contest.ballot[4][0].entry.title in page.get_data(True)


def test_what_is_kept_here_follows_the_version_in_redis(app, redis_cache):
    computed = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    with app.test_request_context():
        assert cache.cached_here("demo", "k", compute) == 1
        assert cache.cached_here("demo", "k", compute) == 1  # kept
    with app.test_request_context():
        assert cache.cached_here("demo", "k", compute) == 1
        cache.bump("demo")  # as another worker's commit would
    with app.test_request_context():
        assert cache.cached_here("demo", "k", compute) == 2


def test_nothing_kept_here_survives_redis_losing_its_data(app, redis_cache):
    with app.test_request_context():
        cache.cached_here("demo", "k", lambda: "before")
    redis.Redis.from_url(URL).flushdb()  # a restart without persistence
    with app.test_request_context():
        assert cache.cached_here("demo", "k", lambda: "after") == "after"


def test_without_redis_nothing_is_kept_here(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    computed = []
    with app.test_request_context():
        for _ in range(2):
            cache.cached_here("demo", "k", lambda: computed.append(1))
    assert len(computed) == 2


@pytest.mark.parametrize("redis_on", [False, True])
def test_cards_come_in_each_voters_own_order(
    app, client, db, contest, monkeypatch, redis_on, request
):
    if redis_on:
        request.getfixturevalue("redis_cache")
    orders = []
    for _ in range(2):
        voter = make_user()
        db.commit()
        client.login(voter.email, PASSWORD)
        page = client.get(f"/vote/{contest.voting_round.id}/1").get_data(as_text=True)
        shown = [n.id for n in contest.ballot[4] if f'value="{n.id}"' in page]
        assert len(shown) == 4
        orders.append(sorted(shown, key=lambda n: page.index(f'value="{n}"')))
        expected = sorted(
            shown,
            key=lambda n: services.ballot_order_key(voter.id, contest.voting_round.id, n),
        )
        assert orders[-1] == expected
        client.post_form("/logout")


def test_the_memory_storage_of_the_limits_starts_no_thread_per_hit():
    storage = SweptMemoryStorage("swept-memory://")
    before = threading.active_count()
    for _ in range(300):
        storage.incr("voter", 60)
        storage.incr("gone", 0.01)
    assert storage.get("voter") == 300
    assert threading.active_count() <= before
    time.sleep(1.05)
    storage.incr("voter", 60)  # the sweep runs in the request, at most once a second
    assert "gone" not in storage.storage


def test_a_search_sees_a_new_entry_at_once_with_the_cache(app, client, db, redis_cache):
    from prizes.core.vocabulary import ActionLine, StakeholderType
    from prizes.stocktaking import services as stocktaking
    from prizes.stocktaking.fields import EntryFields

    assert "Zebrafish" not in client.get("/projects/?q=zebrafish").get_data(as_text=True)
    owner = make_user(roles=(Role.STAKEHOLDER,))
    fields = EntryFields(
        title="Zebrafish telemetry for rural clinics",
        organisation="Zebrafish Lab",
        stakeholder_type=StakeholderType.ACADEMIA,
        country="KE",
        description="Telemetry for clinics far from a road.",
        action_lines=[ActionLine.C7],
        sdgs=[3],
    )
    stocktaking.create_entry(fields, by=owner, now=now())
    db.commit()
    assert "Zebrafish telemetry" in client.get("/projects/?q=zebrafish").get_data(as_text=True)
