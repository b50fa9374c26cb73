"""The fraud checks: each kind of flag, its near misses, and how flags are stored again."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from prizes.accounts.models import LoginEvent, User
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.network import keyed_hash, network_hash
from prizes.voting import fraud
from prizes.voting.models import FlagKind, FlagStatus, SuspicionFlag, Vote, VoteStatus
from tests.factories import make_edition, make_nomination, make_round

PASSWORD_HASH = "$argon2id$v=19$m=1024,t=1,p=1$x$y"
ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.20"
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
SHORT_HASH = re.compile(r"^[0-9a-f]{16}$")


@pytest.fixture
def nominations(db):
    edition = make_edition()
    return [make_nomination(edition=edition, category_number=number) for number in range(1, 8)]


@pytest.fixture
def voting_round(db, nominations):
    return make_round(edition=nominations[0].edition, nominations=nominations)


@pytest.fixture
def start(voting_round):
    """A moment an hour into the round, from which the scenarios count."""
    return voting_round.opens_at + timedelta(hours=1)


def make_voters(db, count: int, *, created_at: datetime | None = None) -> list[int]:
    """Accounts made cheaply (no password hashing); old enough not to look fresh."""
    created_at = created_at or now() - timedelta(days=60)
    rows = [
        {
            "email": f"{tag}@example.org",
            "email_canonical": f"{tag}@example.org",
            "password_hash": PASSWORD_HASH,
            "created_at": created_at,
            "session_version": 1,
        }
        for tag in (secrets.token_hex(8) for _ in range(count))
    ]
    return list(db.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))


def cast(
    db,
    voting_round,
    nomination,
    voters: list[int],
    times: list[datetime],
    *,
    address: str | None = ADDRESS,
    invalidated: bool = False,
) -> list[int]:
    """One vote per voter for ``nomination`` at the given times; returns the vote ids."""
    rows = [
        {
            "round_id": voting_round.id,
            "category_id": nomination.category_id,
            "nomination_id": nomination.id,
            "voter_id": voter,
            "cast_at": moment,
            "receipt_code": secrets.token_hex(16),
            "network_hash": network_hash(address),
            "device_hash": keyed_hash(f"device-{voter}"),
            "status": VoteStatus.INVALIDATED if invalidated else VoteStatus.VALID,
            "invalidated_at": moment if invalidated else None,
            "invalidation_reason": "test" if invalidated else None,
        }
        for voter, moment in zip(voters, times, strict=True)
    ]
    return list(db.scalars(insert(Vote).returning(Vote.id, sort_by_parameter_order=True), rows))


def log_in(db, users: list[int], times: list[datetime], **fields) -> None:
    fields.setdefault("succeeded", True)
    fields.setdefault("network_hash", network_hash(ADDRESS))
    db.execute(
        insert(LoginEvent),
        [{"user_id": user, "at": at, **fields} for user, at in zip(users, times, strict=True)],
    )


def every(seconds: float, count: int, start: datetime) -> list[datetime]:
    return [start + timedelta(seconds=seconds * i) for i in range(count)]


def flags_of(kind: str, flags: list[SuspicionFlag]) -> list[SuspicionFlag]:
    return [flag for flag in flags if flag.kind == kind]


def flag_count(db) -> int:
    return db.scalar(select(func.count()).select_from(SuspicionFlag))


# network_burst


def test_twenty_votes_from_one_network_within_ten_minutes_are_a_burst(
    db, voting_round, nominations, start
):
    voters = make_voters(db, 20)
    ids = cast(db, voting_round, nominations[0], voters, every(30, 20, start))
    cast(db, voting_round, nominations[1], make_voters(db, 3), every(30, 3, start))

    [flag] = flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))

    prefix = network_hash(ADDRESS)[:16]
    assert flag.subject == f"{nominations[0].id}:{prefix}"
    assert flag.status == FlagStatus.OPEN
    assert flag.vote_count == 20
    assert flag.evidence["nomination_id"] == nominations[0].id
    assert flag.evidence["network"] == prefix
    assert flag.evidence["vote_ids"] == sorted(ids)
    assert flag.evidence["vote_ids_omitted"] == 0
    assert flag.evidence["voter_ids"] == sorted(voters)
    assert flag.evidence["first_vote_at"] == start.isoformat()
    assert flag.evidence["last_vote_at"] == (start + timedelta(seconds=570)).isoformat()


def test_nineteen_votes_are_not_a_burst(db, voting_round, nominations, start):
    cast(db, voting_round, nominations[0], make_voters(db, 19), every(30, 19, start))
    assert not flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))


def test_twenty_votes_spread_over_eleven_minutes_are_not_a_burst(
    db, voting_round, nominations, start
):
    cast(db, voting_round, nominations[0], make_voters(db, 20), every(660 / 19, 20, start))
    assert not flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))


def test_only_the_votes_inside_the_burst_are_kept(db, voting_round, nominations, start):
    slow = cast(db, voting_round, nominations[0], make_voters(db, 5), every(3600, 5, start))
    fast_start = start + timedelta(hours=6)
    fast = cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, fast_start))

    [flag] = flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))

    assert flag.vote_count == 20
    assert flag.evidence["vote_ids"] == sorted(fast)
    assert not set(slow) & set(flag.evidence["vote_ids"])


def test_votes_from_other_networks_or_for_other_projects_do_not_add_up(
    db, voting_round, nominations, start
):
    cast(db, voting_round, nominations[0], make_voters(db, 10), every(10, 10, start))
    cast(
        db,
        voting_round,
        nominations[0],
        make_voters(db, 10),
        every(10, 10, start),
        address=OTHER_ADDRESS,
    )
    cast(db, voting_round, nominations[1], make_voters(db, 10), every(10, 10, start))
    assert not flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))


def test_one_network_means_the_whole_slash_24(db, voting_round, nominations, start):
    voters = make_voters(db, 20)
    for i, (voter, moment) in enumerate(zip(voters, every(10, 20, start), strict=True)):
        cast(db, voting_round, nominations[0], [voter], [moment], address=f"203.0.113.{i + 1}")
    assert flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))


def test_invalidated_votes_do_not_make_a_burst(db, voting_round, nominations, start):
    times = every(30, 20, start)
    cast(db, voting_round, nominations[0], make_voters(db, 19), times[:19])
    cast(db, voting_round, nominations[0], make_voters(db, 1), times[19:], invalidated=True)
    assert not flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))


# bulk_logins


def test_ten_accounts_signing_in_from_one_network_within_half_an_hour_are_flagged(
    db, voting_round, nominations, start
):
    users = make_voters(db, 10)
    log_in(db, users, every(150, 10, start))
    # They vote later, spread out and from other networks; every valid vote is evidence.
    first = cast(
        db, voting_round, nominations[0], users, every(3600, 10, start), address=OTHER_ADDRESS
    )
    second = cast(
        db, voting_round, nominations[1], users[:3], every(3600, 3, start), address=OTHER_ADDRESS
    )
    cast(db, voting_round, nominations[2], users[3:4], [start], invalidated=True)
    bystanders = make_voters(db, 2)
    cast(db, voting_round, nominations[0], bystanders, [start, start], address=OTHER_ADDRESS)

    [flag] = flags_of("bulk_logins", fraud.compute_flags(voting_round, now=now()))

    assert flag.subject == f"network:{network_hash(ADDRESS)[:16]}"
    assert flag.evidence["network"] == network_hash(ADDRESS)[:16]
    assert flag.evidence["user_ids"] == sorted(users)
    assert flag.evidence["account_count"] == 10
    assert flag.evidence["window_minutes"] == 30
    assert flag.evidence["first_login_at"] == start.isoformat()
    assert flag.vote_count == 13
    assert flag.evidence["vote_ids"] == sorted(first + second)


def test_ten_accounts_on_one_device_are_flagged_whatever_their_network(
    db, voting_round, nominations, start
):
    users = make_voters(db, 10)
    device = keyed_hash("one-shared-browser")
    for i, (user, moment) in enumerate(zip(users, every(60, 10, start), strict=True)):
        log_in(db, [user], [moment], network_hash=network_hash(f"10.{i}.0.1"), device_hash=device)

    [flag] = flags_of("bulk_logins", fraud.compute_flags(voting_round, now=now()))

    assert flag.subject == f"device:{device[:16]}"
    assert flag.evidence["device"] == device[:16]
    assert flag.vote_count == 0
    assert flag.evidence["vote_ids"] == []


@pytest.mark.parametrize(
    "case",
    ["nine accounts", "over forty minutes", "one account ten times", "failed", "before opening"],
)
def test_near_misses_are_not_bulk_logins(db, voting_round, start, case):
    users = make_voters(db, 10)
    times = every(150, 10, start)
    fields = {}
    if case == "nine accounts":
        users, times = users[:9], times[:9]
    elif case == "over forty minutes":
        times = every(40 * 60 / 9, 10, start)
    elif case == "one account ten times":
        users = [users[0]] * 10
    elif case == "failed":
        fields["succeeded"] = False
    elif case == "before opening":
        times = every(150, 10, voting_round.opens_at - timedelta(hours=2))
    log_in(db, users, times, **fields)

    assert not flags_of("bulk_logins", fraud.compute_flags(voting_round, now=now()))


# fresh_single_project


def test_fifteen_fresh_accounts_voting_for_one_project_only_are_flagged(
    db, voting_round, nominations, start
):
    voters = make_voters(db, 15, created_at=start - timedelta(hours=23))
    ids = cast(db, voting_round, nominations[0], voters, every(60, 15, start))

    [flag] = flags_of("fresh_single_project", fraud.compute_flags(voting_round, now=now()))

    assert flag.subject == str(nominations[0].id)
    assert flag.vote_count == 15
    assert flag.evidence["nomination_id"] == nominations[0].id
    assert flag.evidence["voter_ids"] == sorted(voters)
    assert flag.evidence["vote_ids"] == sorted(ids)


@pytest.mark.parametrize("case", ["fourteen", "older accounts", "two categories", "invalidated"])
def test_near_misses_are_not_fresh_single_project(db, voting_round, nominations, start, case):
    voters = make_voters(db, 15, created_at=start - timedelta(hours=1))
    times = every(600, 15, start)
    if case == "fourteen":
        voters, times = voters[:14], times[:14]
    elif case == "older accounts":
        # Created 25 hours before the last voter's vote at the latest.
        old = make_voters(db, 1, created_at=start - timedelta(hours=25))
        voters = [*voters[:14], *old]
    elif case == "two categories":
        cast(db, voting_round, nominations[1], voters[:1], [start], address=OTHER_ADDRESS)
    if case == "invalidated":
        cast(db, voting_round, nominations[0], voters[:14], times[:14], address=None)
        cast(db, voting_round, nominations[0], voters[14:], times[14:], invalidated=True)
    else:
        cast(db, voting_round, nominations[0], voters, times, address=None)

    assert not flags_of("fresh_single_project", fraud.compute_flags(voting_round, now=now()))


# machine_cadence


def test_a_voter_moving_through_six_categories_at_a_steady_pace_is_flagged(
    db, voting_round, nominations, start
):
    [voter] = make_voters(db, 1)
    gaps = [7.0, 7.2, 6.9, 7.1, 6.8]
    times = [start]
    for gap in gaps:
        times.append(times[-1] + timedelta(seconds=gap))
    ids = [
        cast(db, voting_round, n, [voter], [t])[0] for n, t in zip(nominations, times, strict=False)
    ]

    [flag] = flags_of("machine_cadence", fraud.compute_flags(voting_round, now=now()))

    assert flag.subject == f"voter:{voter}"
    assert flag.vote_count == 6
    assert flag.evidence["voter_id"] == voter
    assert flag.evidence["gaps_seconds"] == pytest.approx(gaps)
    assert flag.evidence["mean_seconds"] == pytest.approx(7.0)
    assert flag.evidence["cv"] < 0.1
    assert flag.evidence["vote_ids"] == sorted(ids)


@pytest.mark.parametrize("case", ["irregular", "five categories", "all at once", "one invalidated"])
def test_near_misses_are_not_machine_cadence(db, voting_round, nominations, start, case):
    [voter] = make_voters(db, 1)
    gaps = {"irregular": [5, 31, 12, 64, 8], "all at once": [0] * 5}.get(case, [10] * 5)
    times = [start]
    for gap in gaps:
        times.append(times[-1] + timedelta(seconds=gap))
    for i, (nomination, moment) in enumerate(zip(nominations, times, strict=False)):
        if case == "five categories" and i == 5:
            break
        invalid = case == "one invalidated" and i == 5
        cast(db, voting_round, nomination, [voter], [moment], invalidated=invalid)

    assert not flags_of("machine_cadence", fraud.compute_flags(voting_round, now=now()))


@pytest.mark.parametrize(("spread", "flagged"), [(0.95, True), (1.0, False), (1.05, False)])
def test_the_cadence_threshold_is_exact(db, voting_round, nominations, start, spread, flagged):
    """Gaps alternating 10 - spread and 10 + spread seconds: the cv is spread / 10."""
    [voter] = make_voters(db, 1)
    moment = start
    for i, nomination in enumerate(nominations):
        cast(db, voting_round, nomination, [voter], [moment])
        moment += timedelta(seconds=10 + (spread if i % 2 else -spread))

    found = flags_of("machine_cadence", fraud.compute_flags(voting_round, now=now()))

    assert bool(found) == flagged
    if flagged:
        assert found[0].evidence["cv"] == pytest.approx(0.095)


# Storing the flags again


def test_recomputing_updates_the_flags_instead_of_adding_rows(db, voting_round, nominations, start):
    voters = make_voters(db, 21)
    cast(db, voting_round, nominations[0], voters[:20], every(20, 20, start))
    [first] = fraud.compute_flags(voting_round, now=start + timedelta(hours=1))
    created_at, rows = first.created_at, flag_count(db)

    late = cast(db, voting_round, nominations[0], voters[20:], [start + timedelta(seconds=400)])
    [again] = fraud.compute_flags(voting_round, now=start + timedelta(hours=2))

    assert again.id == first.id
    assert flag_count(db) == rows == 1
    assert again.created_at == created_at == start + timedelta(hours=1)
    assert again.vote_count == 21
    assert late[0] in again.evidence["vote_ids"]
    db.expire_all()
    stored = db.get(SuspicionFlag, first.id)
    assert stored.vote_count == 21
    assert len(stored.evidence["vote_ids"]) == 21


@pytest.mark.parametrize("status", [FlagStatus.DISMISSED, FlagStatus.ACTIONED, FlagStatus.OPEN])
def test_recomputing_keeps_the_secretariats_status(db, voting_round, nominations, start, status):
    cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, start))
    [flag] = fraud.compute_flags(voting_round, now=now())
    flag.status = status
    db.flush()

    [again] = fraud.compute_flags(voting_round, now=now())

    assert again.id == flag.id
    assert again.status == status


def test_a_dismissed_flag_reopens_when_new_votes_join_it(db, voting_round, nominations, start):
    voters = make_voters(db, 21)
    cast(db, voting_round, nominations[0], voters[:20], every(20, 20, start))
    [flag] = fraud.compute_flags(voting_round, now=now())
    flag.status = FlagStatus.DISMISSED
    db.flush()

    cast(db, voting_round, nominations[0], voters[20:], [start + timedelta(seconds=30)])
    [again] = fraud.compute_flags(voting_round, now=now())

    assert again.id == flag.id
    assert again.status == FlagStatus.OPEN
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "voting.flags_computed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.data["reopened"] == [flag.id]


def test_a_dismissed_flag_reopens_when_a_vote_is_replaced(db, voting_round, nominations, start):
    """Same count, but one vote invalidated and another joined: still new votes."""
    voters = make_voters(db, 21)
    ids = cast(db, voting_round, nominations[0], voters[:20], every(20, 20, start))
    [flag] = fraud.compute_flags(voting_round, now=now())
    flag.status = FlagStatus.DISMISSED
    vote = db.get(Vote, ids[0])
    vote.status, vote.invalidated_at, vote.invalidation_reason = VoteStatus.INVALIDATED, now(), "x"
    db.flush()

    cast(db, voting_round, nominations[0], voters[20:], [start + timedelta(seconds=30)])
    [again] = fraud.compute_flags(voting_round, now=now())

    assert again.vote_count == 20
    assert again.status == FlagStatus.OPEN


def _action(db, flag) -> None:
    """What the secretariat's "invalidate these votes" does: the listed votes, then the flag."""
    for vote in db.scalars(select(Vote).where(Vote.id.in_(flag.evidence["vote_ids"]))):
        vote.status, vote.invalidated_at, vote.invalidation_reason = "invalidated", now(), "x"
    flag.status, flag.reviewed_at = FlagStatus.ACTIONED, now()
    db.flush()


