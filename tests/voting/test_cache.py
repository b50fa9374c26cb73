"""The Redis cache of hot reads: hits, and no stale data after the writes that change it."""

from __future__ import annotations

import socket
import time

import pytest
import redis

from prizes.accounts.models import Role
from prizes.core.clock import now
from prizes.stocktaking import services as stocktaking
from prizes.stocktaking.forms import EntryForm
from prizes.voting import queries, rounds, services
from tests.conftest import redis_test_url, require_redis
from tests.factories import make_user

URL = redis_test_url(13)


@pytest.fixture
def redis_cache(app, monkeypatch):
    require_redis(URL)
    monkeypatch.setitem(app.config, "REDIS_URL", URL)
    yield
    redis.Redis.from_url(URL).flushdb()


def _vote(contest, index=0, voter=None):
    nomination = contest.ballot[4][index]
    services.cast_vote(
        contest.voting_round.id,
        category=nomination.category_id,
        nomination_id=nomination.id,
        voter=voter or make_user(),
        now=now(),
        client=services.ClientTraits(),
    )


def test_the_tally_is_cached_until_a_vote_changes_it(db, contest, redis_cache, count_queries):
    _vote(contest)
    db.commit()
    category = contest.category_id(4)
    first = queries.tally(contest.voting_round)
    with count_queries() as statements:
        again = queries.tally(contest.voting_round)
    assert again == first and statements == []  # served from Redis
    _vote(contest, 1)
    db.commit()
    assert sum(queries.tally(contest.voting_round)[category].values()) == 2


def test_an_invalidation_is_seen_at_once(db, contest, redis_cache):
    voter = make_user()
    _vote(contest, 0, voter)
    db.commit()
    assert queries.tally(contest.voting_round)[contest.category_id(4)]
    vote = queries.votes_in_round(contest.voting_round.id, voter.id)[0]
    admin = make_user(roles=(Role.SECRETARIAT,))
    rounds.invalidate_votes([vote], by=admin, reason="Burst", now=now())
    db.commit()
    assert queries.tally(contest.voting_round).get(contest.category_id(4), {}) == {}


def test_the_ballot_is_cached_until_the_stocktaking_changes(
    app, db, contest, redis_cache, count_queries
):
    category = contest.category_id(4)
    before = queries.ballot(contest.voting_round.id, category)
    with count_queries() as statements:
        assert queries.ballot(contest.voting_round.id, category) == before
    assert statements == []
    entry = contest.ballot[4][0].entry
    admin = make_user(roles=(Role.SECRETARIAT,))
    with app.test_request_context():
        form = EntryForm(
            data={**EntryForm.data_of(entry), "title": "Renamed by the secretariat"}, countries=[]
        )
        stocktaking.update_entry(entry, form.fields(), by=admin, now=now())
    db.commit()
    titles = {item.title for item in queries.ballot(contest.voting_round.id, category)}
    assert "Renamed by the secretariat" in titles


def test_a_cache_that_is_down_does_not_take_the_page_down(app, db, contest, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{closed}/0")
    _vote(contest)
    db.commit()
    assert sum(queries.tally(contest.voting_round)[contest.category_id(4)].values()) == 1


def test_a_hung_cache_costs_one_short_timeout_then_nothing(app, db, contest, monkeypatch):
    """A Redis that accepts and never answers: the first read waits the socket timeout
    (0.3 s), the breaker then leaves Redis alone, and every read is computed meanwhile."""
    from prizes.core.redis_client import cache_breaker
    from tests.test_redis_outage import HungRedis

    hung = HungRedis()
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{hung.port}/0")
    monkeypatch.setitem(app.extensions, "prizes.redis", {})
    cache_breaker.closed()
    try:
        _vote(contest)
        db.commit()
        started = time.monotonic()
        for _ in range(5):
            assert sum(queries.tally(contest.voting_round)[contest.category_id(4)].values()) == 1
        first_five = time.monotonic() - started
        assert cache_breaker.is_open()
        assert first_five < 1.5, first_five  # one timeout (0.3 s), not five, nor 5 s
    finally:
        cache_breaker.closed()
        hung.close()
