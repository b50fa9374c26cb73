"""The vote log through the real stack: batches, signed heads, proofs, the open-data file,
and verification failures that name what does not match."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from sqlalchemy import func, select

from prizes.core.clock import now
from prizes.transparency import merkle, signing, verify
from prizes.transparency.leaves import receipt_hash
from prizes.transparency.models import LeafKind, LogLeaf, LogNode
from prizes.transparency.services import extend_log
from prizes.voting.models import FlagKind, FlagStatus, SuspicionFlag, VoteStatus


def _invalidate(db, vote) -> None:
    vote.status = VoteStatus.INVALIDATED
    vote.invalidated_at = now()
    vote.invalidation_reason = "A burst from one network."
    db.flush()


def _document(client, db, voting_round) -> dict:
    voting_round.finalised_at = now()
    voting_round.public_tally = True
    voting_round.edition.results_published_at = now()
    db.commit()
    response = client.get(f"/transparency/rounds/{voting_round.id}/log.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_batches_grow_the_log_and_sign_heads(db, client, log_contest) -> None:
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 70)
    first = extend_log(voting_round, now=now())
    assert first is not None and first.tree_size == 70
    assert extend_log(voting_round, now=now()) is None  # nothing new, no new head
    stored = db.scalar(select(func.count()).select_from(LogNode))
    assert stored == 3  # two complete nodes of 32 leaves, one of 64

    _invalidate(db, votes[3])
    more = log_contest.cast(db, 5, start=100, nomination=1)
    second = extend_log(voting_round, now=now())
    assert second is not None and second.tree_size == 76
    last = db.scalars(select(LogLeaf).where(LogLeaf.leaf_index == 75)).one()
    assert (last.kind, last.target_index, last.reason_code) == (
        LeafKind.INVALIDATION,
        3,
        "secretariat",
    )
    db.commit()

    # The heads are public, and each one's signature holds with the published key.
    key = client.get("/.well-known/wsis-prizes-log-key")
    assert key.status_code == 200 and b"BEGIN PUBLIC KEY" in key.data
    heads = client.get(f"/transparency/rounds/{voting_round.id}/heads.json").get_json()["heads"]
    assert [h["tree_size"] for h in heads] == [76, 70]
    for head in heads:
        assert signing.verify(key.data, verify.head_message(head), head["signature"])

    # The log only grew: the consistency proof from 70 to 76 holds.
    proof = client.get(
        f"/transparency/rounds/{voting_round.id}/consistency.json?first=70&second=76"
    ).get_json()
    assert merkle.verify_consistency(
        70,
        76,
        bytes.fromhex(heads[1]["root_hash"]),
        bytes.fromhex(heads[0]["root_hash"]),
        [bytes.fromhex(p) for p in proof["proof"]],
    )
    bad = client.get(f"/transparency/rounds/{voting_round.id}/consistency.json?first=9&second=x")
    assert bad.status_code == 400
    assert (
        client.get(
            f"/transparency/rounds/{voting_round.id}/consistency.json?first=9&second=76"
        ).status_code
        == 404
    )

    # A voter's receipt: its inclusion proof against the latest head, checked offline.
    receipt = client.get(f"/transparency/receipt.json?code={more[2].receipt_code}").get_json()
    assert receipt["leaf_index"] == 72 and receipt["head"]["tree_size"] == 76
    assert receipt["leaf"]["receipt_hash"] == receipt_hash(more[2].receipt_code)
    assert verify.verify_inclusion_record(receipt) is None
    receipt["leaf"]["nomination"] += 1
    assert "not in this log" in verify.verify_inclusion_record(receipt)
    page = client.get(f"/vote/receipt?code={more[2].receipt_code}")
    assert b"76" in page.data and receipt["proof"][0].encode() in page.data

    # During the round the leaf list is not public: it would give the counts.
    assert client.get(f"/transparency/rounds/{voting_round.id}/log.json").status_code == 404


def test_the_published_log_verifies_and_recounts(db, client, log_contest, runner, tmp_path) -> None:
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 40) + log_contest.cast(db, 9, start=50, nomination=2)
    _invalidate(db, votes[0])
    extend_log(voting_round, now=now())
    document = _document(client, db, voting_round)
    key = signing.public_pem().encode()
    report = verify.verify_log(document, key)
    assert report.ok, report.problems
    assert report.signature_checked
    category = document["leaves"][0]["category"]
    assert report.valid == {
        (category, log_contest.nominations[0].id): 39,
        (category, log_contest.nominations[2].id): 9,
    }
    assert report.invalidated == {"secretariat": 1}

    path = tmp_path / "log.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["verify-log", str(path)])
    assert result.exit_code == 0, result.output
    assert "the root matches the signed head" in result.output
    assert f"{category}, {log_contest.nominations[0].id}: 39" in result.output


def _tampered(document: dict, change) -> dict:
    copy = json.loads(json.dumps(document))
    change(copy)
    return copy


def test_a_tampered_log_a_forged_head_or_a_wrong_signature_fails(
    db, client, log_contest, runner, tmp_path
) -> None:
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 12) + log_contest.cast(db, 3, start=30, nomination=1)
    _invalidate(db, votes[5])
    extend_log(voting_round, now=now())
    document = _document(client, db, voting_round)
    key = signing.public_pem().encode()
    other = nomination_of = log_contest.nominations[2].id

    def one_leaf(doc):
        doc["leaves"][2]["nomination"] = nomination_of

    def reorder(doc):
        doc["leaves"][1], doc["leaves"][2] = doc["leaves"][2], doc["leaves"][1]
        doc["leaves"][1]["index"], doc["leaves"][2]["index"] = 1, 2

    def drop_invalidation(doc):
        doc["leaves"].pop()
        doc["head"]["tree_size"] -= 1

    def forged_head(doc):
        doc["head"]["root_hash"] = merkle.leaf_hash(b"forged").hex()

    def wrong_signature(doc):
        doc["head"]["signature"] = base64.b64encode(b"\x01" * 64).decode()

    cases = {
        "one leaf": (one_leaf, "the root of the 16 leaves"),
        "reorder": (reorder, "the root of the 16 leaves"),
        "dropped invalidation": (drop_invalidation, "signature does not verify"),
        "forged head": (forged_head, "signature does not verify"),
        "wrong signature": (wrong_signature, "signature does not verify"),
    }
    for name, (change, expected) in cases.items():
        report = verify.verify_log(_tampered(document, change), key)
        assert not report.ok, name
        assert any(expected in problem for problem in report.problems), (name, report.problems)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(_tampered(document, change)))
        result = runner.invoke(args=["verify-log", str(path)])
        assert result.exit_code == 1, name
        assert expected in result.output and "Traceback" not in result.output, name
    # The dropped invalidation with a head re-signed by someone else's key: the root differs.
    report = verify.verify_log(_tampered(document, drop_invalidation), None)
    assert any("the root of the 15 leaves" in p for p in report.problems)
    assert other  # the nomination swapped in above exists on the ballot
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps(document)[:-40])
    result = runner.invoke(args=["verify-log", str(truncated)])
    assert result.exit_code == 1 and "truncated or damaged" in result.output


def test_a_round_not_started_has_no_log(db, client, log_contest) -> None:
    voting_round = log_contest.voting_round
    voting_round.opens_at = now() + timedelta(days=1)
    voting_round.closes_at = now() + timedelta(days=5)
    db.commit()
    assert client.get(f"/transparency/rounds/{voting_round.id}/heads.json").status_code == 404


def test_the_worker_batch_is_a_durable_job_run(db, log_contest) -> None:
    from prizes import jobs
    from prizes.core import runs
    from prizes.transparency.queries import latest_head, rounds_needing_a_batch

    voting_round = log_contest.voting_round
    log_contest.cast(db, 33)
    db.commit()
    assert voting_round.id in rounds_needing_a_batch(now())
    jobs.extend_vote_log(voting_round.id)
    db.commit()  # recorded with the request, run after its commit (at once in the tests)
    run = runs.latest(db, "vote_log", voting_round.id)
    assert run is not None and run.status is runs.RunStatus.DONE, run and run.error
    assert run.result == "head of 33 leaves"
    assert latest_head(voting_round.id).tree_size == 33
    # Once the round is final and its final head signed, the minute's schedule skips it.
    voting_round.finalised_at = now()
    db.commit()
    head = extend_log(voting_round, now=now())
    assert head is not None and head.final and head.tree_size == 33
    db.commit()
    assert voting_round.id not in rounds_needing_a_batch(now())


def test_the_standalone_script_agrees(db, client, log_contest, tmp_path) -> None:
    """docs/verify_vote_log.py (stdlib only) accepts the published log and finds what the
    command finds in a tampered one."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "docs" / "verify_vote_log.py"
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 21) + log_contest.cast(db, 2, start=40, nomination=1)
    _invalidate(db, votes[1])
    extend_log(voting_round, now=now())
    document = _document(client, db, voting_round)
    log, key = tmp_path / "log.json", tmp_path / "key.pem"
    log.write_text(json.dumps(document))
    key.write_text(signing.public_pem())

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603  (our own script, our own arguments)
            [sys.executable, str(script), str(log), "--key", str(key), *args],
            capture_output=True,
            text=True,
            check=False,
        )

    ok = run("--receipt", votes[1].receipt_code)
    assert ok.returncode == 0, ok.stderr
    assert "signature verified" in ok.stdout and "24 leaves" in ok.stdout
    assert f"{log_contest.nominations[0].id}: 20" in ok.stdout
    assert "leaf 1 and does not count" in ok.stdout
    document["leaves"][4]["minute"] = "2020-01-01T00:00Z"
    log.write_text(json.dumps(document))
    bad = run()
    assert bad.returncode == 1 and "the root of the 24 leaves" in bad.stderr
    assert "Traceback" not in bad.stderr
    log.write_text(json.dumps(document)[:100])
    assert run().returncode == 2