def test_an_actioned_flag_stays_actioned_and_new_evidence_follows_it(
    db, voting_round, nominations, start
):
    first_ids = cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, start))
    [flag] = fraud.compute_flags(voting_round, now=now())
    _action(db, flag)
    evidence, reviewed_at = dict(flag.evidence), flag.reviewed_at

    later = start + timedelta(hours=2)
    new_ids = cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, later))
    found = fraud.compute_flags(voting_round, now=now())

    db.expire_all()
    old = db.get(SuspicionFlag, flag.id)
    assert old.status == FlagStatus.ACTIONED
    assert old.reviewed_at == reviewed_at
    assert old.evidence == evidence  # the evidence the decision was taken on stands
    assert sorted(old.evidence["vote_ids"]) == sorted(first_ids)
    [follow_up] = [f for f in found if f.id != flag.id]
    assert follow_up.follows_id == flag.id
    assert follow_up.follows.id == flag.id
    assert (follow_up.kind, follow_up.subject) == (old.kind, old.subject)
    assert follow_up.status == FlagStatus.OPEN
    assert sorted(follow_up.evidence["vote_ids"]) == sorted(new_ids)
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "voting.flags_computed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.data["followed_up"] == [flag.id]
    assert event.data["reopened"] == []

    # Run again: the open follow-up, now the pattern's current flag, is updated in place.
    [again] = fraud.compute_flags(voting_round, now=now())
    assert again.id == follow_up.id
    assert flag_count(db) == 2


