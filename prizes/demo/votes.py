"""The crowd's votes in a demo round: real vote rows, skewed as real votes are, and, when
asked, a scripted campaign for the fraud checks to find.

Written in bulk (one INSERT per round) rather than through ``cast_vote``, whose checks are
the request's (signed in, the round open now): a past round's votes are cast in its past.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from prizes.db import db
from prizes.nominations.models import Nomination, NominationStatus
from prizes.voting.models import Vote, VotingRound
from prizes.voting.services import new_receipt_code

# A campaign of fresh accounts on one network, all for one project: the fraud checks flag
# it (a burst, and fresh accounts for a single project). It stays under the integrity
# threshold (30 per cent of the project's votes), so the round can still be advanced.
CAMPAIGN_VOTES = 22
# Fresh accounts for the campaign: (count, created_between=(low, high)) -> their ids.
FreshAccounts = Callable[..., list[int]]


def cast_votes(
    voting_round: VotingRound,
    *,
    rng: random.Random,
    voters: list[int],
    until: datetime,
    campaign: FreshAccounts | None,
) -> None:
    """Votes of ``voters`` until ``until``: a few favourites in each category and a long
    tail (no two nominees with the same count, so the shortlist is exactly the top five);
    with ``campaign``, also a scripted campaign by fresh accounts it makes, which the fraud
    checks then flag."""
    ballot: dict[int, list[int]] = defaultdict(list)
    for category_id, nomination_id in db.session.execute(
        select(Nomination.category_id, Nomination.id)
        .where(
            Nomination.edition_id == voting_round.edition_id,
            Nomination.status == NominationStatus.NOMINATED,
        )
        .order_by(Nomination.id)
    ):
        ballot[category_id].append(nomination_id)
    opens = voting_round.opens_at
    span = int((until - opens).total_seconds())
    rows = []
    favourite: tuple[int, int] | None = None
    leaders: dict[int, int] = {}
    for category_id, ids in sorted(ballot.items()):
        order = rng.sample(ids, k=len(ids))
        top = rng.randint(60, 110)
        counts: list[int] = []
        for place in range(len(order)):
            count = max(1, round(top / (place + 1) ** rng.uniform(0.7, 1.1)))
            counts.append(min(count, counts[-1] - 1) if counts else count)
        chosen = iter(rng.sample(voters, k=min(len(voters), sum(counts))))
        for nomination_id, count in zip(order, counts, strict=True):
            for _ in range(count):
                rows.append(
                    _vote_row(
                        rng, voting_round, category_id, nomination_id, next(chosen), opens, span
                    )
                )
        leaders[category_id] = order[0]
        if favourite is None and counts[0] >= 80:
            favourite = (category_id, order[0])
    db.session.execute(insert(Vote), rows)
    if campaign is not None and favourite is not None:
        at = opens + (until - opens) / 2
        _campaign(rng, voting_round, campaign, favourite, leaders, at=at)


def _vote_row(
    rng: random.Random,
    voting_round: VotingRound,
    category_id: int,
    nomination_id: int,
    voter: int,
    opens: datetime,
    span: int,
) -> dict[str, object]:
    return {
        "round_id": voting_round.id,
        "category_id": category_id,
        "nomination_id": nomination_id,
        "voter_id": voter,
        "cast_at": opens + timedelta(seconds=rng.randrange(span)),
        "receipt_code": new_receipt_code(),
        "network_hash": f"{rng.getrandbits(256):064x}",
        "device_hash": f"{rng.getrandbits(256):064x}",
        "status": "valid",
    }


def _campaign(
    rng: random.Random,
    voting_round: VotingRound,
    make_fresh: FreshAccounts,
    favourite: tuple[int, int],
    leaders: dict[int, int],
    *,
    at: datetime,
) -> None:
    """Fresh accounts on one network voting for one project within minutes, and one account
    voting for the favourites of eight categories every four seconds: what scripts do (the
    script's votes go to leaders, so no count ties another at the shortlist's cut-off)."""
    category_id, nomination_id = favourite
    fresh = make_fresh(
        CAMPAIGN_VOTES + 1, created_between=(at - timedelta(hours=3), at - timedelta(hours=1))
    )
    network = f"{rng.getrandbits(256):064x}"
    rows = []
    for index, voter in enumerate(fresh[:-1]):
        row = _vote_row(rng, voting_round, category_id, nomination_id, voter, at, 1)
        rows.append(row | {"cast_at": at + timedelta(seconds=17 * index), "network_hash": network})
    script = fresh[-1]
    for index, (other_category, leader) in enumerate(sorted(leaders.items())[:8]):
        row = _vote_row(rng, voting_round, other_category, leader, script, at, 1)
        rows.append(row | {"cast_at": at + timedelta(hours=2, seconds=4 * index)})
    db.session.execute(insert(Vote), rows)
