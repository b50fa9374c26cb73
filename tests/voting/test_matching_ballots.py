"""The matching-ballots check: a campaign spread over fresh accounts and networks is found by
what its ballots are, while independent voters with skewed tastes are left alone."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from bench.ballot_campaign import CATEGORIES, simulate
from prizes.accounts.models import User
from prizes.core.clock import now
from prizes.core.network import keyed_hash, network_hash
from prizes.voting import coincidence, fraud
from prizes.voting.models import FlagKind, SuspicionFlag, Vote, VoteStatus
from tests.factories import make_edition, make_nomination, make_round, make_user

PASSWORD_HASH = "$argon2id$v=19$m=1024,t=1,p=1$x$y"
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
SEED = 13
ORGANIC = 3000


def _round_with_projects(db, per_category: int):
    """A round with ``per_category`` nominations in each of the 18 categories."""
    edition = make_edition()
    nominator = make_user()
    nominations = [
        [
            make_nomination(edition=edition, category_number=number, nominator=nominator)
            for _ in range(per_category)
        ]
        for number in range(1, CATEGORIES + 1)
    ]
    voting_round = make_round(edition=edition, nominations=list(itertools.chain(*nominations)))
    return voting_round, nominations


def _store(db, voting_round, nominations, simulated):
    """Write the simulated round: accounts, and votes a few seconds to minutes apart.

    Organic voters have accounts of some weeks and one network each; the campaign's accounts
    are made minutes before they vote, each on a network of its own, and vote 0-5 s apart.
    """
    rng = random.Random(SEED)
    project = {}
    for category, ids in enumerate(simulated.projects):
        for position, simulated_id in enumerate(ids):
            project[simulated_id] = nominations[category][position]
    opened = voting_round.opens_at
    users, votes, ids = [], [], sorted(simulated.ballots)
    for voter in ids:
        first = opened + timedelta(seconds=simulated.first_votes[voter])
        fresh = voter in simulated.campaign
        created = first - (timedelta(minutes=3) if fresh else timedelta(days=rng.randint(1, 90)))
        tag = secrets.token_hex(6)
        users.append(
            {
                "email": f"{tag}@example.org",
                "email_canonical": f"{tag}@example.org",
                "password_hash": PASSWORD_HASH,
                "created_at": created,
                "session_version": 1,
            }
        )
    user_ids = db.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users)
    account = dict(zip(ids, user_ids, strict=True))
    for voter in ids:
        moment = opened + timedelta(seconds=simulated.first_votes[voter])
        address = f"10.{voter // 250 % 250}.{voter % 250}.1"
        for simulated_id in simulated.ballots[voter]:
            nomination = project[simulated_id]
            votes.append(
                {
                    "round_id": voting_round.id,
                    "category_id": nomination.category_id,
                    "nomination_id": nomination.id,
                    "voter_id": account[voter],
                    "cast_at": moment,
                    "receipt_code": secrets.token_hex(16),
                    "network_hash": network_hash(address),
                    "device_hash": keyed_hash(f"device-{voter}"),
                    "status": VoteStatus.VALID,
                }
            )
            gap = rng.uniform(0, 5) if voter in simulated.campaign else rng.uniform(5, 240)
            moment += timedelta(seconds=gap)
    db.execute(insert(Vote), votes)
    return {
        "organic": {account[v] for v in simulated.organic},
        "campaign": {account[v] for v in simulated.campaign},
    }


def _flagged(flags) -> set[int]:
    return {
        voter
        for flag in flags
        if flag.kind == FlagKind.MATCHING_BALLOTS
        for voter in flag.evidence["voter_ids"]
    }


@pytest.mark.parametrize("near", [False, True], ids=["same-ballot", "each-varies-one"])
def test_a_spread_out_campaign_is_flagged_and_organic_voters_are_not(db, near):
    """3,000 organic voters with Zipf-like tastes (a few popular projects per category; some
    vote once, some in all 18) and 20 fresh accounts on 20 networks voting one preset ballot
    of the 18 most popular projects, the hardest ballot to tell from chance."""
    voting_round, nominations = _round_with_projects(db, 12)
    simulated = simulate(voters=ORGANIC, seed=SEED, projects=(8, 12), near=near)
    who = _store(db, voting_round, nominations, simulated)

    flags = fraud.compute_flags(voting_round, now=now())

    flagged = _flagged(flags)
    assert len(flagged & who["organic"]) / len(who["organic"]) < 0.01
    assert len(flagged & who["campaign"]) >= 19
    # The older checks see nothing: each account is on its own network and votes everywhere.
    assert not [flag for flag in flags if flag.kind != FlagKind.MATCHING_BALLOTS]


def test_the_evidence_names_the_cluster_its_size_and_its_probability(db):
    voting_round, nominations = _round_with_projects(db, 10)
    simulated = simulate(voters=800, seed=SEED, projects=(10, 10), campaign_picks="mid")
    who = _store(db, voting_round, nominations, simulated)

    [flag] = [
        f for f in fraud.compute_flags(voting_round, now=now()) if f.kind == "matching_ballots"
    ]

    evidence = flag.evidence
    assert set(evidence["voter_ids"]) == who["campaign"]
    assert evidence["account_count"] == 20
    assert evidence["category_count"] == 18
    preset = [nominations[c][10 // 3].id for c in range(CATEGORIES)]
    assert evidence["nomination_ids"] == sorted(preset)
    assert evidence["differences_allowed"] == 0
    assert evidence["log10_adjusted_probability"] < -20
    assert evidence["adjusted_probability"] < 1e-20
    assert evidence["expected_accounts"] < 1e-6
    assert evidence["tests"] > evidence["voters_compared"] > 0
    assert evidence["same_order_accounts"] == 20
    assert flag.vote_count == 20 * 18
    assert flag.subject.startswith("ballot:")
    for key, value in evidence.items():
        assert re.fullmatch(r"[a-z0-9_]+", key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                assert ISO_TIME.match(item), (key, item)
            else:
                assert isinstance(item, int | float) and not isinstance(item, bool), (key, item)
    assert not re.search(r"[0-9a-f]{64}", json.dumps(evidence))  # no network or device hash

    # Found again, the same pattern is the same flag.
    [again] = [
        f for f in fraud.compute_flags(voting_round, now=now()) if f.kind == "matching_ballots"
    ]
    assert again.id == flag.id


def test_invalidated_votes_do_not_make_a_cluster(db):
    voting_round, nominations = _round_with_projects(db, 10)
    simulated = simulate(voters=800, seed=SEED, projects=(10, 10), campaign_picks="mid")
    who = _store(db, voting_round, nominations, simulated)
    for vote in db.scalars(select(Vote).where(Vote.voter_id.in_(who["campaign"]))):
        vote.status, vote.invalidated_at, vote.invalidation_reason = "invalidated", now(), "x"
    db.flush()

    assert not _flagged(fraud.compute_flags(voting_round, now=now()))


def test_the_secretariat_reads_the_clusters_evidence_on_the_flag_screen(client, db, login_as):
    voting_round, nominations = _round_with_projects(db, 10)
    simulated = simulate(voters=400, seed=SEED, projects=(10, 10), campaign_picks="mid")
    _store(db, voting_round, nominations, simulated)
    fraud.compute_flags(voting_round, now=now())
    db.commit()

    login_as("secretariat")
    page = client.get(f"/admin/rounds/{voting_round.id}/flags").get_data(as_text=True)

    assert "Accounts whose ballots coincide far beyond chance" in page
    assert "20 accounts in one cluster; 20 of them hold the same 18 choices (up to 0" in page
    assert "corrected for the" in page
    assert "voted the categories in the same order" in page


# The statistics


def test_the_binomial_tail_matches_the_exact_sum():
    for n, q, j in [(10, 0.3, 4), (50, 0.01, 3), (200, 0.2, 60), (30, 0.5, 30)]:
        exact = sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(j, n + 1))
        assert coincidence.log10_binomial_tail(n, q, j) == pytest.approx(math.log10(exact))
    assert coincidence.log10_binomial_tail(100, 0.5, 20) == 0.0  # below the mean: no sign
    # Far in the tail it agrees with the Poisson term (mean 1e-6): 1e-6^19 / 19!.
    poisson = 19 * -6 - math.log10(math.factorial(19))
    assert coincidence.log10_binomial_tail(10**6, 1e-12, 19) == pytest.approx(poisson, abs=1e-4)
    assert coincidence.log10_binomial_tail(5, 0.1, 6) == -math.inf


def test_near_agreement_matches_counting_every_outcome():
    shares = [0.4, 0.25, 0.1, 0.6, 0.05]
    exact = 0.0
    for outcome in itertools.product([True, False], repeat=len(shares)):
        if sum(outcome) >= len(shares) - 2:
            pairs = zip(shares, outcome, strict=True)
            exact += math.prod(p if agree else 1 - p for p, agree in pairs)
    log10 = coincidence.log10_near_agreement([math.log(p) for p in shares])
    assert log10 == pytest.approx(math.log10(exact))


def _simulated_clusters(**settings):
    simulated = simulate(voters=2000, seed=SEED, projects=(8, 12), near=True)
    categories = {p: c for c, ids in enumerate(simulated.projects) for p in ids}
    counts: dict[int, int] = {}
    for ballot in simulated.ballots.values():
        for choice in ballot:
            counts[choice] = counts.get(choice, 0) + 1
    totals = {c: sum(counts.get(p, 0) for p in ids) for c, ids in enumerate(simulated.projects)}
    shares = {p: n / totals[categories[p]] for p, n in counts.items()}
    ballots = [(v, b, simulated.first_votes[v]) for v, b in simulated.ballots.items()]
    return simulated, coincidence.find_clusters(ballots, shares, categories, **settings)


def test_counting_in_several_passes_finds_the_same_clusters():
    """The hash table of keys is bounded: counted in many small passes, the result holds."""
    simulated, one_pass = _simulated_clusters()
    _, many = _simulated_clusters(max_keys_per_pass=1000)
    assert one_pass == many
    assert {v for c in one_pass for v in c.voter_ids} == simulated.campaign


def test_without_windows_the_whole_round_is_compared():
    simulated, clusters = _simulated_clusters(window_seconds=None)
    assert all(cluster.window is None for cluster in clusters)
    assert all(cluster.voters_compared == len(simulated.ballots) for cluster in clusters)


def test_the_settings_can_demand_larger_clusters(app, db, monkeypatch):
    voting_round, nominations = _round_with_projects(db, 10)
    simulated = simulate(voters=400, seed=SEED, projects=(10, 10), campaign_picks="mid")
    _store(db, voting_round, nominations, simulated)
    monkeypatch.setitem(app.config, "FLAG_BALLOT_MIN_ACCOUNTS", 21)

    assert not _flagged(fraud.compute_flags(voting_round, now=now()))


def test_every_flag_kind_has_a_label():
    assert {kind.value for kind in FlagKind} == set(fraud.KINDS)
    assert all(kind.label and kind.label != kind.value for kind in FlagKind)
    assert SuspicionFlag.__table__.c.kind.type.enums == [kind.value for kind in FlagKind]