def test_an_actioned_flag_whose_pattern_stopped_stays_as_it_was(
    db, voting_round, nominations, start
):
    cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, start))
    [flag] = fraud.compute_flags(voting_round, now=now())
    _action(db, flag)

    assert fraud.compute_flags(voting_round, now=now()) == []
    assert flag_count(db) == 1
    assert db.get(SuspicionFlag, flag.id).status == FlagStatus.ACTIONED


def test_votes_left_out_of_an_actioned_flag_come_back_as_a_follow_up(
    db, voting_round, nominations, start, monkeypatch
):
    """The evidence lists at most MAX_EVIDENCE_IDS votes; actioning invalidates those, and
    the rest make the next flag of the pattern."""
    monkeypatch.setattr(fraud, "MAX_EVIDENCE_IDS", 10)
    ids = cast(db, voting_round, nominations[0], make_voters(db, 40), every(10, 40, start))
    [flag] = fraud.compute_flags(voting_round, now=now())
    assert flag.evidence["vote_ids_omitted"] == 30
    _action(db, flag)

    [follow_up] = [f for f in fraud.compute_flags(voting_round, now=now()) if f.id != flag.id]

    assert follow_up.follows_id == flag.id
    assert follow_up.vote_count == 30
    assert follow_up.evidence["vote_ids"] == sorted(ids)[10:20]
    assert db.get(SuspicionFlag, flag.id).status == FlagStatus.ACTIONED


