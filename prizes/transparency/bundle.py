"""The results record of an edition: everything its outcome was computed from, as one JSON
document whose SHA-256 the results page shows and the contest's key signs, and the check
that recomputes the outcome from the document alone (``verify-results``).

It holds the valid votes per nomination of each final round with the round's rule and
cut-off, the invalidations by leaf index and reason code, the log's heads, the experts'
scores under pseudonymous ids (E1, E2, ... in the order of their accounts), the
normalisation, the aggregated scores and ranks, the decisions with their rationale and the
software version. The recomputation reuses the contest's own rules:
``prizes.voting.queries.rank`` for the shortlist and ``prizes.review.aggregation.z_scores``
for the normalisation."""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections import defaultdict
from importlib import metadata

from sqlalchemy import select

from prizes.contest.models import Category, Edition
from prizes.db import db
from prizes.nominations.models import Nomination
from prizes.review.aggregation import aggregate, expert_scores, z_scores
from prizes.review.decisions import decisions_of
from prizes.review.models import ReviewStage
from prizes.transparency.models import LeafKind, LogLeaf
from prizes.transparency.queries import head_record, latest_head
from prizes.voting import queries as voting_queries
from prizes.voting.integrity import disqualified_ids
from prizes.voting.models import VotingRound

FORMAT = "wsis-prizes-results/1"
TOLERANCE = 1e-9


def canonical(document: dict) -> bytes:
    """The bytes hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(document: dict) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


def _version() -> str:
    try:
        return metadata.version("wsis-prizes")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_bundle(edition: Edition) -> dict:
    """The record of a published edition (the same document every time it is asked)."""
    numbers = dict(db.session.execute(select(Category.id, Category.number)).all())
    rounds = []
    for voting_round in db.session.scalars(
        select(VotingRound)
        .where(VotingRound.edition_id == edition.id, VotingRound.finalised_at.is_not(None))
        .order_by(VotingRound.number)
    ):
        ranking = voting_queries.ranking(voting_round)
        head = latest_head(voting_round.id)
        invalidations = db.session.execute(
            select(LogLeaf.target_index, LogLeaf.reason_code)
            .where(LogLeaf.round_id == voting_round.id, LogLeaf.kind == LeafKind.INVALIDATION)
            .order_by(LogLeaf.leaf_index)
        ).all()
        rounds.append(
            {
                "round": voting_round.number,
                "shortlist_size": voting_round.shortlist_size,
                "requires_complete_ballot": voting_round.requires_complete_ballot,
                "head": head_record(head) if head else None,
                "invalidations": [{"leaf_index": i, "reason": r} for i, r in invalidations],
                # Left out of the ranking after the integrity review (prizes.voting.integrity).
                "disqualified": sorted(disqualified_ids(voting_round.id)),
                "categories": {
                    str(numbers[category_id]): [
                        {
                            "nomination": row.nomination_id,
                            "valid_votes": row.votes,
                            "rank": row.rank,
                            "shortlisted": row.shortlisted,
                        }
                        for row in rows
                    ]
                    for category_id, rows in sorted(ranking.items(), key=lambda i: numbers[i[0]])
                },
            }
        )
    category_of = dict(
        db.session.execute(
            select(Nomination.id, Nomination.category_id).where(Nomination.edition_id == edition.id)
        ).all()
    )
    stages = {}
    for stage in ReviewStage:
        per_expert = expert_scores(edition.id, stage)
        pseudonyms = {expert: f"E{i}" for i, expert in enumerate(sorted(per_expert), start=1)}
        by_category: dict[int, list[int]] = defaultdict(list)
        for nomination_id in sorted({n for s in per_expert.values() for n in s}):
            by_category[category_of[nomination_id]].append(nomination_id)
        aggregated = {}
        for category_id, ids in sorted(by_category.items(), key=lambda i: numbers[i[0]]):
            aggregated[str(numbers[category_id])] = [
                {
                    "nomination": row.nomination_id,
                    "mean": row.mean,
                    "z_mean": row.z_mean,
                    "rank": row.rank,
                }
                for row in aggregate(edition, ids, stage, normalise=edition.normalise_scores)
            ]
        stages[stage.value] = {
            "scores": {
                pseudonyms[expert]: {str(n): value for n, value in sorted(scores.items())}
                for expert, scores in per_expert.items()
            },
            "aggregated": aggregated,
        }
    decisions = [
        {
            "category": numbers[category_id],
            "nomination": decision.nomination_id,
            "outcome": decision.outcome.value,
            "rationale": decision.rationale,
        }
        for category_id, items in sorted(decisions_of(edition).items(), key=lambda i: numbers[i[0]])
        for decision in items
    ]
    return {
        "format": FORMAT,
        "software_version": _version(),
        "edition": {
            "year": edition.year,
            "shortlist_size": edition.shortlist_size,
            "normalisation": "z-score per expert" if edition.normalise_scores else "none",
            "results_published_at": edition.results_published_at.isoformat()
            if edition.results_published_at
            else None,
        },
        "rounds": rounds,
        "stages": stages,
        "decisions": decisions,
        "shortlist_rule": (
            "per category, valid votes ranked by standard competition ranking; every "
            "nomination ranked within the round's shortlist size goes through"
        ),
    }


# --- the check ------------------------------------------------------------------------------


def verify_bundle(bundle: object) -> list[str]:
    """What in the bundle does not follow from the bundle: each a sentence; [] when all
    published figures are recomputed exactly."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        return [f"the file is not a results record of format {FORMAT}"]
    try:
        return _differences(bundle)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return [f"the record is incomplete or malformed ({type(error).__name__}: {error})"]


