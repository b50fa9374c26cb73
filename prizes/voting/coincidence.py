"""Ballots that coincide far beyond chance: the statistics of the ``matching_ballots`` check.

The question asked of every voter: under independent voting, where each voter picks in each
category with that category's observed vote shares, how likely is it that this many other
voters hold the same choices? For a set of choices K (nomination ids, one per category) the
chance that one other voter holds all of them is at most q = the product of their shares (at
most, because a voter may also skip a category). Among the N - 1 other voters the number who
hold K is then at most Binomial(N - 1, q), so seeing k - 1 or more of them has probability
p = P(Binomial(N - 1, q) >= k - 1). Each voter is tested on sets taken from its own ballot
(the whole ballot; the ballot less one choice; and, for long ballots, all its choices but
any two), over the whole round and among the voters who began voting in the same window of
time, so p is multiplied by the number of tests made in the round (Bonferroni): a group is
flagged only when that corrected probability is below ``alpha``. Under independent voting,
the chance that a round raises any flag at all is then below ``alpha``.

The voters are never compared all pairs with all pairs. The sets of choices are counted in a
hash table, in as many passes as keep it below ``max_keys_per_pass`` entries; near-copies are
looked for only among voters who share one whole band of categories. A ballot is held as a
few bytes (its choices' ranks), so memory grows with the voters, not with the pairs. This
module reads no database: the fraud checks give it the ballots, and the bench feeds it
simulated ones.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

LN10 = math.log(10)


@dataclass(frozen=True)
class Cluster:
    """Voters whose ballots coincide, and how unlikely that is under independent voting."""

    voter_ids: list[int]
    # The choices (nomination ids) of the most telling key the voters share.
    choices: list[int]
    # The voters that the most telling test names (the rest joined by another test), and
    # how many of the choices each may differ in (0 the same ballot, 1 or 2 near-identical).
    key_accounts: int
    differences_allowed: int
    # Expected number of other voters holding the key under independent voting, (N - 1) q.
    expected_accounts: float
    # log10 of P(Binomial(N - 1, q) >= key_accounts - 1), and of it times the tests made.
    log10_probability: float
    log10_adjusted: float
    tests: int
    # The voters the test compared: the whole round, or those who began voting in a window
    # (its start and end, seconds since 1970).
    voters_compared: int
    window: tuple[float, float] | None


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
        self.first_votes = array("d")
        self.ballots: list[bytes] = []

    def add(self, voter_id: int, choices: Iterable[int], first_vote: float) -> None:
        self.voter_ids.append(voter_id)
        self.first_votes.append(first_vote)
        self.ballots.append(array("H", sorted(self.ranks[c] for c in choices)).tobytes())


@dataclass(frozen=True)
class _Test:
    """One significant test: the voters it names and what it found."""

    voters: list[int]  # indices into the ballots
    key: bytes  # the choices (ranks) agreed on
    accounts: int
    expected: float
    log10_p: float
    differences: int
    compared: int
    window: tuple[float, float] | None = None


def _keys(ballot: bytes, min_choices: int) -> list[bytes]:
    """The sets of choices a ballot is tested on: the whole ballot, and the ballot less each
    one of its choices (two ballots that differ in one category share one of these)."""
    size = len(ballot) // 2
    keys = [ballot] if size >= min_choices else []
    if size - 1 >= min_choices:
        keys.extend(ballot[: 2 * i] + ballot[2 * i + 2 :] for i in range(size))
    return keys


def find_clusters(
    ballots: Iterable[tuple[int, Sequence[int], float]],
    shares: Mapping[int, float],
    categories: Mapping[int, int],
    *,
    min_accounts: int = 5,
    min_choices: int = 4,
    alpha: float = 1e-3,
    window_seconds: float | None = 3600.0,
    max_keys_per_pass: int = 500_000,
    max_bucket: int = 2000,
) -> list[Cluster]:
    """Groups of at least ``min_accounts`` voters whose agreement has a corrected probability
    below ``alpha`` under independent voting.

    ``ballots`` gives each voter once: its id, the nomination ids it voted for and the time
    of its first vote (seconds); ``shares`` maps each nomination id to its share of the votes
    in its category, ``categories`` to its category. Two tests are made: the same choices
    (a whole ballot, or a ballot less one choice, of at least ``min_choices``), counted by
    hashing; and near-identical ballots (all but two of a voter's choices), compared within
    groups of voters that share one whole band of categories. Both run on the whole round
    and again among the voters who started voting within ``window_seconds`` of each other
    (two grids of windows, the second shifted by half a window, so that any burst shorter
    than half a window falls whole in one): under independent voting a ballot does not
    depend on when it is cast, and a campaign's accounts vote close together. Voters that
    the significant tests connect form one cluster, described by its most telling test.
    """
    order = sorted(shares, key=lambda choice: (shares[choice], choice))
    if len(order) > 65535:
        raise ValueError("more than 65,535 choices on one ballot")
    ranks = {choice: rank for rank, choice in enumerate(order)}
    log_share = [math.log(shares[choice]) for choice in order]
    store = _Ballots(ranks)
    for voter_id, choices, first_vote in ballots:
        store.add(voter_id, choices, first_vote)
    if len(store.ballots) < min_accounts:
        return []
    bands = _bands(order, categories)
    near_size = max(min_choices + 2, max(bands[1]) + 3)
    groups: list[tuple[list[int], tuple[float, float] | None]]
    groups = [(list(range(len(store.ballots))), None)]
    if window_seconds:
        groups += _windows(store.first_votes, window_seconds, min_accounts)
    exact = sum(len(_keys(ballot, min_choices)) for ballot in store.ballots)
    near = sum(1 for ballot in store.ballots if len(ballot) // 2 >= near_size)
    # Each voter is tested in the whole round and in its window of each grid.
    tests = (exact + near) * (3 if window_seconds else 1)
    if not tests:
        return []
    log10_alpha = math.log10(alpha) - math.log10(tests)
    keys_per_voter = exact / len(store.ballots)
    found: list[_Test] = []
    for indices, window in groups:
        part = [store.ballots[i] for i in indices]
        found_here = [
            *_exact_tests(
                part,
                log_share,
                min_choices=min_choices,
                min_accounts=min_accounts,
                log10_alpha=log10_alpha,
                passes=max(1, math.ceil(len(part) * keys_per_voter / max_keys_per_pass)),
            ),
            *_near_tests(
                part,
                _near_candidates(part, bands, near_size),
                log_share,
                min_accounts=min_accounts,
                log10_alpha=log10_alpha,
                max_bucket=max_bucket,
            ),
        ]
        found += [
            replace(test, voters=[indices[i] for i in test.voters], window=window)
            for test in found_here
        ]
    return _clusters(found, store, order, tests=tests)


def _windows(
    first_votes: Sequence[float], width: float, min_accounts: int
) -> list[tuple[list[int], tuple[float, float]]]:
    """The voters of each window of ``width`` seconds (by their first vote), on two grids
    shifted by half a window; windows with fewer than ``min_accounts`` voters are left out."""
    windows: list[tuple[list[int], tuple[float, float]]] = []
    for shift in (0.0, width / 2):
        members: dict[int, list[int]] = {}
        for index, moment in enumerate(first_votes):
            members.setdefault(math.floor((moment - shift) / width), []).append(index)
        windows += [
            (indices, (number * width + shift, (number + 1) * width + shift))
            for number, indices in sorted(members.items())
            if len(indices) >= min_accounts
        ]
    return windows


def _exact_tests(
    ballots: list[bytes],
    log_share: list[float],
    *,
    min_choices: int,
    min_accounts: int,
    log10_alpha: float,
    passes: int,
) -> list[_Test]:
    """Keys (a whole ballot, or a ballot less one choice) held by more voters than chance
    explains. The keys are counted in ``passes`` passes, each counting the keys whose hash
    falls in its share, so the table stays bounded."""
    voters = len(ballots)
    flagged: dict[bytes, tuple[int, float, float]] = {}
    for part in range(passes):
        counts: Counter[bytes] = Counter()
        for ballot in ballots:
            for key in _keys(ballot, min_choices):
                if passes == 1 or hash(key) % passes == part:
                    counts[key] += 1
        for key, count in counts.items():
            if count < min_accounts:
                continue
            q = math.exp(math.fsum(log_share[rank] for rank in array("H", key)))
            log10_p = log10_binomial_tail(voters - 1, q, count - 1)
            if log10_p < log10_alpha:
                flagged[key] = (count, log10_p, (voters - 1) * q)
        del counts
    if not flagged:
        return []
    members: dict[bytes, list[int]] = {key: [] for key in flagged}
    for index, ballot in enumerate(ballots):
        for key in _keys(ballot, min_choices):
            if key in members:
                members[key].append(index)
    return [
        _Test(
            members[key],
            key,
            count,
            expected,
            log10_p,
            0 if any(ballots[i] == key for i in members[key]) else 1,
            voters,
        )
        for key, (count, log10_p, expected) in flagged.items()
    ]


def _bands(order: Sequence[int], categories: Mapping[int, int]) -> tuple[list[int], list[int]]:
    """Each rank's band, and each band's number of categories: the round's categories, in
    order, cut into three bands. Two ballots that differ in at most two categories agree
    in at least one whole band."""
    ordered = sorted({categories[choice] for choice in order})
    size = max(1, math.ceil(len(ordered) / 3))
    band_of = {category: i // size for i, category in enumerate(ordered)}
    widths = Counter(band_of.values())
    return [band_of[categories[choice]] for choice in order], [
        widths[band] for band in range(len(widths))
    ]


def _near_candidates(
    ballots: list[bytes], bands: tuple[list[int], list[int]], min_size: int
) -> dict[int, list[bytes]]:
    """The voters the near-identical test applies to (ballots of ``min_size`` or more with a
    whole band), each with its band keys (the band's number and its choices)."""
    band_of, widths = bands
    candidates: dict[int, list[bytes]] = {}
    for index, ballot in enumerate(ballots):
        ranks = array("H", ballot)
        if len(ranks) < min_size:
            continue
        by_band: dict[int, list[int]] = {}
        for rank in ranks:
            by_band.setdefault(band_of[rank], []).append(rank)
        keys = [
            bytes([band]) + array("H", sorted(chosen)).tobytes()
            for band, chosen in sorted(by_band.items())
            if len(chosen) == widths[band]
        ]
        if keys:
            candidates[index] = keys
    return candidates


def log10_near_agreement(log_shares: Sequence[float]) -> float:
    """log10 of the chance that an independent voter agrees with a ballot (choices with
    these log shares) in all of its categories but at most two: the product of the shares
    times 1 + sum(r) + sum over pairs of r_i r_j, where r = (1 - share) / share."""
    odds = [math.expm1(-value) for value in log_shares]  # (1 - p) / p
    first = math.fsum(odds)
    pairs = (first * first - math.fsum(r * r for r in odds)) / 2
    return min(0.0, (math.fsum(log_shares) + math.log1p(first + pairs)) / LN10)


def _near_tests(
    ballots: list[bytes],
    candidates: dict[int, list[bytes]],
    log_share: list[float],
    *,
    min_accounts: int,
    log10_alpha: float,
    max_bucket: int,
) -> list[_Test]:
    """Voters with more near-copies of their ballot (all but two choices the same) than
    chance explains. Voters are compared only within a bucket of voters that share a whole
    band; a pair is compared once, in the first band they share."""
    buckets: dict[bytes, list[int]] = {}
    for index, keys in candidates.items():
        for key in keys:
            buckets.setdefault(key, []).append(index)
    near: dict[int, set[int]] = {}
    for key, members in buckets.items():
        if len(members) < 2 or len(members) > max_bucket:
            continue
        sets = [frozenset(array("H", ballots[i])) for i in members]
        for a in range(len(members)):
            u = members[a]
            for b in range(a + 1, len(members)):
                v = members[b]
                if _earlier_band_shared(candidates[u], candidates[v], key):
                    continue
                agree = len(sets[a] & sets[b])
                if agree >= len(sets[a]) - 2:
                    near.setdefault(u, set()).add(v)
                if agree >= len(sets[b]) - 2:
                    near.setdefault(v, set()).add(u)
    voters = len(ballots)
    found = []
    for index, others in near.items():
        if len(others) + 1 < min_accounts:
            continue
        ranks = array("H", ballots[index])
        log10_t = log10_near_agreement([log_share[rank] for rank in ranks])
        t = 10**log10_t
        log10_p = log10_binomial_tail(voters - 1, t, len(others))
        if log10_p < log10_alpha:
            found.append(
                _Test(
                    [index, *sorted(others)],
                    ballots[index],
                    len(others) + 1,
                    (voters - 1) * t,
                    log10_p,
                    2,
                    voters,
                )
            )
    # A near-copy counts in the cluster only when it is significant in its own right.
    significant = {test.voters[0] for test in found}
    return [replace(test, voters=[i for i in test.voters if i in significant]) for test in found]


def _earlier_band_shared(first: list[bytes], second: list[bytes], key: bytes) -> bool:
    """Whether two voters share a band key that sorts before ``key`` (the pair was compared
    in that bucket already)."""
    return any(k < key and k in second for k in first)


def _clusters(
    found: list[_Test], store: _Ballots, order: list[int], *, tests: int
) -> list[Cluster]:
    """Voters that significant tests connect, one cluster each, with its most telling test."""
    parent: dict[int, int] = {}

    def root(index: int) -> int:
        parent.setdefault(index, index)
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for test in found:
        first = root(test.voters[0])
        for index in test.voters[1:]:
            parent[root(index)] = first
    groups: dict[int, set[int]] = {}
    best: dict[int, _Test] = {}
    for test in found:
        top = root(test.voters[0])
        groups.setdefault(top, set()).update(test.voters)
        if top not in best or (test.log10_p, -test.accounts) < (
            best[top].log10_p,
            -best[top].accounts,
        ):
            best[top] = test
    clusters = []
    for top, indices in groups.items():
        test = best[top]
        clusters.append(
            Cluster(
                voter_ids=sorted(store.voter_ids[i] for i in indices),
                choices=sorted(order[rank] for rank in array("H", test.key)),
                key_accounts=test.accounts,
                differences_allowed=test.differences,
                expected_accounts=test.expected,
                log10_probability=test.log10_p,
                log10_adjusted=min(0.0, test.log10_p + math.log10(tests)),
                tests=tests,
                voters_compared=test.compared,
                window=test.window,
            )
        )
    return sorted(clusters, key=lambda cluster: (cluster.log10_adjusted, cluster.voter_ids[0]))
