"""The transparency report of a round: what happened to its votes, in figures anyone may
read once the results are out (never before: it holds the counts the edition keeps hidden
until publication)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import distinct, func, select

from prizes.db import db
from prizes.transparency.models import LeafKind, LogLeaf
from prizes.transparency.queries import head_record, latest_head
from prizes.voting.models import FlagStatus, SuspicionFlag, Vote, VoteStatus, VotingRound


def round_report(voting_round: VotingRound) -> dict:
    """The report as plain data (the page and the JSON route show the same numbers)."""
    round_id = voting_round.id
    cast, valid, voters, networks = db.session.execute(
        select(
            func.count(),
            func.count().filter(Vote.status == VoteStatus.VALID),
            func.count(distinct(Vote.voter_id)),
            func.count(distinct(Vote.network_hash)),
        ).where(Vote.round_id == round_id)
    ).one()
    # Invalidations by the reason code the log gives them (the reason's words stay private).
    reasons = dict(
        db.session.execute(
            select(LogLeaf.reason_code, func.count())
            .where(LogLeaf.round_id == round_id, LogLeaf.kind == LeafKind.INVALIDATION)
            .group_by(LogLeaf.reason_code)
            .order_by(LogLeaf.reason_code)
        ).all()
    )
    flags: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FlagStatus, 0))
    for kind, status, count in db.session.execute(
        select(SuspicionFlag.kind, SuspicionFlag.status, func.count())
        .where(SuspicionFlag.round_id == round_id)
        .group_by(SuspicionFlag.kind, SuspicionFlag.status)
    ):
        flags[kind][status] = count
    per_day: dict[date, int] = defaultdict(int)
    for cast_at in db.session.scalars(
        select(LogLeaf.minute).where(LogLeaf.round_id == round_id, LogLeaf.kind == LeafKind.VOTE)
    ):
        per_day[cast_at.date()] += 1
    if not per_day and cast:  # the log is not built yet: count from the votes
        for cast_at in db.session.scalars(select(Vote.cast_at).where(Vote.round_id == round_id)):
            per_day[cast_at.date()] += 1
    head = latest_head(round_id)
    days = sorted(per_day.items())
    top = max((count for _day, count in days), default=0)
    return {
        "round_id": round_id,
        "round": voting_round.title,
        "votes_cast": cast,
        "valid": valid,
        "invalidated": cast - valid,
        "invalidated_by_reason": reasons,
        "flags": {
            kind: {status.value: n for status, n in states.items()}
            for kind, states in sorted(flags.items())
        },
        "votes_per_day": [
            {"day": day.isoformat(), "votes": count, "share_of_top": count / top if top else 0}
            for day, count in days
        ],
        "distinct_voters": voters,
        "distinct_networks": networks,
        "final_head": head_record(head) if head else None,
    }
