"""The console's figures: where an edition's work stands, each figure one grouped query
whatever the number of categories, experts, nominations or votes, and each with the list
behind it (the template links to it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Exists, Select, and_, case, exists, func, select
from sqlalchemy.orm import joinedload

from prizes.accounts.models import User
from prizes.admin.console import Standing
from prizes.contest.models import Category, Edition
from prizes.contest.queries import list_categories
from prizes.core.clock import in_geneva
from prizes.db import db
from prizes.disputes.models import Dispute, DisputeState
from prizes.nominations.models import Nomination, NominationStatus
from prizes.nominations.queries import count_by_status
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ReviewStage,
    Score,
    ScoreStatus,
)
from prizes.review.queries import users_by_id
from prizes.review.scoring import STAGE_STATUSES
from prizes.voting.models import FlagStatus, SuspicionFlag, Vote, VotingRound


@dataclass(frozen=True)
class NominationTable:
    """Nominations per category and status: the statuses that occur (in the contest's
    order) and a row per category that has any."""

    statuses: list[NominationStatus]
    rows: list[tuple[Category, dict[NominationStatus, int]]]

    def count(self, category_id: int, status: str) -> int:
        row = next((counts for c, counts in self.rows if c.id == category_id), {})
        return row.get(NominationStatus(status), 0)


def nominations_by_status(edition: Edition, categories: list[Category]) -> NominationTable:
    """The edition's nominations per category and status: the review's own grouped count
    (one query), laid out for the console."""
    counts = count_by_status(edition)
    present = {status for _category, status in counts}
    statuses = [status for status in NominationStatus if status.value in present]
    rows = []
    for category in categories:
        keys = ((s, (category.id, s.value)) for s in statuses)
        row = {status: counts[key] for status, key in keys if key in counts}
        if row:
            rows.append((category, row))
    return NominationTable(statuses, rows)


def nominations_query(
    edition: Edition, *, category_id: int | None, status: NominationStatus | None
) -> Select[Nomination]:
    """The nominations behind a count of :func:`nominations_by_status`, with what the list
    shows, in category order (for one page at a time)."""
    query = (
        select(Nomination)
        .where(Nomination.edition_id == edition.id)
        .options(joinedload(Nomination.entry), joinedload(Nomination.category))
        .order_by(Nomination.category_id, Nomination.id)
    )
    if category_id is not None:
        query = query.where(Nomination.category_id == category_id)
    if status is not None:
        query = query.where(Nomination.status == status)
    return query


@dataclass(frozen=True)
class Sheets:
    """Score sheets (one expert, one nomination, every criterion): expected, submitted, and
    begun but not submitted."""

    expected: int = 0
    submitted: int = 0
    drafted: int = 0

    def __add__(self, other: Sheets) -> Sheets:
        return Sheets(
            self.expected + other.expected,
            self.submitted + other.submitted,
            self.drafted + other.drafted,
        )

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 100


@dataclass(frozen=True)
class ScoringProgress:
    """The sheets of a stage by category and by expert (the same counts, two ways)."""

    stage: ReviewStage
    by_category: dict[int, Sheets]
    by_expert: dict[int, Sheets]

    @property
    def total(self) -> Sheets:
        return sum(self.by_category.values(), Sheets())


def scoring_progress(edition: Edition, stage: ReviewStage) -> ScoringProgress:
    """Every assigned expert owes a sheet for each nomination of the stage in their
    categories, unless they declared a conflict with it (as ``aggregation.missing_scores``
    counts them). One grouped query."""
    assignment = ExpertAssignment

    def scored(status: ScoreStatus) -> Exists:
        return exists().where(
            Score.expert_id == assignment.expert_id,
            Score.nomination_id == Nomination.id,
            Score.stage == stage,
            Score.status == status,
        )

    submitted = scored(ScoreStatus.SUBMITTED)
    recused = exists().where(
        ConflictDeclaration.expert_id == assignment.expert_id,
        ConflictDeclaration.nomination_id == Nomination.id,
        ConflictDeclaration.has_conflict.is_(True),
    )
    rows = db.session.execute(
        select(
            Nomination.category_id,
            assignment.expert_id,
            func.count(),
            func.sum(case((submitted, 1), else_=0)),
            func.sum(case((and_(scored(ScoreStatus.DRAFT), ~submitted), 1), else_=0)),
        )
        .join(
            assignment,
            and_(
                assignment.edition_id == Nomination.edition_id,
                assignment.category_id == Nomination.category_id,
            ),
        )
        .where(
            Nomination.edition_id == edition.id,
            Nomination.status.in_(STAGE_STATUSES[stage]),
            ~recused,
        )
        .group_by(Nomination.category_id, assignment.expert_id)
    )
    by_category: dict[int, Sheets] = defaultdict(Sheets)
    by_expert: dict[int, Sheets] = defaultdict(Sheets)
    for category_id, expert_id, expected, done, drafted in rows:
        sheets = Sheets(int(expected), int(done or 0), int(drafted or 0))
        by_category[category_id] += sheets
        by_expert[expert_id] += sheets
    return ScoringProgress(stage, dict(by_category), dict(by_expert))


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Chart:
    """Bars for an inline SVG chart and the table beside it."""

    bars: list[Bar]

    @property
    def peak(self) -> int:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def _hour_bucket() -> ColumnElement[str]:
    """The UTC hour of a vote as text, in SQL: each backend spells it its own way."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", Vote.cast_at)
    return func.to_char(func.timezone("UTC", Vote.cast_at), "YYYY-MM-DD HH24")


