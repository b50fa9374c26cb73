"""Public voting rounds: ballots, votes, tallies and the checks against duplicate votes."""
