"""The secretariat's console: where an edition stands, what moves it on next, and the
figures a secretariat runs it by.

The next step and what it still needs come from the services that take the steps (their
``*_blockers`` lists and refusals): nothing here repeats a rule of the timeline, it only
asks them in the contest's order. Each figure is one grouped query, whatever the number of
categories, experts or votes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Exists, Select, and_, case, exists, func, select
from sqlalchemy.orm import joinedload

from prizes.accounts.models import User
from prizes.contest import timeline
from prizes.contest.models import Category, Edition, Phase
from prizes.contest.queries import list_categories
from prizes.core.clock import in_geneva
from prizes.core.errors import DomainError
from prizes.db import db
from prizes.disputes.models import Dispute, DisputeState
from prizes.nominations import services as nominations
from prizes.nominations.models import Nomination, NominationStatus
from prizes.nominations.queries import count_by_status
from prizes.review import champions, decisions
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ReviewStage,
    Score,
    ScoreStatus,
)
from prizes.review.queries import users_by_id
from prizes.review.scoring import STAGE_STATUSES
from prizes.voting import integrity, rounds
from prizes.voting.models import FlagStatus, SuspicionFlag, Vote, VotingRound

# --- the phase and the next step ------------------------------------------------------------


class StepKind(StrEnum):
    """What moves an edition on next; the ones with a button take a service's step."""

    WAIT_SUBMISSIONS = "wait_submissions"  # nothing to do before submissions open
    ANNOUNCE_NOMINATED_LIST = "announce_nominated_list"
    OPEN_ROUND = "open_round"  # a form of its own (dates): a link, no button
    WAIT_ROUND = "wait_round"  # the round is set up and opens later
    CLOSE_ROUND = "close_round"
    ADVANCE_ROUND = "advance_round"
    ANNOUNCE_CHAMPIONS = "announce_champions"
    PUBLISH_RESULTS = "publish_results"
    DONE = "done"


ACTIONS = frozenset(
    {
        StepKind.ANNOUNCE_NOMINATED_LIST,
        StepKind.CLOSE_ROUND,
        StepKind.ADVANCE_ROUND,
        StepKind.ANNOUNCE_CHAMPIONS,
        StepKind.PUBLISH_RESULTS,
    }
)

STEP_BUTTONS = {
    StepKind.ANNOUNCE_NOMINATED_LIST: _l("Announce the nominated list of every category"),
    StepKind.CLOSE_ROUND: _l("Close this round now"),
    StepKind.ADVANCE_ROUND: _l("Advance the round"),
    StepKind.ANNOUNCE_CHAMPIONS: _l("Announce the champions"),
    StepKind.PUBLISH_RESULTS: _l("Publish the winners"),
}

STAGE_LABELS = {
    ReviewStage.NOMINATION: _l("the submissions (stage 1, the nominated list)"),
    ReviewStage.SELECTION: _l("the shortlist (stage 2, winners and champions)"),
}

PHASE_LABELS = {
    Phase.UPCOMING: _l("Not open yet"),
    Phase.SUBMISSION: _l("Submission"),
    Phase.REVIEW: _l("Review and nominated list"),
    Phase.VOTING: _l("Online voting"),
    Phase.SELECTION: _l("Selection"),
    Phase.ANNOUNCED: _l("Results published"),
}


@dataclass(frozen=True)
class NextStep:
    """The step that moves the edition on, why it waits, and what it still needs."""

    kind: StepKind
    title: str
    missing: list[str] = field(default_factory=list)
    voting_round: VotingRound | None = None
    # Taken before its date, the step is an override and asks for a reason.
    needs_reason: bool = False
    # Closing a round early always asks for one.
    reason_required: bool = False

    @property
    def has_action(self) -> bool:
        return self.kind in ACTIONS


@dataclass(frozen=True)
class Standing:
    """Where an edition stands at a moment: its rounds, its phase, its next step."""

    edition: Edition
    phase: Phase
    rounds: list[VotingRound]
    focus_round: VotingRound | None  # the open round, or else the latest one
    next_step: NextStep

    @property
    def phase_label(self) -> str:
        return str(PHASE_LABELS[self.phase])

    @property
    def stage(self) -> ReviewStage:
        """The review stage the experts score now: the submissions (stage 1) until a round
        has made its shortlist, then the shortlist (stage 2)."""
        if any(r.finalised_at is not None for r in self.rounds):
            return ReviewStage.SELECTION
        return ReviewStage.NOMINATION


def _rounds_of(edition: Edition) -> list[VotingRound]:
    return list(
        db.session.scalars(
            select(VotingRound)
            .where(VotingRound.edition_id == edition.id)
            .order_by(VotingRound.number)
        )
    )


def standing(edition: Edition, *, now: datetime) -> Standing:
    """The edition's phase and next step at ``now`` (its rounds read once)."""
    edition_rounds = _rounds_of(edition)
    open_round = next((r for r in edition_rounds if r.is_open(now)), None)
    focus = open_round or (edition_rounds[-1] if edition_rounds else None)
    return Standing(
        edition=edition,
        phase=edition.phase(now, voting_open=open_round is not None),
        rounds=edition_rounds,
        focus_round=focus,
        next_step=_next_step(edition, edition_rounds, now),
    )


