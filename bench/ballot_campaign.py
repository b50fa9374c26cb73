"""Simulated organic voters and a coordinated campaign: the matching-ballots check's error rates.

Organic voters choose independently, with a skewed popularity in each category: the
projects of a category have Zipf-like weights (weight 1/rank^s, a few popular projects and a
long tail), and each voter votes in a number of categories drawn from a mix of people who
vote once or twice, people who vote in a handful, and people who vote in all 18. The
campaign is N fresh accounts voting one preset ballot of 18 projects (by default the most
popular project of each category, the hardest case to tell from chance; ``--campaign-picks
mid`` takes mid-table projects instead). ``--supporters`` adds a third group: organisations
with projects in several categories whose supporters vote for all of them and choose
freely elsewhere, organic canvassing that the check may rightly point at; their figure is
printed apart.

The statistics run exactly as in the fraud check (``prizes.voting.coincidence``), without a
database, so that large rounds can be measured; ``tests/voting/test_matching_ballots.py``
runs a smaller round through the real check and database and asserts the rates.

    .venv/bin/python bench/ballot_campaign.py                    # 50,000 voters, seed 13
    .venv/bin/python bench/ballot_campaign.py --voters 300000 --rounds 1
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prizes.voting.coincidence import find_clusters

CATEGORIES = 18
ROUND_DAYS = 21


@dataclass
class SimulatedRound:
    """Ballots of one round: voter id -> nomination ids, and who is who."""

    ballots: dict[int, list[int]] = field(default_factory=dict)
    # When each voter cast its first vote, in seconds from the opening of the round.
    first_votes: dict[int, float] = field(default_factory=dict)
    organic: set[int] = field(default_factory=set)
    campaign: set[int] = field(default_factory=set)
    supporters: set[int] = field(default_factory=set)
    # The round's projects: category -> nomination ids, most popular first.
    projects: list[list[int]] = field(default_factory=list)


def ballot_size(rng: random.Random) -> int:
    """How many categories an organic voter votes in: many vote once or twice, some in a
    handful, about a quarter in all 18."""
    roll = rng.random()
    if roll < 0.35:
        return rng.randint(1, 2)
    if roll < 0.75:
        return rng.randint(3, 10)
    if roll < 0.8:
        return rng.randint(11, 17)
    return CATEGORIES


def simulate(
    *,
    voters: int,
    seed: int,
    campaign: int = 20,
    campaign_picks: str = "top",
    near: bool = False,
    projects: tuple[int, int] = (15, 60),
    zipf: float = 1.2,
    supporters: int = 0,
) -> SimulatedRound:
    """One round's ballots. Nomination ids are numbered per round from 1."""
    rng = random.Random(seed)  # noqa: S311 (a simulation, reproducible from its seed)
    result = SimulatedRound()
    weights = []
    next_id = 1
    for _category in range(CATEGORIES):
        count = rng.randint(*projects)
        result.projects.append(list(range(next_id, next_id + count)))
        next_id += count
        weights.append([1 / rank**zipf for rank in range(1, count + 1)])
    # Some categories draw more voters than others.
    category_weights = [rng.uniform(0.5, 1.5) for _ in range(CATEGORIES)]
    voter_id = 0
    for _ in range(voters):
        voter_id += 1
        chosen = _sample(rng, category_weights, ballot_size(rng))
        result.ballots[voter_id] = [
            rng.choices(result.projects[c], weights=weights[c])[0] for c in chosen
        ]
        result.first_votes[voter_id] = organic_time(rng)
        result.organic.add(voter_id)
    # Organisations with projects in several categories, and their supporters.
    for _ in range(supporters // 25):
        categories = rng.sample(range(CATEGORIES), rng.randint(3, 6))
        theirs = {c: rng.choice(result.projects[c][3:]) for c in categories}
        for _ in range(25):
            voter_id += 1
            others = [c for c in range(CATEGORIES) if c not in theirs]
            extra = rng.sample(others, rng.randint(0, len(others)))
            ballot = list(theirs.values())
            ballot += [rng.choices(result.projects[c], weights=weights[c])[0] for c in extra]
            result.ballots[voter_id] = ballot
            result.first_votes[voter_id] = organic_time(rng)
            result.supporters.add(voter_id)
    if campaign_picks == "top":
        preset = [result.projects[c][0] for c in range(CATEGORIES)]
    else:
        preset = [result.projects[c][len(result.projects[c]) // 3] for c in range(CATEGORIES)]
    # The script signs in each account in turn and votes its 18 projects, 0-5 s apart.
    moment = organic_time(rng)
    for _ in range(campaign):
        voter_id += 1
        result.first_votes[voter_id] = moment
        moment += sum(rng.uniform(0, 5) for _ in range(CATEGORIES)) + rng.uniform(0, 5)
        ballot = list(preset)
        if near:
            # Each account changes one choice, or skips one category.
            c = rng.randrange(CATEGORIES)
            if rng.random() < 0.5:
                del ballot[c]
            else:
                ballot[c] = rng.choice([p for p in result.projects[c] if p != preset[c]])
        result.ballots[voter_id] = ballot
        result.campaign.add(voter_id)
    return result


def organic_time(rng: random.Random) -> float:
    """When an organic voter starts voting in a three-week round: a tenth on the opening
    day (the announcement), the rest over the three weeks, mostly in the day-time."""
    day = 0 if rng.random() < 0.1 else rng.randrange(ROUND_DAYS)
    hour = min(23.99, max(0.0, rng.gauss(14, 4)))
    return day * 86400 + hour * 3600


def _sample(rng: random.Random, weights: list[float], k: int) -> list[int]:
    """k distinct categories, drawn with these weights."""
    pool = list(range(len(weights)))
    chosen: list[int] = []
    for _ in range(k):
        [pick] = rng.choices(pool, weights=[weights[c] for c in pool])
        pool.remove(pick)
        chosen.append(pick)
    return chosen


def shares_of(round_: SimulatedRound) -> dict[int, float]:
    """Each nomination's share of the votes in its category, as the check computes it."""
    counts: dict[int, int] = {}
    for ballot in round_.ballots.values():
        for choice in ballot:
            counts[choice] = counts.get(choice, 0) + 1
    shares = {}
    for projects in round_.projects:
        total = sum(counts.get(p, 0) for p in projects)
        shares.update({p: counts[p] / total for p in projects if counts.get(p)})
    return shares


@dataclass
class Rates:
    organic_flagged: int
    organic: int
    campaign_flagged: int
    campaign: int
    supporters_flagged: int
    supporters: int
    clusters: int
    seconds: float

    @property
    def false_positive_rate(self) -> float:
        return self.organic_flagged / self.organic if self.organic else 0.0

    @property
    def detection_rate(self) -> float:
        return self.campaign_flagged / self.campaign if self.campaign else 0.0


def measure(round_: SimulatedRound, **settings: Any) -> Rates:
    """Run the check's statistics on the round and count who was flagged."""
    started = time.perf_counter()
    categories = {p: c for c, projects in enumerate(round_.projects) for p in projects}
    ballots = ((v, ballot, round_.first_votes[v]) for v, ballot in round_.ballots.items())
    clusters = find_clusters(ballots, shares_of(round_), categories, **settings)
    seconds = time.perf_counter() - started
    flagged = {voter for cluster in clusters for voter in cluster.voter_ids}
    return Rates(
        organic_flagged=len(flagged & round_.organic),
        organic=len(round_.organic),
        campaign_flagged=len(flagged & round_.campaign),
        campaign=len(round_.campaign),
        supporters_flagged=len(flagged & round_.supporters),
        supporters=len(round_.supporters),
        clusters=len(clusters),
        seconds=seconds,
    )


def _memory(field: str) -> float:
    """This process's resident memory (VmRSS) or its peak so far (VmHWM), in MiB (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--rounds", type=int, default=5, help="rounds, seeds seed..seed+n-1")
    parser.add_argument("--campaign", type=int, default=20)
    parser.add_argument("--campaign-picks", choices=("top", "mid"), default="top")
    parser.add_argument("--near", action="store_true", help="each account varies one choice")
    parser.add_argument("--supporters", type=int, default=0)
    parser.add_argument("--zipf", type=float, default=1.2)
    args = parser.parse_args()
    totals = Rates(0, 0, 0, 0, 0, 0, 0, 0.0)
    for offset in range(args.rounds):
        round_ = simulate(
            voters=args.voters,
            seed=args.seed + offset,
            campaign=args.campaign,
            campaign_picks=args.campaign_picks,
            near=args.near,
            zipf=args.zipf,
            supporters=args.supporters,
        )
        votes = sum(len(ballot) for ballot in round_.ballots.values())
        before = _memory("VmRSS")
        rates = measure(round_)
        print(
            f"seed {args.seed + offset}: {args.voters} organic voters, {votes} votes: "
            f"{rates.organic_flagged} organic flagged ({rates.false_positive_rate:.3%}), "
            f"campaign {rates.campaign_flagged}/{rates.campaign}, "
            f"supporters {rates.supporters_flagged}/{rates.supporters}, "
            f"{rates.clusters} clusters, {rates.seconds:.1f} s; memory {before:.0f} MiB with "
            f"the simulated round, peak {_memory('VmHWM'):.0f} MiB"
        )
        for name in ("organic_flagged", "organic", "campaign_flagged", "campaign"):
            setattr(totals, name, getattr(totals, name) + getattr(rates, name))
        totals.supporters_flagged += rates.supporters_flagged
        totals.supporters += rates.supporters
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"all {args.rounds} rounds: organic flagged {totals.organic_flagged}/{totals.organic} "
        f"({totals.false_positive_rate:.3%}); campaign flagged "
        f"{totals.campaign_flagged}/{totals.campaign} ({totals.detection_rate:.1%}); "
        f"supporters flagged {totals.supporters_flagged}/{totals.supporters}; "
        f"peak memory {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