def test_a_pattern_has_one_first_flag_and_each_flag_one_follow_up(db, voting_round):
    def flag(**fields):
        row = SuspicionFlag(
            round_id=voting_round.id, kind=FlagKind.NETWORK_BURST, subject="1:ab", **fields
        )
        db.add(row)
        db.flush()
        return row

    first = flag()
    with pytest.raises(IntegrityError), db.begin_nested():
        flag()  # a second first flag of the same pattern
    second = flag(follows_id=first.id)
    with pytest.raises(IntegrityError), db.begin_nested():
        flag(follows_id=first.id)  # two flags cannot both follow one
    flag(follows_id=second.id)
    with pytest.raises((IntegrityError, StatementError)), db.begin_nested():
        db.execute(
            insert(SuspicionFlag).values(
                round_id=voting_round.id,
                kind="no_such_kind",
                subject="x",
                evidence={},
                vote_count=0,
                status="open",
                created_at=now(),
            )
        )


def test_votes_of_other_rounds_are_not_read(db, voting_round, nominations, start):
    cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, start))
    other_round = make_round(edition=make_edition(), nominations=[])
    assert fraud.compute_flags(other_round, now=now()) == []
    assert flag_count(db) == 0


def test_each_call_writes_one_audit_event_with_the_counts(db, voting_round, nominations, start):
    cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, start))
    fraud.compute_flags(voting_round, now=now())
    fraud.compute_flags(voting_round, now=now())

    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "voting.flags_computed")
        .order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2
    assert all(event.actor_id is None for event in events)
    assert all(event.object_type == "voting_rounds" for event in events)
    assert all(event.object_id == voting_round.id for event in events)
    assert events[0].data["counts"] == {
        "network_burst": 1,
        "bulk_logins": 0,
        "fresh_single_project": 0,
        "machine_cadence": 0,
        "matching_ballots": 0,
    }
    assert events[0].data["created"] == 1
    assert events[1].data["created"] == 0