def _next_step(edition: Edition, edition_rounds: list[VotingRound], now: datetime) -> NextStep:
    """The contest's order: the nominated list, the rounds, the champions, the winners."""
    if edition.results_published_at is not None:
        return NextStep(
            StepKind.DONE,
            str(
                _l(
                    "Nothing more: the results were published on %(moment)s.",
                    moment=timeline.when(edition.results_published_at),
                )
            ),
        )
    if now < edition.submission_opens_at:
        return NextStep(
            StepKind.WAIT_SUBMISSIONS,
            str(
                _l(
                    "Wait for the submissions: they open on %(moment)s.",
                    moment=timeline.when(edition.submission_opens_at),
                )
            ),
        )
    if edition.nominated_list_announced_at is None:
        return NextStep(
            StepKind.ANNOUNCE_NOMINATED_LIST,
            str(_l("Announce the nominated list")),
            # The reason is asked in the form; the list says what else is missing.
            missing=nominations.nominated_list_blockers(edition, now=now, reason="-"),
            needs_reason=now < edition.review_closes_at,
        )
    last = edition_rounds[-1] if edition_rounds else None
    if edition.champions_announced_at is None and (last is None or last.finalised_at is None):
        return _round_step(edition, last, now)
    if edition.champions_announced_at is None:
        return NextStep(
            StepKind.ANNOUNCE_CHAMPIONS,
            str(_l("Announce the champions")),
            missing=champions.champions_blockers(edition),
        )
    return NextStep(
        StepKind.PUBLISH_RESULTS,
        str(_l("Publish the results")),
        missing=decisions.publish_blockers(edition, now=now, reason="-"),
        needs_reason=now < edition.selection_closes_at,
    )


def _round_step(edition: Edition, last: VotingRound | None, now: datetime) -> NextStep:
    if last is None:
        return NextStep(StepKind.OPEN_ROUND, str(_l("Set up the first voting round")))
    if now < last.opens_at:
        return NextStep(
            StepKind.WAIT_ROUND,
            str(
                _l(
                    "Wait for round %(number)d: it opens on %(moment)s.",
                    number=last.number,
                    moment=timeline.when(last.opens_at),
                )
            ),
            voting_round=last,
        )
    if last.is_open(now):
        return NextStep(
            StepKind.CLOSE_ROUND,
            str(
                _l(
                    "Close round %(number)d: it closes on %(moment)s.",
                    number=last.number,
                    moment=timeline.when(last.closes_at),
                )
            ),
            voting_round=last,
            needs_reason=True,
            reason_required=True,
        )
    awaiting = integrity.awaiting_review(last)
    missing = (
        [
            str(
                _l(
                    "%(count)d nominations passing the integrity threshold await your review "
                    "(keep or disqualify).",
                    count=len(awaiting),
                )
            )
        ]
        if awaiting
        else []
    )
    return NextStep(
        StepKind.ADVANCE_ROUND,
        str(_l("Advance round %(number)d and make its shortlist", number=last.number)),
        missing=missing,
        voting_round=last,
    )


class StepMoved(DomainError):
    """The page showed another next step than the one the edition has now."""

    status_code = 409
    message = _l("The edition has moved on since this page was shown; here is its next step now.")


def take_next_step(
    edition: Edition, *, step: str, by: User, now: datetime, reason: str | None = None
) -> str:
    """Take the edition's next step with the service that owns it, and return what to tell
    the secretariat. ``step`` is the step the page showed: if the edition has moved on
    since, nothing is done (:class:`StepMoved`). Side effects: those of the service
    (announce the nominated list, close or advance the round, announce the champions,
    publish the results); each refuses, naming what is missing."""
    current = standing(edition, now=now).next_step
    if current.kind.value != step or not current.has_action:
        raise StepMoved()
    reason = (reason or "").strip() or None
    if current.kind == StepKind.ANNOUNCE_NOMINATED_LIST:
        count = nominations.announce_nominated_list(edition, by=by, now=now, reason=reason)
        return str(_l("The nominated list is public: %(count)d projects.", count=count))
    if current.kind == StepKind.CLOSE_ROUND:
        assert current.voting_round is not None  # noqa: S101 (a round step names its round)
        rounds.close_round_early(current.voting_round, by=by, now=now, reason=reason)
        return str(_l("The round is closed; it can now be advanced."))
    if current.kind == StepKind.ADVANCE_ROUND:
        assert current.voting_round is not None  # noqa: S101
        shortlist = rounds.advance_round(current.voting_round, by=by, now=now)
        count = sum(len(ids) for ids in shortlist.values())
        return str(_l("The round is final: %(count)d projects are shortlisted.", count=count))
    if current.kind == StepKind.ANNOUNCE_CHAMPIONS:
        count = champions.announce_champions(edition, by=by, now=now)
        return str(_l("The champions are announced: %(count)d projects.", count=count))
    count = decisions.publish_results(edition, by=by, now=now, reason=reason)
    return str(
        _l(
            "The results are published (%(count)d winners and champions); nominators are told.",
            count=count,
        )
    )


def open_edition_ids(now: datetime) -> set[int]:
    """The editions with a round open at ``now`` (one query), for their phase in a list."""
    return set(
        db.session.scalars(
            select(VotingRound.edition_id).where(
                VotingRound.opens_at <= now,
                VotingRound.closes_at > now,
                VotingRound.finalised_at.is_(None),
            )
        )
    )


# --- the figures ----------------------------------------------------------------------------


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


def figures(standing: Standing, *, now: datetime) -> Figures:
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
