"""The secretariat's console: an edition's phase and next step (taken by the services that
own the steps), and its figures, each one grouped query, on a real database."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from prizes.accounts.models import Role
from prizes.admin import console, figures
from prizes.admin.console import StepKind, StepMoved
from prizes.admin.figures import Sheets
from prizes.contest.models import Phase
from prizes.contest.timeline import TimelineRefused
from prizes.core.clock import now
from prizes.db import db as database
from prizes.disputes.models import Dispute, DisputeState, DisputeSubject
from prizes.nominations.models import Nomination, NominationStatus
from prizes.review import decisions
from prizes.review.aggregation import missing_scores
from prizes.review.models import (
    ConflictDeclaration,
    ExpertAssignment,
    ReviewStage,
    RubricCriterion,
    Score,
    ScoreStatus,
)
from prizes.voting import rounds
from prizes.voting.models import FlagKind, FlagStatus, SuspicionFlag, Vote
from tests.factories import get_category, make_edition, make_nomination, make_round, make_user


def _secretariat():
    return make_user(roles=(Role.SECRETARIAT,))


def _edition_after_submissions():
    """An edition whose submissions have closed, the review still running."""
    return make_edition(start=now() - timedelta(days=61))


def _vote(voting_round, nomination, *, at):
    vote = Vote(
        round_id=voting_round.id,
        category_id=nomination.category_id,
        nomination_id=nomination.id,
        voter_id=make_user().id,
        cast_at=at,
        receipt_code=secrets.token_hex(8).upper(),
    )
    database.session.add(vote)
    return vote


# --- the next step --------------------------------------------------------------------------


def test_the_next_step_walks_an_edition_through_the_contest(db):
    by = _secretariat()
    edition = make_edition()  # submissions open
    nomination = make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    moment = now()

    step = console.standing(edition, now=moment).next_step
    assert step.kind == StepKind.ANNOUNCE_NOMINATED_LIST
    assert any("Submissions are open until" in item for item in step.missing)
    assert any("wait for the review's decision" in item for item in step.missing)
    with pytest.raises(TimelineRefused):
        console.take_next_step(edition, step=step.kind.value, by=by, now=moment)

    edition.submission_closes_at = moment - timedelta(minutes=1)
    nomination.status = NominationStatus.NOMINATED
    standing = console.standing(edition, now=moment)
    assert standing.phase == Phase.REVIEW
    assert standing.next_step.missing == []
    assert standing.next_step.needs_reason  # before the end of the review: an override
    message = console.take_next_step(
        edition, step="announce_nominated_list", by=by, now=moment, reason="The Forum is early."
    )
    assert "1 projects" in message and edition.nominated_list_announced_at == moment

    assert console.standing(edition, now=moment).next_step.kind == StepKind.OPEN_ROUND
    voting_round = rounds.create_round(
        edition,
        title="Online voting",
        opens_at=moment + timedelta(seconds=1),
        closes_at=moment + timedelta(days=20),
        requires_complete_ballot=False,
        public_tally=False,
        by=by,
    )
    assert console.standing(edition, now=moment).next_step.kind == StepKind.WAIT_ROUND
    later = moment + timedelta(hours=1)
    standing = console.standing(edition, now=later)
    assert standing.phase == Phase.VOTING and standing.focus_round == voting_round
    assert standing.next_step.kind == StepKind.CLOSE_ROUND
    assert "closes on" in standing.next_step.title
    with pytest.raises(TimelineRefused, match="needs a reason"):
        console.take_next_step(edition, step="close_round", by=by, now=later)
    console.take_next_step(edition, step="close_round", by=by, now=later, reason="Enough.")

    standing = console.standing(edition, now=later)
    assert standing.next_step.kind == StepKind.ADVANCE_ROUND
    assert standing.stage == ReviewStage.NOMINATION
    assert "shortlisted" in console.take_next_step(edition, step="advance_round", by=by, now=later)
    standing = console.standing(edition, now=later)
    assert standing.next_step.kind == StepKind.ANNOUNCE_CHAMPIONS
    assert standing.stage == ReviewStage.SELECTION  # the experts score the shortlist now
    console.take_next_step(edition, step="announce_champions", by=by, now=later)

    step = console.standing(edition, now=later).next_step
    assert step.kind == StepKind.PUBLISH_RESULTS
    assert any("undecided: 4" in item for item in step.missing)
    with pytest.raises(TimelineRefused, match="undecided"):
        console.take_next_step(edition, step="publish_results", by=by, now=later, reason="x")
    decisions.record_decision(
        edition,
        get_category(4),
        winner_ids=[nomination.id],
        rationale="The best.",
        deviation_reason="No expert scored: the chair decided.",
        override_reason="Decided early.",
        by=by,
        now=later,
    )
    assert console.standing(edition, now=later).next_step.missing == []
    console.take_next_step(edition, step="publish_results", by=by, now=later, reason="Early.")
    step = console.standing(edition, now=later).next_step
    assert step.kind == StepKind.DONE and not step.has_action


def test_a_step_the_edition_has_moved_past_is_refused(db):
    edition = make_edition()
    assert console.standing(edition, now=now()).next_step.kind == StepKind.ANNOUNCE_NOMINATED_LIST
    with pytest.raises(StepMoved):
        console.take_next_step(edition, step="advance_round", by=_secretariat(), now=now())
    with pytest.raises(StepMoved):
        console.take_next_step(edition, step="open_round", by=_secretariat(), now=now())


def test_an_upcoming_edition_waits_for_its_submissions(db):
    edition = make_edition(start=now() + timedelta(days=3))
    standing = console.standing(edition, now=now())
    assert standing.phase == Phase.UPCOMING
    assert standing.next_step.kind == StepKind.WAIT_SUBMISSIONS
    assert not standing.next_step.has_action


# --- the figures ----------------------------------------------------------------------------


def test_nominations_are_counted_per_category_and_status(db, count_queries):
    edition = make_edition()
    for number, status in [(4, "submitted"), (4, "submitted"), (4, "rejected"), (9, "draft")]:
        kwargs = {"status_reason": "No."} if status == "rejected" else {}
        make_nomination(
            edition=edition, category_number=number, status=NominationStatus(status), **kwargs
        )
    categories = [get_category(n) for n in range(1, 19)]
    with count_queries() as statements:
        table = figures.nominations_by_status(edition, categories)
    assert len(statements) == 1
    assert table.statuses == [
        NominationStatus.DRAFT,
        NominationStatus.SUBMITTED,
        NominationStatus.REJECTED,
    ]
    assert [(c.number, counts) for c, counts in table.rows] == [
        (4, {NominationStatus.SUBMITTED: 2, NominationStatus.REJECTED: 1}),
        (9, {NominationStatus.DRAFT: 1}),
    ]
    assert table.count(get_category(4).id, "submitted") == 2
    assert table.count(get_category(1).id, "submitted") == 0


def _scoring_setup():
    """Two categories, three experts, one recused, scores submitted and begun."""
    edition = make_edition()
    criteria = [
        RubricCriterion(edition_id=edition.id, position=n, name=f"Criterion {n}") for n in range(2)
    ]
    database.session.add_all(criteria)
    four = [
        make_nomination(edition=edition, category_number=4, status=NominationStatus.SUBMITTED)
        for _ in range(3)
    ]
    nine = [make_nomination(edition=edition, category_number=9, status=NominationStatus.SUBMITTED)]
    make_nomination(edition=edition, category_number=4, status=NominationStatus.DRAFT)
    edition.nominated_list_announced_at = None
    ann, bob, cat = (make_user(roles=(Role.EXPERT,)) for _ in range(3))
    for expert, number in [(ann, 4), (bob, 4), (bob, 9), (cat, 9)]:
        database.session.add(
            ExpertAssignment(
                edition_id=edition.id, expert_id=expert.id, category_id=get_category(number).id
            )
        )
    database.session.add(
        ConflictDeclaration(
            expert_id=bob.id, nomination_id=four[0].id, has_conflict=True, reason="My org."
        )
    )

    def sheet(expert, nomination, status):
        for criterion in criteria:
            database.session.add(
                Score(
                    expert_id=expert.id,
                    nomination_id=nomination.id,
                    criterion_id=criterion.id,
                    stage=ReviewStage.NOMINATION,
                    value=5,
                    status=status,
                )
            )

    database.session.flush()
    sheet(ann, four[0], ScoreStatus.SUBMITTED)
    sheet(ann, four[1], ScoreStatus.SUBMITTED)
    sheet(ann, four[2], ScoreStatus.DRAFT)
    sheet(bob, nine[0], ScoreStatus.SUBMITTED)
    database.session.flush()
    return edition, (ann, bob, cat)


def test_scoring_progress_counts_sheets_per_category_and_expert(db, count_queries):
    edition, (ann, bob, cat) = _scoring_setup()
    with count_queries() as statements:
        progress = figures.scoring_progress(edition, ReviewStage.NOMINATION)
    assert len(statements) == 1
    four, nine = get_category(4).id, get_category(9).id
    # Category 4: ann owes 3, bob 2 (recused from one); category 9: bob and cat owe 1 each.
    assert progress.by_category == {four: Sheets(5, 2, 1), nine: Sheets(2, 1, 0)}
    assert progress.by_expert == {
        ann.id: Sheets(3, 2, 1),
        bob.id: Sheets(3, 1, 0),
        cat.id: Sheets(1, 0, 0),
    }
    assert progress.total == Sheets(7, 3, 1)
    assert progress.by_category[four].percent == 40
    # The same sheets as the review's own list of the missing ones.
    missing = missing_scores(edition, None, ReviewStage.NOMINATION)
    assert len(missing) == progress.total.expected - progress.total.submitted
    assert figures.scoring_progress(edition, ReviewStage.SELECTION).by_category == {}


def test_the_review_queue_per_category_joins_the_counts_and_the_sheets(db, count_queries):
    edition, _experts = _scoring_setup()
    make_nomination(
        edition=edition, category_number=4, status=NominationStatus.REJECTED, status_reason="No."
    )
    edition.nominated_list_announced_at = None
    categories = [get_category(n) for n in range(1, 19)]
    table = figures.nominations_by_status(edition, categories)
    scoring = figures.scoring_progress(edition, ReviewStage.NOMINATION)
    with count_queries() as statements:
        rows = figures.review_rows(table, scoring)
    assert statements == []
    assert [(r.category.number, r.waiting, r.decided, r.sheets) for r in rows] == [
        (4, 3, 1, Sheets(5, 2, 1)),
        (9, 1, 0, Sheets(2, 1, 0)),
    ]


def test_votes_are_counted_per_geneva_day_and_hour(db, count_queries):
    edition = make_edition()
    nomination = make_nomination(edition=edition)
    voting_round = make_round(edition=edition, nominations=[nomination])
    # Winter: Geneva is UTC+1.
    voting_round.opens_at = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    voting_round.closes_at = datetime(2026, 1, 14, 22, 0, tzinfo=UTC)
    for at in [
        datetime(2026, 1, 10, 9, 15, tzinfo=UTC),
        datetime(2026, 1, 10, 9, 45, tzinfo=UTC),
        datetime(2026, 1, 10, 23, 30, tzinfo=UTC),  # 00:30 on the 11th in Geneva
        datetime(2026, 1, 12, 14, 0, tzinfo=UTC),
    ]:
        _vote(voting_round, nomination, at=at)
    database.session.flush()
    with count_queries() as statements:
        per_day, per_hour = figures.vote_charts(
            voting_round, now=datetime(2026, 1, 13, 12, tzinfo=UTC)
        )
    assert len(statements) == 1
    assert [(bar.label, bar.value) for bar in per_day.bars] == [
        ("2026-01-10", 2),
        ("2026-01-11", 1),
        ("2026-01-12", 1),
        ("2026-01-13", 0),
    ]
    assert len(per_hour.bars) == 24
    assert {bar.label: bar.value for bar in per_hour.bars if bar.value} == {
        "10": 2,
        "00": 1,
        "15": 1,
    }
    assert per_day.total == per_hour.total == 4 and per_day.peak == 2


def test_open_flags_are_counted_by_kind_and_disputes_by_state(db, count_queries):
    edition = make_edition()
    nomination = make_nomination(edition=edition)
    voting_round = make_round(edition=edition, nominations=[nomination])
    for n, (kind, status) in enumerate(
        [
            (FlagKind.NETWORK_BURST, FlagStatus.OPEN),
            (FlagKind.NETWORK_BURST, FlagStatus.OPEN),
            (FlagKind.MACHINE_CADENCE, FlagStatus.OPEN),
            (FlagKind.MACHINE_CADENCE, FlagStatus.DISMISSED),
        ]
    ):
        database.session.add(
            SuspicionFlag(
                round_id=voting_round.id, kind=kind, subject=f"s{n}", vote_count=10, status=status
            )
        )
    opener = make_user()
    for state, answer in [
        (DisputeState.OPEN, None),
        (DisputeState.OPEN, None),
        (DisputeState.REFERRED, None),
        (DisputeState.ANSWERED, "Yes."),
    ]:
        database.session.add(
            Dispute(
                edition_id=edition.id,
                subject=DisputeSubject.NOMINATION,
                nomination_id=nomination.id,
                opened_by_id=opener.id,
                deadline_at=now() + timedelta(days=7),
                statement="Please look again.",
                state=state,
                answer=answer,
            )
        )
    database.session.flush()
    with count_queries() as statements:
        flags = figures.open_flags(edition)
        disputes = figures.disputes_waiting(edition)
    assert len(statements) == 2
    assert [(f.kind, f.flags, f.votes) for f in flags] == [
        ("machine_cadence", 1, 10),
        ("network_burst", 2, 20),
    ]
    assert disputes == {DisputeState.OPEN: 2, DisputeState.ANSWERED: 1, DisputeState.REFERRED: 1}
    assert figures.disputes_waiting(make_edition()) == dict.fromkeys(figures.WAITING_DISPUTES, 0)


# --- the page -------------------------------------------------------------------------------


def test_the_console_shows_the_newest_edition_and_its_figures(client, login_as, db):
    make_edition(year=2071)
    edition = make_edition(year=2072)
    nomination = make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    voting_round = make_round(edition=edition, nominations=[nomination])
    _vote(voting_round, nomination, at=now() - timedelta(hours=2))
    database.session.commit()
    login_as("secretariat")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Test edition: phase and next step" in page
    assert "Close round 1: it closes on" in page
    assert 'name="step" value="close_round"' in page
    assert "Votes per day" in page and "<svg" in page and "Votes per hour of the day" in page
    assert f"/admin/nominations?edition={edition.id}&amp;category=" in page
    assert f"/admin/rounds/{voting_round.id}" in page
    assert "Accounts and roles" in page  # the screens' list stays


def test_the_console_costs_the_same_queries_whatever_the_size(client, login_as, db, count_queries):
    edition = make_edition()
    login_as("secretariat")

    def grow():
        for number in (1, 2, 3):
            nomination = make_nomination(
                edition=edition, category_number=number, status=NominationStatus.SUBMITTED
            )
            expert = make_user(roles=(Role.EXPERT,))
            database.session.add(
                ExpertAssignment(
                    edition_id=edition.id,
                    expert_id=expert.id,
                    category_id=nomination.category_id,
                )
            )
        edition.nominated_list_announced_at = None
        database.session.commit()

    grow()
    with count_queries() as small:
        assert client.get(f"/admin/?edition={edition.id}").status_code == 200
    grow()
    with count_queries() as large:
        assert client.get(f"/admin/?edition={edition.id}").status_code == 200
    assert len(large) == len(small)


def test_the_button_moves_the_edition_on(client, login_as, db):
    edition = _edition_after_submissions()
    make_nomination(edition=edition)
    edition.nominated_list_announced_at = None
    database.session.commit()
    login_as("secretariat")
    response = client.post_form(
        f"/admin/editions/{edition.id}/next-step",
        {"step": "announce_nominated_list", "reason": "The Forum is early."},
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/?edition={edition.id}")
    database.session.expire_all()
    assert edition.nominated_list_announced_at is not None
    page = client.get(response.location).get_data(as_text=True)
    assert "The nominated list is public: 1 projects." in page
    assert "Set up the first voting round" in page


def test_a_refused_step_shows_the_reason_with_a_4xx(client, login_as, db):
    edition = make_edition()  # submissions still open
    make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    edition.nominated_list_announced_at = None
    database.session.commit()
    login_as("secretariat")
    url = f"/admin/editions/{edition.id}/next-step"
    response = client.post_form(url, {"step": "announce_nominated_list"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "Submissions are open until" in page
    database.session.expire_all()
    assert edition.nominated_list_announced_at is None

    stale = client.post_form(url, {"step": "publish_results"})
    assert stale.status_code == 409
    assert "moved on since this page was shown" in stale.get_data(as_text=True)
    blank = client.post_form(url, {"step": ""})
    assert blank.status_code == 422 and "moved on since" in blank.get_data(as_text=True)
    assert client.post(url, data={"step": "announce_nominated_list"}).status_code == 400  # CSRF
    assert client.post_form("/admin/editions/999999/next-step", {"step": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("?edition=abc", 400, "must be a whole number"),
        ("?edition=-3", 400, "must be a whole number"),
        ("?edition=99999999999", 400, "must be a whole number"),
        ("?edition=999999", 404, "There is no edition number 999999."),
    ],
)
def test_a_bad_edition_is_answered_with_a_message(client, login_as, db, query, status, says):
    make_edition()
    database.session.commit()
    login_as("secretariat")
    response = client.get("/admin/" + query)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)


def test_the_list_behind_the_counts(client, login_as, db):
    edition = make_edition()
    submitted = make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    make_nomination(edition=edition, category_number=9, status=NominationStatus.SUBMITTED)
    make_nomination(edition=edition, status=NominationStatus.DRAFT)
    database.session.commit()
    login_as("secretariat")
    category = submitted.category_id
    page = client.get(
        f"/admin/nominations?edition={edition.id}&category={category}&status=submitted"
    ).get_data(as_text=True)
    assert page.count("<tr>") == 2  # the header and one nomination
    assert submitted.entry.title in page
    everything = client.get(f"/admin/nominations?edition={edition.id}").get_data(as_text=True)
    assert everything.count("<tr>") == 4
    assert client.get("/admin/nominations").status_code == 400
    assert client.get("/admin/nominations?edition=999999").status_code == 400
    bad = client.get(f"/admin/nominations?edition={edition.id}&status=lost")
    assert bad.status_code == 400 and "not a status" in bad.get_data(as_text=True)
    assert client.get(f"/admin/nominations?edition={edition.id}&category=x").status_code == 400


def test_the_nominations_of_a_category_are_one_query_per_page(db, count_queries):
    edition = make_edition()
    for _ in range(3):
        make_nomination(edition=edition, status=NominationStatus.SUBMITTED)
    query = figures.nominations_query(
        edition, category_id=get_category(4).id, status=NominationStatus.SUBMITTED
    )
    rows = list(database.session.scalars(query))
    assert len(rows) == 3 and all(isinstance(n, Nomination) for n in rows)