def votes_by_hour(voting_round: VotingRound) -> dict[datetime, int]:
    """The votes cast in the round (valid or not: the activity) per UTC hour. One grouped
    query; at most one row per hour of the round."""
    bucket = _hour_bucket()
    rows = db.session.execute(
        select(bucket, func.count())
        .where(Vote.round_id == voting_round.id)
        .group_by(bucket)
        .order_by(bucket)
    )
    return {
        datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC): int(count)
        for hour, count in rows
    }


MAX_DAYS = 120  # a round lasts weeks; a longer one shows its last days


def vote_charts(voting_round: VotingRound, *, now: datetime) -> tuple[Chart, Chart]:
    """The round's votes per day (every day from its opening to its close or now) and per
    hour of the day, both in Geneva time, the contest's clock."""
    hours = votes_by_hour(voting_round)
    per_day: dict[date, int] = defaultdict(int)
    per_hour = [0] * 24
    for moment, count in hours.items():
        local = in_geneva(moment)
        per_day[local.date()] += count
        per_hour[local.hour] += count
    first = in_geneva(voting_round.opens_at).date()
    last = in_geneva(min(voting_round.closes_at, max(now, voting_round.opens_at))).date()
    days = [first.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    days = sorted(set(days[-MAX_DAYS:]) | set(per_day))[-MAX_DAYS:]
    return (
        Chart([Bar(day.isoformat(), per_day.get(day, 0)) for day in days]),
        Chart([Bar(f"{hour:02d}", count) for hour, count in enumerate(per_hour)]),
    )


@dataclass(frozen=True)
class FlagCount:
    round_id: int
    round_number: int
    kind: str
    flags: int
    votes: int


def open_flags(edition: Edition) -> list[FlagCount]:
    """The open suspicion flags of the edition's rounds by round and kind. One query."""
    rows = db.session.execute(
        select(
            SuspicionFlag.round_id,
            VotingRound.number,
            SuspicionFlag.kind,
            func.count(),
            func.coalesce(func.sum(SuspicionFlag.vote_count), 0),
        )
        .join(VotingRound, VotingRound.id == SuspicionFlag.round_id)
        .where(VotingRound.edition_id == edition.id, SuspicionFlag.status == FlagStatus.OPEN)
        .group_by(SuspicionFlag.round_id, VotingRound.number, SuspicionFlag.kind)
        .order_by(VotingRound.number, SuspicionFlag.kind)
    )
    return [
        FlagCount(round_id, number, str(kind.value if hasattr(kind, "value") else kind), n, v)
        for round_id, number, kind, n, v in rows
    ]


WAITING_DISPUTES = (DisputeState.OPEN, DisputeState.ANSWERED, DisputeState.REFERRED)


def disputes_waiting(edition: Edition) -> dict[DisputeState, int]:
    """The edition's disputes not closed, by state (open and answered ones wait on the
    secretariat, referred ones on the expert group). One query."""
    rows = db.session.execute(
        select(Dispute.state, func.count())
        .where(Dispute.edition_id == edition.id, Dispute.state.in_(WAITING_DISPUTES))
        .group_by(Dispute.state)
    )
    counts = {DisputeState(state): int(count) for state, count in rows}
    return {state: counts.get(state, 0) for state in WAITING_DISPUTES}


# The review's decisions on a submission, and what follows from one.
DECIDED = frozenset(
    {
        NominationStatus.NOMINATED,
        NominationStatus.REJECTED,
        NominationStatus.RETURNED,
        NominationStatus.SHORTLISTED,
        NominationStatus.WINNER,
        NominationStatus.CHAMPION,
    }
)


@dataclass(frozen=True)
class ReviewRow:
    """One category of the review queue: submissions waiting for the review's decision,
    those decided, and the score sheets of the stage the experts are in."""

    category: Category
    waiting: int
    decided: int
    sheets: Sheets


def review_rows(table: NominationTable, scoring: ScoringProgress) -> list[ReviewRow]:
    """The review queue per category, from the figures already read (no query)."""
    rows = []
    for category, counts in table.rows:
        waiting = counts.get(NominationStatus.SUBMITTED, 0)
        decided = sum(n for status, n in counts.items() if status in DECIDED)
        sheets = scoring.by_category.get(category.id, Sheets())
        if waiting or decided or sheets.expected:
            rows.append(ReviewRow(category, waiting, decided, sheets))
    return rows


@dataclass(frozen=True)
class Figures:
    """Everything the console shows about an edition, each figure read once."""

    categories: list[Category]
    nominations: NominationTable
    scoring: ScoringProgress
    experts: dict[int, User]
    votes: tuple[Chart, Chart] | None  # per day, per hour; None without a round
    flags: list[FlagCount]
    disputes: dict[DisputeState, int]

    @property
    def review(self) -> list[ReviewRow]:
        return review_rows(self.nominations, self.scoring)


def figures_of(standing: Standing, *, now: datetime) -> Figures:
    """The console's figures for an edition where it stands: a fixed number of queries,
    whatever the number of categories, experts, nominations or votes."""
    edition = standing.edition
    categories = list_categories()
    scoring = scoring_progress(edition, standing.stage)
    focus = standing.focus_round
    return Figures(
        categories=categories,
        nominations=nominations_by_status(edition, categories),
        scoring=scoring,
        experts=users_by_id(set(scoring.by_expert)),
        votes=vote_charts(focus, now=now) if focus else None,
        flags=open_flags(edition),
        disputes=disputes_waiting(edition),
    )
