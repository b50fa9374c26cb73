"""Fraud checks for a voting round: find the patterns of scripted and organised voting.

The checks only point; the secretariat decides (dismiss the flag, or invalidate the votes).
Each flag keeps the evidence for that decision: ids, times and hash prefixes, never an
address. A round may hold millions of votes, so the checks narrow down in SQL (GROUP BY ...
HAVING) and read only the columns they need, never Vote objects.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby, pairwise
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Float, and_, cast, func, select
from sqlalchemy.orm import aliased

from prizes.accounts.models import LoginEvent, User
from prizes.core import audit
from prizes.db import db
from prizes.voting.coincidence import find_clusters
from prizes.voting.models import (
    FlagKind,
    FlagStatus,
    SuspicionFlag,
    Vote,
    VoteStatus,
    VotingRound,
)

KINDS = tuple(FlagKind)

FRAUD_DEFAULTS: dict[str, int | float] = {
    "FLAG_BURST_VOTES": 20,
    "FLAG_BURST_MINUTES": 10,
    "FLAG_BULK_LOGIN_ACCOUNTS": 10,
    "FLAG_BULK_LOGIN_MINUTES": 30,
    "FLAG_FRESH_ACCOUNT_HOURS": 24,
    "FLAG_FRESH_ACCOUNTS": 15,
    "FLAG_CADENCE_MIN_VOTES": 6,
    "FLAG_CADENCE_MAX_CV": 0.1,
    "FLAG_BALLOT_MIN_ACCOUNTS": 5,
    "FLAG_BALLOT_MIN_CATEGORIES": 4,
    "FLAG_BALLOT_ALPHA": 0.001,
    "FLAG_BALLOT_WINDOW_MINUTES": 60,
}
# Evidence lists are capped so that one flag stays a readable, bounded JSON document.
MAX_EVIDENCE_IDS = 1000
# A hash prefix is enough to tell networks apart on screen and to name the subject.
HASH_PREFIX = 16
# Rows per round trip when reading long lists (votes of many voters, cadence timestamps).
CHUNK = 5000


@dataclass
class Finding:
    """One suspicious pattern before it is stored: the votes it concerns and its evidence."""

    kind: FlagKind
    subject: str
    vote_ids: list[int]
    details: dict[str, Any]

    def evidence(self) -> dict[str, Any]:
        return {
            **self.details,
            "vote_count": len(self.vote_ids),
            **capped("vote_ids", sorted(self.vote_ids)),
        }


def compute_flags(voting_round: VotingRound, *, now: datetime) -> list[SuspicionFlag]:
    """Run every check on the round's valid votes and store what they find.

    Side effects: adds or updates SuspicionFlag rows and flushes. A pattern (kind, subject)
    found again updates its current flag, which keeps its created_at and status, except that
    a dismissed flag that new votes joined reopens. An actioned flag is never reopened nor
    rewritten: new votes in its pattern make a new open flag that follows it. Flags not found
    again are left as they are. Writes one "voting.flags_computed" audit event. Never commits.
    """
    findings = [
        *find_network_bursts(voting_round),
        *find_bulk_logins(voting_round),
        *find_fresh_single_project(voting_round),
        *find_machine_cadence(voting_round),
        *find_matching_ballots(voting_round),
    ]
    current = _current_flags(voting_round)
    flags: dict[tuple[str, str], SuspicionFlag] = {}
    created, reopened, followed = 0, [], []
    for finding in findings:
        key, evidence = (finding.kind, finding.subject), finding.evidence()
        flag, follows = current.get(key), None
        if flag is not None and flag.status == FlagStatus.ACTIONED:
            if not _has_unactioned_votes(flag, evidence):
                flags[key] = flag  # the decision and the evidence it was taken on stand
                continue
            followed.append(flag.id)
            flag, follows = None, flag  # new evidence: a new flag, following the actioned one
        if flag is None:
            flag = current[key] = SuspicionFlag(
                round_id=voting_round.id,
                kind=finding.kind,
                subject=finding.subject,
                status=FlagStatus.OPEN,
                created_at=now,
                follows=follows,
            )
            db.session.add(flag)
            created += 1
        elif flag.status == FlagStatus.DISMISSED and _has_new_votes(flag, evidence):
            # A dismissed pattern that goes on is the secretariat's again.
            flag.status = FlagStatus.OPEN
            flag.reviewed_at = flag.reviewed_by_id = None
            reopened.append(flag.id)
        flag.evidence, flag.vote_count = evidence, evidence["vote_count"]
        flags[key] = flag
    counts = Counter(kind for kind, _subject in flags)
    audit.record(
        db.session,
        "voting.flags_computed",
        actor=None,
        target=voting_round,
        counts={str(kind): counts[kind] for kind in KINDS},
        created=created,
        reopened=reopened,
        followed_up=followed,
    )
    db.session.flush()
    return list(flags.values())


def _current_flags(voting_round: VotingRound) -> dict[tuple[str, str], SuspicionFlag]:
    """Each pattern's latest flag: the one no later flag follows."""
    later = aliased(SuspicionFlag)
    query = (
        select(SuspicionFlag)
        .outerjoin(later, later.follows_id == SuspicionFlag.id)
        .where(SuspicionFlag.round_id == voting_round.id, later.id.is_(None))
    )
    return {(flag.kind, flag.subject): flag for flag in db.session.scalars(query)}