def _differences(bundle: dict) -> list[str]:
    problems: list[str] = []
    for voting_round in bundle["rounds"]:
        size = int(voting_round["shortlist_size"])
        for category, rows in voting_round["categories"].items():
            counts = {int(r["nomination"]): int(r["valid_votes"]) for r in rows}
            recomputed = voting_queries.rank(counts, list(counts), size)
            published = {int(r["nomination"]): r for r in rows}
            for row in recomputed:
                shown = published[row.nomination_id]
                if shown["rank"] != row.rank or shown["shortlisted"] != row.shortlisted:
                    problems.append(
                        f"round {voting_round['round']}, category {category}: nomination "
                        f"{row.nomination_id} has {row.votes} votes, so rank {row.rank}"
                        f"{' (shortlisted)' if row.shortlisted else ''}; the record says rank "
                        f"{shown['rank']}{' (shortlisted)' if shown['shortlisted'] else ''}"
                    )
    normalise = bundle["edition"]["normalisation"] != "none"
    for stage, content in bundle["stages"].items():
        per_expert = {
            expert: {int(n): float(v) for n, v in scores.items()}
            for expert, scores in content["scores"].items()
        }
        normalised = {expert: z_scores(s) for expert, s in per_expert.items() if s}
        for category, rows in content["aggregated"].items():
            computed = []
            for row in rows:
                nid = int(row["nomination"])
                by_expert = [s[nid] for s in per_expert.values() if nid in s]
                z = [normalised[e][nid] for e, s in per_expert.items() if nid in s]
                mean = statistics.fmean(by_expert) if by_expert else None
                z_mean = statistics.fmean(z) if z else None
                for name, value in (("mean", mean), ("z_mean", z_mean)):
                    if not _same(value, row[name]):
                        problems.append(
                            f"stage {stage}, category {category}: nomination {nid}'s {name} "
                            f"is {value} from the experts' scores; the record says {row[name]}"
                        )
                computed.append((nid, z_mean if normalise else mean))
            computed.sort(key=lambda item: (item[1] is None, -(item[1] or 0.0), item[0]))
            ranks: dict[int, int] = {}
            previous: tuple[float | None, int] | None = None
            for position, (nid, value) in enumerate(computed, start=1):
                ranks[nid] = previous[1] if previous and _same(previous[0], value) else position
                previous = (value, ranks[nid])
            for row in rows:
                nid = int(row["nomination"])
                if ranks[nid] != row["rank"]:
                    problems.append(
                        f"stage {stage}, category {category}: nomination {nid} ranks "
                        f"{ranks[nid]} by the scores; the record says {row['rank']}"
                    )
    for decision in bundle["decisions"]:
        if not str(decision.get("rationale") or "").strip():
            problems.append(f"the decision on nomination {decision['nomination']} has no rationale")
    return problems


def _same(a: float | None, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)  # type: ignore[arg-type]
