"""Ballots that coincide far beyond chance: the statistics of the ``matching_ballots`` check.

The question asked of every voter: under independent voting, where each voter picks in each
category with that category's observed vote shares, how likely is it that this many other
voters hold the same choices? For a set of choices K (nomination ids, one per category) the
chance that one other voter holds all of them is at most q = the product of their shares (at
most, because a voter may also skip a category). Among the N - 1 other voters the number who
hold K is then at most Binomial(N - 1, q), so seeing k - 1 or more of them has probability
p = P(Binomial(N - 1, q) >= k - 1). Every voter is tested on several sets of choices (its
whole ballot, and its ballot less one choice, which finds near-identical ballots), so p is
multiplied by the number of tests made in the round (Bonferroni): a group is flagged only
when that corrected probability is below ``alpha``. Under independent voting, the chance that
a round raises any such flag at all is then below ``alpha``.

The voters are never compared pair by pair. Each voter's sets of choices (its "keys") are
counted in a hash table, in as many passes as keep that table below ``max_keys_per_pass``
entries; a ballot is held as a few bytes (its choices' ranks), so memory grows with the
voters, not with the pairs, and is bounded per pass. This module reads no database: the
fraud checks give it the ballots, and the bench feeds it simulated ones.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

LN10 = math.log(10)


@dataclass(frozen=True)
class Cluster:
    """Voters whose ballots coincide, and how unlikely that is under independent voting."""

    voter_ids: list[int]
    # The choices (nomination ids) of the most telling key the voters share.
    choices: list[int]
    # The voters that hold exactly that key (the rest of the cluster joined by another key).
    key_accounts: int
    # Expected number of other voters holding the key under independent voting, (N - 1) q.
    expected_accounts: float
    # log10 of P(Binomial(N - 1, q) >= key_accounts - 1), and of it times the tests made.
    log10_probability: float
    log10_adjusted: float
    tests: int
    voters_compared: int


def log10_binomial_tail(n: int, q: float, j: int) -> float:
    """log10 of P(X >= j) for X ~ Binomial(n, q); 0 (probability 1) when j is not above the
    mean, which is all the check needs (agreement below the expected count is no sign)."""
    if j <= 0 or q >= 1.0:
        return 0.0
    if j > n:
        return -math.inf
    if j <= n * q:
        return 0.0
    log_q, log_not_q = math.log(q), math.log1p(-q)

    def term(i: int) -> float:
        return (
            math.lgamma(n + 1)
            - math.lgamma(i + 1)
            - math.lgamma(n - i + 1)
            + i * log_q
            + (n - i) * log_not_q
        )

    first = term(j)
    total, i, ratio = 1.0, j, 0.0  # the sum, relative to the first term
    relative = 1.0
    while i < n and i - j < 5000:
        ratio = (n - i) / (i + 1) * q / (1.0 - q)
        relative *= ratio
        i += 1
        total += relative
        if relative < 1e-17 * total:
            break
    else:
        # Terms left out: the ratios only shrink, so a geometric series bounds them above.
        if i < n and ratio < 1.0:
            total += relative * ratio / (1.0 - ratio)
    return min(0.0, (first + math.log(total)) / LN10)


class _Ballots:
    """Every voter's ballot as its choices' ranks (rarest first), two bytes a choice."""

    def __init__(self, ranks: Mapping[int, int]) -> None:
        self.ranks = ranks
        self.voter_ids = array("q")
        self.ballots: list[bytes] = []

    def add(self, voter_id: int, choices: Iterable[int]) -> None:
        self.voter_ids.append(voter_id)
        self.ballots.append(array("H", sorted(self.ranks[c] for c in choices)).tobytes())


def _keys(ballot: bytes, min_choices: int) -> list[bytes]:
    """The sets of choices a ballot is tested on: the whole ballot, and the ballot less each
    one of its choices (two ballots that differ in one category share one of these)."""
    size = len(ballot) // 2
    keys = [ballot] if size >= min_choices else []
    if size - 1 >= min_choices:
        keys.extend(ballot[: 2 * i] + ballot[2 * i + 2 :] for i in range(size))
    return keys


def find_clusters(
    ballots: Iterable[tuple[int, Sequence[int]]],
    shares: Mapping[int, float],
    *,
    min_accounts: int = 5,
    min_choices: int = 4,
    alpha: float = 1e-3,
    max_keys_per_pass: int = 500_000,
) -> list[Cluster]:
    """Groups of at least ``min_accounts`` voters sharing at least ``min_choices`` choices
    whose agreement has a corrected probability below ``alpha`` under independent voting.

    ``ballots`` gives each voter once, with the nomination ids it voted for; ``shares`` maps
    each nomination id to its share of the votes in its category. Voters that several
    flagged keys connect form one cluster, described by its most telling key.
    """
    order = sorted(shares, key=lambda choice: (shares[choice], choice))
    if len(order) > 65535:
        raise ValueError("more than 65,535 choices on one ballot")
    ranks = {choice: rank for rank, choice in enumerate(order)}
    log_share = [math.log(shares[choice]) for choice in order]
    store = _Ballots(ranks)
    for voter_id, choices in ballots:
        store.add(voter_id, choices)
    voters = len(store.ballots)
    tests = sum(len(_keys(ballot, min_choices)) for ballot in store.ballots)
    if voters < min_accounts or not tests:
        return []
    passes = max(1, math.ceil(tests / max_keys_per_pass))
    log10_alpha = math.log10(alpha) - math.log10(tests)
    flagged: dict[bytes, tuple[int, float, float]] = {}
    for part in range(passes):
        counts: Counter[bytes] = Counter()
        for ballot in store.ballots:
            for key in _keys(ballot, min_choices):
                if passes == 1 or hash(key) % passes == part:
                    counts[key] += 1
        for key, count in counts.items():
            if count < min_accounts:
                continue
            key_ranks = array("H", key)
            q = math.exp(math.fsum(log_share[rank] for rank in key_ranks))
            log10_p = log10_binomial_tail(voters - 1, q, count - 1)
            if log10_p < log10_alpha:
                flagged[key] = (count, log10_p, (voters - 1) * q)
        del counts
    if not flagged:
        return []
    # Voters joined by flagged keys form clusters (union-find over the keys' members).
    parent: dict[bytes, bytes] = {key: key for key in flagged}

    def root(key: bytes) -> bytes:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    members: dict[int, bytes] = {}
    for index, ballot in enumerate(store.ballots):
        for key in _keys(ballot, min_choices):
            if key in flagged:
                if index in members:
                    parent[root(key)] = root(members[index])
                else:
                    members[index] = key
    groups: dict[bytes, list[int]] = {}
    for index, key in members.items():
        groups.setdefault(root(key), []).append(index)
    best_key: dict[bytes, bytes] = {}
    for key in flagged:
        top = root(key)
        if top not in best_key or flagged[key][1] < flagged[best_key[top]][1]:
            best_key[top] = key
    clusters = []
    for top, indices in groups.items():
        key = best_key[top]
        count, log10_p, expected = flagged[key]
        clusters.append(
            Cluster(
                voter_ids=sorted(store.voter_ids[i] for i in indices),
                choices=sorted(order[rank] for rank in array("H", key)),
                key_accounts=count,
                expected_accounts=expected,
                log10_probability=log10_p,
                log10_adjusted=log10_p + math.log10(tests),
                tests=tests,
                voters_compared=voters,
            )
        )
    return sorted(clusters, key=lambda cluster: (cluster.log10_adjusted, cluster.voter_ids[0]))