def find_network_bursts(voting_round: VotingRound) -> list[Finding]:
    """Many votes for one nomination from one network within minutes: a voting script."""
    threshold = int(setting("FLAG_BURST_VOTES"))
    window = timedelta(minutes=setting("FLAG_BURST_MINUTES"))
    pairs = (
        select(Vote.nomination_id, Vote.network_hash)
        .where(_valid_in(voting_round), Vote.network_hash.is_not(None))
        .group_by(Vote.nomination_id, Vote.network_hash)
        .having(func.count() >= threshold)
        .subquery()
    )
    same_pair = and_(
        Vote.nomination_id == pairs.c.nomination_id, Vote.network_hash == pairs.c.network_hash
    )
    rows = db.session.execute(
        select(Vote.nomination_id, Vote.network_hash, Vote.id, Vote.voter_id, Vote.cast_at)
        .join(pairs, same_pair)
        .where(_valid_in(voting_round))
        .order_by(Vote.nomination_id, Vote.network_hash, Vote.cast_at, Vote.id)
    )
    findings = []
    for (nomination_id, network), group in groupby(rows, key=lambda row: row[:2]):
        votes = list(group)
        marked = dense_windows([(v.cast_at, v.id) for v in votes], window, threshold)
        if marked:
            findings.append(
                _vote_finding(
                    FlagKind.NETWORK_BURST,
                    f"{nomination_id}:{network[:HASH_PREFIX]}",
                    [votes[i] for i in marked],
                    nomination_id=nomination_id,
                    network=network[:HASH_PREFIX],
                    window_minutes=setting("FLAG_BURST_MINUTES"),
                )
            )
    return findings


def find_bulk_logins(voting_round: VotingRound) -> list[Finding]:
    """Many accounts signing in from one network or device within minutes: a list of
    accounts logged in by a script, or a campaign sharing one machine."""
    threshold = int(setting("FLAG_BULK_LOGIN_ACCOUNTS"))
    window = timedelta(minutes=setting("FLAG_BULK_LOGIN_MINUTES"))
    in_round = and_(
        LoginEvent.succeeded.is_(True),
        LoginEvent.user_id.is_not(None),
        LoginEvent.at >= voting_round.opens_at,
        LoginEvent.at < voting_round.closes_at,
    )
    groups: list[tuple[str, str, list[Any]]] = []
    for basis, column in (("network", LoginEvent.network_hash), ("device", LoginEvent.device_hash)):
        crowded = (
            select(column.label("hash"))
            .where(in_round, column.is_not(None))
            .group_by(column)
            .having(func.count(LoginEvent.user_id.distinct()) >= threshold)
            .subquery()
        )
        rows = db.session.execute(
            select(column, LoginEvent.user_id, LoginEvent.at)
            .join(crowded, column == crowded.c.hash)
            .where(in_round)
            .order_by(column, LoginEvent.at, LoginEvent.id)
        )
        for hash_value, group in groupby(rows, key=lambda row: row[0]):
            events = list(group)
            marked = dense_windows([(e.at, e.user_id) for e in events], window, threshold)
            if marked:
                groups.append((basis, hash_value, [events[i] for i in marked]))
    votes_of = _votes_by_voter(voting_round, {e.user_id for *_, events in groups for e in events})
    findings = []
    for basis, hash_value, events in groups:
        users = sorted({event.user_id for event in events})
        details = {
            basis: hash_value[:HASH_PREFIX],
            "window_minutes": setting("FLAG_BULK_LOGIN_MINUTES"),
            "first_login_at": events[0].at.isoformat(),
            "last_login_at": events[-1].at.isoformat(),
            "account_count": len(users),
            **capped("user_ids", users),
        }
        vote_ids = [vote_id for user in users for vote_id in votes_of.get(user, ())]
        findings.append(
            Finding(FlagKind.BULK_LOGINS, f"{basis}:{hash_value[:HASH_PREFIX]}", vote_ids, details)
        )
    return findings