def test_the_transparency_report_comes_with_the_results(db, client, log_contest) -> None:
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 6) + log_contest.cast(db, 4, start=20, nomination=1)
    _invalidate(db, votes[2])
    for subject, status in (("1:a", FlagStatus.OPEN), ("1:b", FlagStatus.DISMISSED)):
        db.add(
            SuspicionFlag(
                round_id=voting_round.id,
                kind=FlagKind.NETWORK_BURST,
                subject=subject,
                status=status,
            )
        )
    extend_log(voting_round, now=now())
    db.commit()
    url = f"/transparency/rounds/{voting_round.id}/report"
    assert client.get(url).status_code == 404  # nothing before publication
    assert client.get(url + ".json").status_code == 404
    _document(client, db, voting_round)  # finalised and published
    report = client.get(url + ".json").get_json()
    assert (report["votes_cast"], report["valid"], report["invalidated"]) == (10, 9, 1)
    assert report["invalidated_by_reason"] == {"secretariat": 1}
    assert report["distinct_voters"] == 10
    assert report["flags"] == {"network_burst": {"open": 1, "dismissed": 1, "actioned": 0}}
    assert sum(day["votes"] for day in report["votes_per_day"]) == 10
    cast_days = {vote.cast_at.date().isoformat() for vote in votes}
    assert {day["day"] for day in report["votes_per_day"]} == cast_days
    assert report["final_head"]["tree_size"] == 11
    page = client.get(url)
    assert page.status_code == 200 and report["final_head"]["root_hash"].encode() in page.data
    # The API gives the same report, and the way to the files that check it.
    api_url = f"/api/v1/rounds/{voting_round.id}/transparency"
    from_api = client.get(api_url).get_json()
    assert {key: from_api[key] for key in report} == report
    assert from_api["edition"] == voting_round.edition.year
    for link in ("log", "heads", "public_key", "report"):
        assert client.get(from_api["links"][link]).status_code == 200, link
    edition = client.get(from_api["links"]["edition"]).get_json()
    assert [r["transparency"] for r in edition["rounds"]] == [api_url]


def test_a_quiet_round_asks_for_no_batch(db, log_contest) -> None:
    from prizes.transparency.queries import rounds_needing_a_batch

    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 3)
    extend_log(voting_round, now=now())
    db.commit()
    assert voting_round.id not in rounds_needing_a_batch(now())
    log_contest.cast(db, 1, start=10)
    db.commit()
    assert voting_round.id in rounds_needing_a_batch(now())
    extend_log(voting_round, now=now())
    _invalidate(db, votes[0])
    db.commit()
    assert voting_round.id in rounds_needing_a_batch(now())
    extend_log(voting_round, now=now())
    db.commit()
    assert voting_round.id not in rounds_needing_a_batch(now())