# Settings, evidence, efficiency


def test_thresholds_come_from_the_settings(app, db, voting_round, nominations, start, monkeypatch):
    monkeypatch.setitem(app.config, "FLAG_BURST_VOTES", 3)
    monkeypatch.setitem(app.config, "FLAG_BURST_MINUTES", 1)
    cast(db, voting_round, nominations[0], make_voters(db, 3), every(20, 3, start))

    [flag] = flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))

    assert flag.vote_count == 3
    assert flag.evidence["window_minutes"] == 1


def test_long_id_lists_are_capped_and_say_how_many_were_left_out(
    db, voting_round, nominations, start, monkeypatch
):
    monkeypatch.setattr(fraud, "MAX_EVIDENCE_IDS", 5)
    ids = cast(db, voting_round, nominations[0], make_voters(db, 20), every(20, 20, start))

    [flag] = flags_of("network_burst", fraud.compute_flags(voting_round, now=now()))

    assert flag.vote_count == 20
    assert flag.evidence["vote_ids"] == sorted(ids)[:5]
    assert flag.evidence["vote_ids_omitted"] == 15
    assert len(flag.evidence["voter_ids"]) == 5
    assert flag.evidence["voter_ids_omitted"] == 15


def _all_four(db, voting_round, nominations, start) -> None:
    voters = make_voters(db, 20, created_at=start - timedelta(hours=2))
    cast(db, voting_round, nominations[0], voters, every(20, 20, start))
    log_in(db, voters, every(20, 20, start))
    [steady] = make_voters(db, 1)
    for i, nomination in enumerate(nominations):
        cast(db, voting_round, nomination, [steady], [start + timedelta(seconds=9 * i)])


