"""A finished round's log file is written once and served from it; the results record is
made once and changes when what it counts changes."""

from __future__ import annotations

import json
from pathlib import Path

from prizes.core.clock import now
from prizes.transparency.bundle import build_bundle, canonical
from prizes.transparency.published import FOLDER, record_text
from prizes.transparency.services import extend_log
from prizes.voting import rounds
from prizes.voting.models import VoteStatus
from tests.factories import make_user_with_role


def _get(client, url: str, **kwargs):
    """The answer, read and closed (a file's answer holds the file open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def _finish(db, voting_round) -> None:
    voting_round.finalised_at = now()
    voting_round.public_tally = True
    voting_round.edition.results_published_at = now()
    db.commit()


def test_a_finished_rounds_log_is_written_once_then_served_from_the_file(
    db, client, app, log_contest
) -> None:
    voting_round = log_contest.voting_round
    log_contest.cast(db, 30)
    extend_log(voting_round, now=now())
    db.commit()
    _finish(db, voting_round)
    url = f"/transparency/rounds/{voting_round.id}/log.json"
    folder = Path(app.instance_path) / FOLDER

    before = set(folder.glob("*.json"))
    growing = _get(client, url)  # no final head yet: built for the request, nothing written
    assert growing.status_code == 200 and set(folder.glob("*.json")) == before

    head = extend_log(voting_round, now=now())
    db.commit()
    assert head is not None and head.final
    first = _get(client, url)
    files = list(set(folder.glob("*.json")) - before)
    assert first.status_code == 200 and len(files) == 1
    assert files[0].read_bytes() == first.data
    document = json.loads(first.data)
    assert document["head"]["final"] and len(document["leaves"]) == 30
    assert "filename=round-" in first.headers["Content-Disposition"]

    files[0].write_bytes(first.data.replace(b'"leaves"', b'"leaves" '))  # mark the file
    again = _get(client, url)
    assert again.data == files[0].read_bytes()  # served from the file, not rebuilt
    assert _get(client, url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    assert not list(folder.glob(".*"))  # no partial file left behind


def test_a_later_head_gets_a_file_of_its_own(db, client, app, log_contest) -> None:
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 10)
    _finish(db, voting_round)
    extend_log(voting_round, now=now())
    db.commit()
    url = f"/transparency/rounds/{voting_round.id}/log.json"
    assert len(json.loads(_get(client, url).data)["leaves"]) == 10
    folder = Path(app.instance_path) / FOLDER
    written = set(folder.glob("*.json"))

    votes[0].status = VoteStatus.INVALIDATED  # after the end, on a dispute
    votes[0].invalidated_at = now()
    votes[0].invalidation_reason = "Upheld dispute."
    db.commit()
    extend_log(voting_round, now=now())
    db.commit()
    document = json.loads(_get(client, url).data)
    assert len(document["leaves"]) == 11 and document["head"]["tree_size"] == 11
    assert len(set(folder.glob("*.json")) - written) == 1


def test_the_results_record_is_the_bundle_and_follows_its_counts(db, app, log_contest) -> None:
    voting_round = log_contest.voting_round
    votes = log_contest.cast(db, 12)
    _finish(db, voting_round)
    extend_log(voting_round, now=now())
    db.commit()
    edition = voting_round.edition
    before = record_text(edition)
    assert before == canonical(build_bundle(edition)).decode()
    assert record_text(edition) == before

    secretariat = make_user_with_role("secretariat")
    rounds.invalidate_votes(
        votes[:2], reason="A burst from one network.", by=secretariat, now=now()
    )
    db.commit()
    after = record_text(edition)
    assert after == canonical(build_bundle(edition)).decode() and after != before
