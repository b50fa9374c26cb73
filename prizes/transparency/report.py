"""The transparency report of a round: what happened to its votes, in figures anyone may
read once the results are out (never before: it holds the counts the edition keeps hidden
until publication)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import distinct, func, select

from prizes.db import db
from prizes.disputes.queries import round_outcomes
from prizes.transparency.models import LeafKind, LogLeaf
from prizes.transparency.queries import head_record, latest_head
from prizes.voting.integrity import reviews_of
from prizes.voting.models import (
    FlagKind,
    FlagStatus,
    SuspicionFlag,
    Vote,
    VoteStatus,
    VotingRound,
)


def _per_day(column: Any, *conditions: Any) -> dict[str, int]:
    """Counts per UTC day, grouped in the database (a million votes are not read)."""
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    else:
        day = func.substr(column, 1, 10)  # SQLite keeps the UTC time as ISO text
    rows = db.session.execute(select(day, func.count()).where(*conditions).group_by(day))
    return {str(value): count for value, count in rows}


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
    flags: dict[FlagKind, dict[FlagStatus, int]] = defaultdict(lambda: dict.fromkeys(FlagStatus, 0))
    for kind, status, count in db.session.execute(
        select(SuspicionFlag.kind, SuspicionFlag.status, func.count())
        .where(SuspicionFlag.round_id == round_id)
        .group_by(SuspicionFlag.kind, SuspicionFlag.status)
    ):
        flags[kind][status] = count
    per_day = _per_day(LogLeaf.minute, LogLeaf.round_id == round_id, LogLeaf.kind == LeafKind.VOTE)
    if not per_day and cast:  # the log is not built yet: count from the votes
        per_day = _per_day(Vote.cast_at, Vote.round_id == round_id)
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
            {"day": day, "votes": count, "share_of_top": count / top if top else 0}
            for day, count in days
        ],
        "distinct_voters": voters,
        "distinct_networks": networks,
        "final_head": head_record(head) if head else None,
        # The integrity threshold's decisions: the nomination, its share, kept or not (the
        # reason given to the nominator stays private).
        "integrity_reviews": [
            {
                "nomination_id": review.nomination_id,
                "suspect_share": round(review.share, 4),
                "decision": review.status.value,
            }
            for _nid, review in sorted(reviews_of(round_id).items())
        ],
        # Each dispute of the round as its outcome only: never its words, nor who opened it,
        # nor which vote it is about.
        "disputes": [
            {
                "number": dispute.id,
                "about": dispute.subject.value,
                "state": dispute.state.value,
                "outcome": dispute.outcome.value if dispute.outcome else None,
                "opened_on": dispute.opened_at.date().isoformat(),
                "closed_on": dispute.closed_at.date().isoformat() if dispute.closed_at else None,
            }
            for dispute in round_outcomes(round_id)
        ],
    }
