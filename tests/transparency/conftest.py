"""A round with a small ballot and votes cast straight into the table (the vote path has
its own tests; here what matters is what the log makes of the votes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from prizes.accounts.models import User
from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine
from prizes.nominations.models import Nomination
from prizes.voting.models import Vote, VotingRound
from tests.factories import make_edition, make_entry, make_nomination, make_round

HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


@dataclass
class LogContest:
    voting_round: VotingRound
    nominations: list[Nomination]

    def cast(self, db, count: int, *, start: int = 0, nomination: int = 0) -> list[Vote]:
        """``count`` votes by new voters for one nomination, an hour ago."""
        moment = now() - timedelta(hours=1)
        users = (
            db.execute(
                insert(User).returning(User.id),
                [
                    {
                        "email": f"log{start + i}@example.org",
                        "email_canonical": f"log{start + i}@example.org",
                        "password_hash": HASH,
                        "email_verified_at": moment,
                        "created_at": moment - timedelta(days=30),
                        "session_version": 1,
                    }
                    for i in range(count)
                ],
            )
            .scalars()
            .all()
        )
        chosen = self.nominations[nomination]
        db.execute(
            insert(Vote),
            [
                {
                    "round_id": self.voting_round.id,
                    "category_id": chosen.category_id,
                    "nomination_id": chosen.id,
                    "voter_id": uid,
                    "receipt_code": f"LOGT-{uid:04d}-AAAA-BBBB",
                    "cast_at": moment + timedelta(seconds=7 * i),
                    "status": "valid",
                }
                for i, uid in enumerate(users)
            ],
        )
        return list(db.scalars(select(Vote).where(Vote.voter_id.in_(users)).order_by(Vote.id)))


@pytest.fixture
def log_contest(db) -> LogContest:
    edition = make_edition()
    nominations = [
        make_nomination(
            edition=edition, entry=make_entry(action_lines=(ActionLine.C4,)), category_number=4
        )
        for _ in range(3)
    ]
    voting_round = make_round(edition=edition, nominations=nominations)
    db.commit()
    return LogContest(voting_round, nominations)