def find_fresh_single_project(voting_round: VotingRound) -> list[Finding]:
    """Accounts made just to vote once, all for one project: an organised campaign."""
    fresh = timedelta(hours=setting("FLAG_FRESH_ACCOUNT_HOURS"))
    singles = (
        select(Vote.voter_id)
        .where(_valid_in(voting_round))
        .group_by(Vote.voter_id)
        .having(func.count() == 1)
        .subquery()
    )
    rows = db.session.execute(
        select(Vote.nomination_id, Vote.id, Vote.voter_id, Vote.cast_at, User.created_at)
        .join(singles, Vote.voter_id == singles.c.voter_id)
        .join(User, User.id == Vote.voter_id)
        .where(_valid_in(voting_round))
    )
    by_nomination: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        if row.cast_at - row.created_at <= fresh:
            by_nomination[row.nomination_id].append(row)
    return [
        _vote_finding(
            FlagKind.FRESH_SINGLE_PROJECT,
            str(nomination_id),
            sorted(votes, key=lambda vote: (vote.cast_at, vote.id)),
            nomination_id=nomination_id,
            fresh_hours=setting("FLAG_FRESH_ACCOUNT_HOURS"),
        )
        for nomination_id, votes in sorted(by_nomination.items())
        if len(votes) >= int(setting("FLAG_FRESH_ACCOUNTS"))
    ]


def find_machine_cadence(voting_round: VotingRound) -> list[Finding]:
    """A voter moving through many categories at a near-constant pace: a script with a fixed
    delay (people read, hesitate and skip; scripts do not)."""
    max_cv = float(setting("FLAG_CADENCE_MAX_CV"))
    # In SQL, the gaps' mean and variance per voter pick the candidates (with a margin for
    # float rounding); Python then measures the candidates exactly.
    seconds = _epoch_seconds(Vote.cast_at)
    order = (Vote.cast_at, Vote.id)
    previous = func.lag(seconds).over(partition_by=Vote.voter_id, order_by=order)
    gaps = (
        select(Vote.voter_id, (seconds - previous).label("gap"))
        .where(_valid_in(voting_round))
        .subquery()
    )
    average = func.avg(gaps.c.gap)
    steady = (
        select(gaps.c.voter_id)
        .where(gaps.c.gap.is_not(None))
        .group_by(gaps.c.voter_id)
        .having(
            func.count() >= int(setting("FLAG_CADENCE_MIN_VOTES")) - 1,
            average > 0,
            func.avg(gaps.c.gap * gaps.c.gap) - average * average
            < (1.2 * max_cv) ** 2 * average * average,
        )
        .subquery()
    )
    rows = db.session.execute(
        select(Vote.voter_id, Vote.id, Vote.cast_at)
        .join(steady, Vote.voter_id == steady.c.voter_id)
        .where(_valid_in(voting_round))
        .order_by(Vote.voter_id, *order),
        execution_options={"yield_per": CHUNK},
    )
    findings = []
    for voter_id, group in groupby(rows, key=lambda row: row.voter_id):
        votes = list(group)
        pauses = [(b.cast_at - a.cast_at).total_seconds() for a, b in pairwise(votes)]
        mean = math.fsum(pauses) / len(pauses)
        # Population standard deviation, in floats (statistics.pstdev is exact but slow).
        spread = math.sqrt(math.fsum((gap - mean) ** 2 for gap in pauses) / len(pauses))
        if mean <= 0 or (cv := spread / mean) >= max_cv:
            continue
        findings.append(
            _vote_finding(
                FlagKind.MACHINE_CADENCE,
                f"voter:{voter_id}",
                votes,
                voter_id=voter_id,
                gaps_seconds=[round(gap, 3) for gap in pauses],
                mean_seconds=round(mean, 3),
                cv=round(cv, 4),
            )
        )
    return findings