def _scalars_in(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _scalars_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars_in(item)
    else:
        yield value


def test_evidence_holds_only_ids_times_and_hash_prefixes(db, voting_round, nominations, start):
    _all_four(db, voting_round, nominations, start)
    flags = fraud.compute_flags(voting_round, now=now())
    # One nomination per category here: every ballot is the same, and that is no sign.
    assert {flag.kind for flag in flags} == set(fraud.KINDS) - {FlagKind.MATCHING_BALLOTS}

    full_hash = network_hash(ADDRESS)
    for flag in flags:
        text = json.dumps(flag.evidence)
        assert ADDRESS not in text and "203.0.113" not in text
        assert full_hash not in text
        for key, value in flag.evidence.items():
            assert re.fullmatch(r"[a-z_]+", key)
            for item in _scalars_in(value):
                if isinstance(item, str):
                    assert ISO_TIME.match(item) or SHORT_HASH.match(item), (key, item)
                else:
                    assert isinstance(item, int | float) and not isinstance(item, bool), (key, item)


def test_votes_are_read_as_columns_in_a_few_queries(
    db, voting_round, nominations, start, count_queries
):
    _all_four(db, voting_round, nominations, start)
    db.expunge_all()
    voting_round = db.merge(voting_round)
    with count_queries() as statements:
        fraud.compute_flags(voting_round, now=now())
    assert not [obj for obj in db.identity_map.values() if isinstance(obj, Vote)]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # Eight for the four older checks; the ballots check reads the shares, the ballots and
    # (only when it finds a cluster) the cluster's votes.
    assert len(reads) <= 11, reads


def test_dense_windows_marks_every_event_of_a_qualifying_window():
    base = now()
    times = [base + timedelta(minutes=m) for m in (0, 1, 2, 20, 21, 22, 50)]
    events = list(zip(times, ["a", "b", "c", "d", "d", "e", "f"], strict=True))
    window = timedelta(minutes=5)
    assert fraud.dense_windows(events, window, 3) == [0, 1, 2]
    assert fraud.dense_windows(events, window, 2) == [0, 1, 2, 3, 4, 5]
    assert fraud.dense_windows(events, window, 4) == []
    assert fraud.dense_windows([], window, 1) == []
