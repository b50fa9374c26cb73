"""Shared pieces of the voting tests: a round with a ballot of three categories."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prizes.accounts.models import User
from prizes.contest.models import Edition
from prizes.core.vocabulary import ActionLine
from prizes.nominations.models import Nomination
from prizes.voting.models import VotingRound
from tests.factories import make_edition, make_entry, make_nomination, make_round, make_user


@dataclass
class Contest:
    edition: Edition
    voting_round: VotingRound
    ballot: dict[int, list[Nomination]]  # category number -> nominations
    voter: User

    def category_id(self, number: int) -> int:
        return self.ballot[number][0].category_id


@pytest.fixture
def contest(db) -> Contest:
    edition = make_edition()
    ballot = {}
    for number, line in ((4, ActionLine.C4), (9, ActionLine.C7), (10, ActionLine.C7)):
        ballot[number] = [
            make_nomination(
                edition=edition, entry=make_entry(action_lines=(line,)), category_number=number
            )
            for _ in range(4)
        ]
    voting_round = make_round(
        edition=edition, nominations=[n for ns in ballot.values() for n in ns]
    )
    voter = make_user()
    db.commit()
    return Contest(edition, voting_round, ballot, voter)