def find_matching_ballots(voting_round: VotingRound) -> list[Finding]:
    """Accounts whose ballots coincide far beyond chance given each category's vote shares:
    a campaign voting a preset list, however many networks and accounts it spreads over.
    The statistics are in prizes.voting.coincidence; here the round's ballots are read
    (three columns, streamed by voter) and the clusters get their evidence."""
    valid = _valid_in(voting_round)
    counted = db.session.execute(
        select(Vote.category_id, Vote.nomination_id, func.count())
        .where(valid)
        .group_by(Vote.category_id, Vote.nomination_id)
    ).all()
    totals: Counter[int] = Counter()
    for category_id, _nomination_id, count in counted:
        totals[category_id] += count
    shares = {nomination: count / totals[category] for category, nomination, count in counted}
    rows = db.session.execute(
        select(Vote.voter_id, Vote.nomination_id, Vote.cast_at)
        .where(valid)
        .order_by(Vote.voter_id),
        execution_options={"yield_per": CHUNK},
    )
    clusters = find_clusters(
        _ballots(rows),
        shares,
        {nomination: category for category, nomination, _count in counted},
        min_accounts=int(setting("FLAG_BALLOT_MIN_ACCOUNTS")),
        min_choices=int(setting("FLAG_BALLOT_MIN_CATEGORIES")),
        alpha=float(setting("FLAG_BALLOT_ALPHA")),
        window_seconds=60.0 * float(setting("FLAG_BALLOT_WINDOW_MINUTES")) or None,
    )
    if not clusters:
        return []
    votes_of = _ballots_of(voting_round, {voter for c in clusters for voter in c.voter_ids})
    findings = []
    for cluster in clusters:
        votes = sorted(
            (vote for voter in cluster.voter_ids for vote in votes_of[voter]),
            key=lambda vote: (vote.cast_at, vote.id),
        )
        orders = Counter(
            tuple(vote.category_id for vote in votes_of[voter]) for voter in cluster.voter_ids
        )
        registered = sorted(votes_of[voter][0].created_at for voter in cluster.voter_ids)
        choices = ",".join(str(choice) for choice in cluster.choices)
        findings.append(
            _vote_finding(
                FlagKind.MATCHING_BALLOTS,
                f"ballot:{hashlib.sha256(choices.encode()).hexdigest()[:HASH_PREFIX]}",
                votes,
                account_count=len(cluster.voter_ids),
                nomination_ids=cluster.choices,
                category_count=len(cluster.choices),
                key_accounts=cluster.key_accounts,
                differences_allowed=cluster.differences_allowed,
                expected_accounts=float(f"{cluster.expected_accounts:.3g}"),
                log10_probability=round(cluster.log10_probability, 2),
                log10_adjusted_probability=round(cluster.log10_adjusted, 2),
                adjusted_probability=float(f"{10**cluster.log10_adjusted:.3g}"),
                tests=cluster.tests,
                voters_compared=cluster.voters_compared,
                same_order_accounts=orders.most_common(1)[0][1],
                registered_first_at=registered[0].isoformat(),
                registered_last_at=registered[-1].isoformat(),
                **_compared_window(cluster.window),
            )
        )
    return findings


def dense_windows(
    events: Sequence[tuple[datetime, Hashable]], window: timedelta, threshold: int
) -> list[int]:
    """Indices of the (time, key) events, sorted by time, that fall in some span of ``window``
    holding at least ``threshold`` distinct keys; one pass, so linear in the events."""
    inside: Counter[Hashable] = Counter()
    marked: list[int] = []
    start = unmarked = 0
    for end, (moment, key) in enumerate(events):
        inside[key] += 1
        while moment - events[start][0] > window:
            gone = events[start][1]
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
            start += 1
        if len(inside) >= threshold:
            marked.extend(range(max(start, unmarked), end + 1))
            unmarked = end + 1
    return marked


def setting(name: str) -> Any:
    """A threshold from the app's settings, or the module's default."""
    return current_app.config.get(name, FRAUD_DEFAULTS[name])


