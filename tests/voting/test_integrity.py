"""The integrity threshold: nominees with too many invalidated or flagged votes wait for the
secretariat's review (keep, or disqualify with a reason) before the shortlist is made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from prizes.accounts.models import Role
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.mail import OutgoingMail
from prizes.nominations.models import NominationStatus
from prizes.voting import integrity, queries, rounds, services
from prizes.voting.models import (
    FlagKind,
    FlagStatus,
    IntegrityReview,
    ReviewStatus,
    SuspicionFlag,
    Vote,
)
from tests.factories import make_user

NO_CLIENT = services.ClientTraits()


def _votes_for(contest, index: int, count: int, number: int = 4) -> list[Vote]:
    nomination = contest.ballot[number][index]
    votes = []
    for _ in range(count):
        cast = services.cast_vote(
            contest.voting_round.id,
            category=nomination.category_id,
            nomination_id=nomination.id,
            voter=make_user(),
            now=now(),
            client=NO_CLIENT,
        )
        votes.append(contest_vote(cast.vote_id))
    return votes


def contest_vote(vote_id: int) -> Vote:
    from prizes.db import db

    vote = db.session.get(Vote, vote_id)
    assert vote is not None
    return vote


def _close(db, contest) -> None:
    contest.voting_round.closes_at = now() - timedelta(seconds=1)
    db.flush()


@pytest.fixture
def admin(db):
    return make_user(roles=(Role.SECRETARIAT,))


@pytest.fixture
def marked(db, contest, admin):
    """Nominee 0 of category 4: 4 of its 10 votes invalidated (40%, over the 30% default);
    nominee 1: 3 of 10 (30%, not over); the round closed."""
    first = _votes_for(contest, 0, 10)
    second = _votes_for(contest, 1, 10)
    rounds.invalidate_votes(first[:4], by=admin, reason="Bought votes, see the ticket", now=now())
    rounds.invalidate_votes(second[:3], by=admin, reason="Script", now=now())
    _close(db, contest)
    return contest


def test_the_share_counts_invalidated_votes_and_those_of_open_flags(db, contest, admin):
    votes = _votes_for(contest, 0, 10)
    rounds.invalidate_votes(votes[:2], by=admin, reason="Script", now=now())
    flag = SuspicionFlag(
        round_id=contest.voting_round.id,
        kind=FlagKind.NETWORK_BURST,
        subject="x",
        evidence={"vote_ids": [v.id for v in votes[:4]]},  # two of them invalidated already
        vote_count=4,
        status=FlagStatus.OPEN,
    )
    db.add(flag)
    db.flush()
    share = integrity.nominee_shares(contest.voting_round)[contest.ballot[4][0].id]
    assert (share.total, share.invalidated, share.flagged, share.suspect) == (10, 2, 2, 4)
    assert share.passes(30) and not share.passes(40)
    rounds.dismiss_flag(flag, by=admin, now=now())
    share = integrity.nominee_shares(contest.voting_round)[contest.ballot[4][0].id]
    assert (share.flagged, share.passes(30)) == (0, False)


def test_a_nominee_over_the_threshold_blocks_the_shortlist_until_reviewed(db, marked, admin):
    voting_round = marked.voting_round
    first, second = marked.ballot[4][0], marked.ballot[4][1]
    assert [s.nomination_id for s in integrity.over_threshold(voting_round)] == [first.id]
    with pytest.raises(rounds.RoundNotReady, match="integrity threshold"):
        rounds.advance_round(voting_round, by=admin, now=now())
    assert voting_round.finalised_at is None
    created = integrity.mark_for_review(voting_round, now=now(), by=admin)
    assert [(r.nomination_id, r.status, r.suspect_votes, r.total_votes) for r in created] == [
        (first.id, ReviewStatus.PENDING, 4, 10)
    ]
    assert integrity.mark_for_review(voting_round, now=now(), by=admin) == []  # once
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "integrity.marked"))
    assert event.data["nomination_ids"] == [first.id]
    with pytest.raises(rounds.RoundNotReady, match="integrity threshold"):
        rounds.advance_round(voting_round, by=admin, now=now())
    assert second.id not in integrity.awaiting_review(voting_round)


def test_a_disqualified_nomination_is_not_shortlisted_and_its_nominator_is_told(db, marked, admin):
    voting_round = marked.voting_round
    voting_round.shortlist_size = 1
    marked.edition.shortlist_size = 1
    first, second = marked.ballot[4][0], marked.ballot[4][1]
    # Three more valid votes: nominee 0 leads on valid votes (9 to 7), 4 of 13 invalidated.
    voting_round.closes_at = now() + timedelta(days=1)
    _votes_for(marked, 0, 3)
    _close(db, marked)
    assert queries.ranking(voting_round)[first.category_id][0].nomination_id == first.id
    with pytest.raises(integrity.IntegrityRefused, match="reason"):
        integrity.decide(voting_round, first.id, disqualify=True, reason=" ", by=admin, now=now())
    review = integrity.decide(
        voting_round, first.id, disqualify=True, reason="Organised fraud", by=admin, now=now()
    )
    assert (review.status, review.reason, review.decided_by_id) == (
        ReviewStatus.DISQUALIFIED,
        "Organised fraud",
        admin.id,
    )
    with pytest.raises(integrity.ReviewAlreadyDecided):  # the decision it already has
        integrity.decide(
            voting_round, first.id, disqualify=True, reason="Again", by=admin, now=now()
        )
    # Changed before the round is advanced (a mistake put right), and back: audited both ways.
    kept = integrity.decide(
        voting_round, first.id, disqualify=False, reason=None, by=admin, now=now()
    )
    assert kept.status == ReviewStatus.KEPT
    assert first.id in [
        row.nomination_id for row in queries.ranking(voting_round)[first.category_id]
    ]
    integrity.decide(
        voting_round, first.id, disqualify=True, reason="Organised fraud", by=admin, now=now()
    )
    changes = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action.in_(["integrity.kept", "integrity.disqualified"])
        )
    ).all()
    assert [e.data.get("changed_from") for e in sorted(changes, key=lambda e: e.id)] == [
        None,
        "disqualified",
        "kept",
    ]
    mail = db.scalar(select(OutgoingMail).where(OutgoingMail.recipient == first.nominator.email))
    assert "integrity review" in mail.subject
    assert "disqualified" in mail.body and "Organised fraud" in mail.body
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "integrity.disqualified"))
    ranked = queries.ranking(voting_round)[first.category_id]
    assert first.id not in [row.nomination_id for row in ranked]
    shortlist = rounds.advance_round(voting_round, by=admin, now=now())
    assert shortlist[first.category_id] == [second.id]
    db.refresh(first)
    assert first.status == NominationStatus.NOMINATED


def test_a_kept_nomination_goes_through_on_its_valid_votes(db, marked, admin):
    voting_round = marked.voting_round
    first = marked.ballot[4][0]
    review = integrity.decide(
        voting_round, first.id, disqualify=False, reason=None, by=admin, now=now()
    )
    assert review.status == ReviewStatus.KEPT
    mail = db.scalar(select(OutgoingMail).where(OutgoingMail.recipient == first.nominator.email))
    assert "kept" in mail.body
    shortlist = rounds.advance_round(voting_round, by=admin, now=now())
    assert first.id in shortlist[first.category_id]
    with pytest.raises(integrity.IntegrityRefused, match="already advanced"):
        integrity.decide(voting_round, first.id, disqualify=True, reason="x", by=admin, now=now())


def test_no_review_for_a_nominee_under_the_threshold(db, marked, admin):
    with pytest.raises(integrity.IntegrityRefused, match="does not pass"):
        integrity.decide(
            marked.voting_round,
            marked.ballot[4][1].id,
            disqualify=True,
            reason="x",
            by=admin,
            now=now(),
        )
    assert db.scalar(select(IntegrityReview)) is None or all(
        r.nomination_id != marked.ballot[4][1].id for r in db.scalars(select(IntegrityReview))
    )


def test_the_edition_sets_the_threshold(db, marked, admin):
    marked.edition.integrity_threshold_percent = 50
    db.flush()
    assert integrity.awaiting_review(marked.voting_round) == []
    assert rounds.advance_round(marked.voting_round, by=admin, now=now())


def test_marking_waits_for_the_close(db, contest, admin):
    _votes_for(contest, 0, 2)
    with pytest.raises(integrity.IntegrityRefused, match="closed"):
        integrity.mark_for_review(contest.voting_round, now=now(), by=admin)


def test_closing_early_marks_the_nominees_over_the_threshold(db, contest, admin):
    votes = _votes_for(contest, 0, 3)
    rounds.invalidate_votes(votes[:2], by=admin, reason="Script", now=now())
    rounds.close_round_early(contest.voting_round, by=admin, now=now(), reason="Attack")
    review = db.scalar(select(IntegrityReview))
    assert (review.nomination_id, review.status) == (contest.ballot[4][0].id, ReviewStatus.PENDING)


def test_each_voter_is_told_of_an_invalidated_vote_with_the_reason_code(db, contest, admin):
    votes = _votes_for(contest, 0, 2)
    rounds.invalidate_votes(votes, by=admin, reason="Secret words of the secretariat", now=now())
    for vote in votes:
        voter = db.get(type(admin), vote.voter_id)
        mail = db.scalar(select(OutgoingMail).where(OutgoingMail.recipient == voter.email))
        assert "invalidated" in mail.subject
        assert vote.receipt_code in mail.body and "secretariat" in mail.body
        assert "Secret words" not in mail.body


# --- the secretariat's pages ------------------------------------------------------------------


def test_the_integrity_page_is_the_secretariats(client, db, marked, login_as):
    path = f"/admin/rounds/{marked.voting_round.id}/integrity"
    login_as("voter")
    assert client.get(path).status_code == 403
    assert client.post_form(f"{path}/check").status_code == 403


def test_the_secretariat_decides_on_the_integrity_page(client, db, marked, login_as):
    login_as("secretariat")
    voting_round, first = marked.voting_round, marked.ballot[4][0]
    path = f"/admin/rounds/{voting_round.id}/integrity"
    page = client.get(path)
    assert page.status_code == 200 and first.entry.title in page.get_data(as_text=True)
    assert client.post_form(f"{path}/check").status_code == 302
    assert client.post_form(f"{path}/{first.id}", {"decision": "burn"}).status_code == 422
    refused = client.post_form(f"{path}/{first.id}", {"decision": "disqualify", "reason": ""})
    assert refused.status_code == 302
    db.expire_all()
    assert db.scalar(select(IntegrityReview)).status == ReviewStatus.PENDING
    advance = client.post_form(f"/admin/rounds/{voting_round.id}/advance", follow_redirects=True)
    assert "integrity threshold" in advance.get_data(as_text=True)
    done = client.post_form(f"{path}/{first.id}", {"decision": "disqualify", "reason": "Fraud"})
    assert done.status_code == 302
    db.expire_all()
    assert db.scalar(select(IntegrityReview)).status == ReviewStatus.DISQUALIFIED
    assert client.post_form(f"{path}/999999", {"decision": "keep"}).status_code == 302
    assert client.get("/admin/rounds/999999/integrity").status_code == 404


def test_the_edition_form_sets_the_threshold_and_the_window(client, db, login_as):
    from prizes.contest.models import Edition
    from tests.test_editions import EDITION

    login_as("secretariat")
    bad = client.post_form("/admin/editions/new", {**EDITION, "integrity_threshold_percent": "101"})
    assert bad.status_code == 422
    fields = {**EDITION, "integrity_threshold_percent": "45", "dispute_window_days": "10"}
    assert client.post_form("/admin/editions/new", fields).status_code == 302
    edition = db.scalar(select(Edition).where(Edition.year == 2040))
    assert (edition.integrity_threshold_percent, edition.dispute_window_days) == (45, 10)
    page = client.get(f"/admin/editions/{edition.id}").get_data(as_text=True)
    assert 'name="integrity_threshold_percent"' in page and 'value="45"' in page
    default = client.post_form("/admin/editions/new", {**EDITION, "year": "2041"})
    assert default.status_code == 302
    edition = db.scalar(select(Edition).where(Edition.year == 2041))
    assert (edition.integrity_threshold_percent, edition.dispute_window_days) == (30, 7)


def test_the_fraud_checks_after_the_close_mark_the_nominees(db, marked):
    from prizes import jobs

    summary = jobs.DURABLE["fraud_checks"].work(marked.voting_round.id, None)  # type: ignore[arg-type]
    assert summary.endswith("1 nominations marked")
    review = db.scalar(select(IntegrityReview))
    assert (review.nomination_id, review.status) == (marked.ballot[4][0].id, ReviewStatus.PENDING)
    again = jobs.DURABLE["fraud_checks"].work(marked.voting_round.id, None)  # type: ignore[arg-type]
    assert "marked" not in again


def test_the_nominator_reads_the_decision_on_the_nomination_page(client, db, marked, admin):
    voting_round, first = marked.voting_round, marked.ballot[4][0]
    _close(db, marked)
    integrity.decide(
        voting_round, first.id, disqualify=True, reason="Bought votes", by=admin, now=now()
    )
    db.commit()
    path = f"/nominations/{first.id}"
    assert "Bought votes" not in client.get(path).get_data(as_text=True)  # not to the public
    client.login(first.nominator.email)
    page = client.get(path).get_data(as_text=True)
    assert "disqualified" in page and "Bought votes" in page and voting_round.title in page
