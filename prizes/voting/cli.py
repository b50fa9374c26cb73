"""``flask --app wsgi compute-flags ROUND_ID``: run the fraud checks on a round."""

from __future__ import annotations

import click
from flask import Flask

from prizes.core.clock import now
from prizes.db import db
from prizes.voting.fraud import compute_flags
from prizes.voting.models import FlagStatus, VotingRound


def init_app(app: Flask) -> None:
    @app.cli.command("compute-flags")
    @click.argument("round_id", type=int)
    def compute(round_id: int) -> None:
        """Compute the suspicion flags of a voting round (minutes for millions of votes)."""
        voting_round = db.session.get(VotingRound, round_id)
        if voting_round is None:
            raise click.ClickException(f"No voting round {round_id}.")
        flags = compute_flags(voting_round, now=now())
        db.session.commit()
        open_flags = sum(1 for flag in flags if flag.status is FlagStatus.OPEN)
        click.echo(f"{len(flags)} flags ({open_flags} open) for round {round_id}.")