def capped(name: str, ids: Sequence[int]) -> dict[str, Any]:
    """An id list for the evidence, cut at MAX_EVIDENCE_IDS, saying how many were left out."""
    return {
        name: list(ids[:MAX_EVIDENCE_IDS]),
        f"{name}_omitted": max(0, len(ids) - MAX_EVIDENCE_IDS),
    }


def _valid_in(voting_round: VotingRound) -> ColumnElement[bool]:
    return and_(Vote.round_id == voting_round.id, Vote.status == VoteStatus.VALID)


def _epoch_seconds(column: Any) -> ColumnElement[float]:
    """A time as seconds since 1970, in SQL: each backend spells it its own way."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return cast(func.extract("epoch", column), Float)


def _vote_finding(kind: FlagKind, subject: str, votes: Sequence[Any], **details: Any) -> Finding:
    """A finding on these vote rows (sorted by time): when they were cast, and by whom."""
    span = {
        "first_vote_at": votes[0].cast_at.isoformat(),
        "last_vote_at": votes[-1].cast_at.isoformat(),
        **capped("voter_ids", sorted({vote.voter_id for vote in votes})),
    }
    return Finding(kind, subject, [vote.id for vote in votes], {**details, **span})


def _votes_by_voter(voting_round: VotingRound, voter_ids: Iterable[int]) -> dict[int, list[int]]:
    """The round's valid vote ids of each of these voters, read in chunks (bounded IN lists)."""
    voters = sorted(voter_ids)
    votes: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(voters), CHUNK):
        rows = db.session.execute(
            select(Vote.voter_id, Vote.id).where(
                _valid_in(voting_round), Vote.voter_id.in_(voters[start : start + CHUNK])
            )
        )
        for voter_id, vote_id in rows:
            votes[voter_id].append(vote_id)
    return votes


def _ballots(rows: Iterable[Any]) -> Iterator[tuple[int, list[int], float]]:
    """Each voter's choices and first vote time (seconds), from vote rows sorted by voter."""
    for voter_id, group in groupby(rows, key=lambda row: row.voter_id):
        votes = list(group)
        first = min(vote.cast_at for vote in votes)
        yield voter_id, [vote.nomination_id for vote in votes], first.timestamp()


def _compared_window(window: tuple[float, float] | None) -> dict[str, str]:
    """When the voters compared began voting, if the test compared a window of the round."""
    if window is None:
        return {}
    start, end = (datetime.fromtimestamp(moment, UTC).isoformat() for moment in window)
    return {"compared_from": start, "compared_until": end}


def _ballots_of(voting_round: VotingRound, voter_ids: Iterable[int]) -> dict[int, list[Any]]:
    """The valid votes of each of these voters in the round, in the order cast, with the
    account's registration time; read in chunks (bounded IN lists)."""
    voters = sorted(voter_ids)
    votes: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(voters), CHUNK):
        rows = db.session.execute(
            select(Vote.voter_id, Vote.id, Vote.category_id, Vote.cast_at, User.created_at)
            .join(User, User.id == Vote.voter_id)
            .where(_valid_in(voting_round), Vote.voter_id.in_(voters[start : start + CHUNK]))
            .order_by(Vote.voter_id, Vote.cast_at, Vote.id)
        )
        for row in rows:
            votes[row.voter_id].append(row)
    return votes


def _has_new_votes(flag: SuspicionFlag, evidence: dict[str, Any]) -> bool:
    """Whether votes joined a flag since it was last stored. The stored id list is only
    complete when nothing was omitted; otherwise a higher count is the sign."""
    if evidence["vote_count"] > flag.vote_count:
        return True
    old = flag.evidence or {}
    if old.get("vote_ids_omitted", 0):
        return False
    return bool(set(evidence["vote_ids"]) - set(old.get("vote_ids", ())))


def _has_unactioned_votes(flag: SuspicionFlag, evidence: dict[str, Any]) -> bool:
    """Whether a finding names valid votes that the actioned flag did not list (its listed
    votes were invalidated when it was actioned; votes past the cap never were)."""
    listed = set((flag.evidence or {}).get("vote_ids", ()))
    return bool(evidence["vote_ids_omitted"] or set(evidence["vote_ids"]) - listed)
