"""The secretariat reviews suspicion flags: runs the checks, invalidates or dismisses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from prizes.accounts.models import User
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.voting.models import FlagStatus, SuspicionFlag, Vote, VoteStatus

HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def _burst(db, contest, count=25, tag="burst"):
    """``count`` voters voting for one project from one network within two minutes."""
    nomination = contest.ballot[4][0]
    moment = now() - timedelta(hours=1)
    users = (
        db.execute(
            insert(User).returning(User.id),
            [
                {
                    "email": f"{tag}{i}@example.org",
                    "email_canonical": f"{tag}{i}@example.org",
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
    db.execute(
        insert(Vote),
        [
            {
                "round_id": contest.voting_round.id,
                "category_id": nomination.category_id,
                "nomination_id": nomination.id,
                "voter_id": uid,
                "receipt_code": f"{tag.upper()}-{uid}",
                "cast_at": moment + timedelta(seconds=4 * i),
                "network_hash": "f" * 64,
                "status": "valid",
            }
            for i, uid in enumerate(users)
        ],
    )
    db.commit()


def test_the_secretariat_runs_the_checks_and_invalidates_a_burst(client, db, contest, login_as):
    _burst(db, contest)
    login_as("secretariat")
    round_id = contest.voting_round.id
    assert client.post_form(f"/admin/rounds/{round_id}/flags/compute").status_code == 302
    page = client.get(f"/admin/rounds/{round_id}/flags").get_data(as_text=True)
    assert "Burst of votes from one network" in page
    flag = db.scalar(select(SuspicionFlag).where(SuspicionFlag.kind == "network_burst"))
    refused = client.post_form(f"/admin/rounds/flags/{flag.id}/action", {"reason": ""})
    assert refused.status_code == 422
    done = client.post_form(f"/admin/rounds/flags/{flag.id}/action", {"reason": "Scripted burst"})
    assert done.status_code == 302
    db.refresh(flag)
    assert flag.status == FlagStatus.ACTIONED
    invalid = db.scalar(select(func.count(Vote.id)).where(Vote.status == VoteStatus.INVALIDATED))
    assert invalid == 25
    assert db.scalar(select(func.count(Vote.id))) == 25  # nothing deleted
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "flag.actioned"))


def test_a_flag_can_be_dismissed_and_voters_only_see_their_receipts(client, db, contest, login_as):
    _burst(db, contest)
    login_as("secretariat")
    client.post_form(f"/admin/rounds/{contest.voting_round.id}/flags/compute")
    flag = db.scalar(select(SuspicionFlag))
    assert client.post_form(f"/admin/rounds/flags/{flag.id}/dismiss").status_code == 302
    db.refresh(flag)
    assert flag.status == FlagStatus.DISMISSED
    assert db.scalar(select(func.count(Vote.id)).where(Vote.status == VoteStatus.INVALIDATED)) == 0


def test_only_the_secretariat_sees_flags(client, db, contest, login_as):
    login_as("voter")
    assert client.get(f"/admin/rounds/{contest.voting_round.id}/flags").status_code == 403
    assert (
        client.post_form(f"/admin/rounds/{contest.voting_round.id}/flags/compute").status_code
        == 403
    )


def test_the_checks_run_from_the_command_line(runner, db, contest):
    _burst(db, contest)
    result = runner.invoke(args=["compute-flags", str(contest.voting_round.id)])
    assert result.exit_code == 0 and "1 flags (1 open)" in result.output
    assert runner.invoke(args=["compute-flags", "999999"]).exit_code != 0


def test_an_actioned_flag_cannot_be_dismissed_or_actioned_again(client, db, contest, login_as):
    _burst(db, contest)
    login_as("secretariat")
    round_id = contest.voting_round.id
    client.post_form(f"/admin/rounds/{round_id}/flags/compute")
    flag = db.scalar(select(SuspicionFlag))
    client.post_form(f"/admin/rounds/flags/{flag.id}/action", {"reason": "Scripted burst"})

    for decision, data in (("dismiss", {}), ("action", {"reason": "Again"})):
        refused = client.post_form(f"/admin/rounds/flags/{flag.id}/{decision}", data)
        assert refused.status_code == 302
        page = client.get(refused.location).get_data(as_text=True)
        assert "This flag was actioned already" in page
    db.refresh(flag)
    assert flag.status == FlagStatus.ACTIONED
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("flag.%"))).all()
    assert [event.action for event in events] == ["flag.actioned"]


def test_new_evidence_after_an_actioned_flag_shows_as_a_flag_that_points_to_it(
    client, db, contest, login_as
):
    _burst(db, contest)
    login_as("secretariat")
    round_id = contest.voting_round.id
    client.post_form(f"/admin/rounds/{round_id}/flags/compute")
    flag = db.scalar(select(SuspicionFlag))
    client.post_form(f"/admin/rounds/flags/{flag.id}/action", {"reason": "Scripted burst"})
    _burst(db, contest, tag="again")  # the same network goes on, for the same project

    client.post_form(f"/admin/rounds/{round_id}/flags/compute")

    flags = db.scalars(select(SuspicionFlag).order_by(SuspicionFlag.id)).all()
    assert [(f.status, f.follows_id) for f in flags] == [
        (FlagStatus.ACTIONED, None),
        (FlagStatus.OPEN, flag.id),
    ]
    page = client.get(f"/admin/rounds/{round_id}/flags").get_data(as_text=True)
    assert "New evidence after an actioned flag:" in page
    assert f'href="#flag-{flag.id}"' in page
    assert "Actioned" in page and "Open" in page
