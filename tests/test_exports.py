"""Large exports: asked for in a request, written by the job, downloaded by the secretariat."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from prizes import jobs
from prizes.accounts.models import Role
from prizes.core.audit import AuditEvent
from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine
from prizes.db import db as database
from prizes.exports import queries as export_queries
from prizes.exports import services as export_services
from prizes.exports.models import Export, ExportKind, ExportStatus
from prizes.voting import queries, rounds, services
from tests.factories import make_edition, make_entry, make_nomination, make_round, make_user
from tests.test_jobs import _run_worker, _wait_for, queued_app  # noqa: F401  (a fixture)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path / "exports"))
    return tmp_path / "exports"


def _round_with_votes(db):
    edition = make_edition()
    nominations = [
        make_nomination(
            edition=edition,
            entry=make_entry(action_lines=(ActionLine.C4,), title=title),
            short_description="A project.",
        )
        for title in ('=HYPERLINK("http://evil")', "Plain title")
    ]
    voting_round = make_round(edition=edition, nominations=nominations)
    voters = [make_user(email=f"voter{i}@secret.example.org") for i in range(3)]
    for voter in voters:
        services.cast_vote(
            voting_round.id,
            category=nominations[0].category_id,
            nomination_id=nominations[0].id,
            voter=voter,
            now=now(),
            client=services.ClientTraits(network_hash="n" * 64),
        )
    admin = make_user(roles=(Role.SECRETARIAT,))
    first = queries.votes_in_round(voting_round.id, voters[0].id)
    rounds.invalidate_votes(first, by=admin, reason="=1+1 burst", now=now())
    db.commit()
    return edition, voting_round


def _actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "exports")))


def test_the_votes_of_a_round_are_exported_and_downloaded(client, db, login_as, folder):
    _edition, voting_round = _round_with_votes(db)
    login_as("secretariat")
    response = client.post_form("/admin/exports/votes", {"votes-voting_round": voting_round.id})
    assert response.status_code == 302

    export = db.scalar(select(Export).order_by(Export.id.desc()))
    assert (export.status, export.row_count, export.attempts) == (ExportStatus.DONE, 3, 1)
    page = client.get("/admin/exports/").get_data(as_text=True)
    assert "done: 3 rows" in page and export.download_name in page

    with client.get(f"/admin/exports/{export.id}/download") as download:
        text = download.get_data(as_text=True)
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename={export.download_name}"
    )
    assert download.headers["Cache-Control"] == "no-store"
    assert text.startswith("\ufeff")  # a BOM: spreadsheets read the file as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == [
        "vote_id",
        "receipt_code",
        "category",
        "nomination_id",
        "cast_at_utc",
        "status",
        "invalidation_reason",
    ]
    assert [row["status"] for row in rows] == ["invalidated", "valid", "valid"]
    assert rows[0]["invalidation_reason"] == "'=1+1 burst"  # neutralised for spreadsheets
    assert rows[0]["category"] == "4" and rows[0]["cast_at_utc"].endswith("Z")
    assert "@" not in text and "n" * 64 not in text  # no address, no keyed hash
    assert _actions(db) == ["export.requested", "export.finished", "export.downloaded"]


def test_the_nominations_of_an_edition_are_exported(client, db, login_as, folder):
    edition, _round = _round_with_votes(db)
    login_as("secretariat")
    client.post_form("/admin/exports/nominations", {"nominations-edition": edition.id})
    export = db.scalar(select(Export).where(Export.kind == ExportKind.NOMINATIONS))
    assert export.status is ExportStatus.DONE and export.row_count == 2
    with client.get(f"/admin/exports/{export.id}/download") as download:
        text = download.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert {row["project"] for row in rows} == {'\'=HYPERLINK("http://evil")', "Plain title"}
    assert {row["status"] for row in rows} == {"nominated"}
    assert "@" not in text


def test_only_the_secretariat_downloads(client, db, login_as, folder):
    _edition, voting_round = _round_with_votes(db)
    admin = make_user(roles=(Role.SECRETARIAT,))
    export = export_services.request_export(
        ExportKind.VOTES, voting_round=voting_round, by=admin, now=now()
    )
    jobs.run_export(export.id)  # recorded with the export, run at the commit (at once here)
    db.commit()
    db.refresh(export)
    assert export.status is ExportStatus.DONE
    assert client.get(f"/admin/exports/{export.id}/download").status_code == 302  # sign in
    login_as("voter")
    assert client.get(f"/admin/exports/{export.id}/download").status_code == 403
    assert client.post_form("/admin/exports/votes", {"votes-voting_round": 1}).status_code == 403


def test_a_missing_or_unfinished_export_is_not_found(client, db, login_as, folder):
    _edition, voting_round = _round_with_votes(db)
    user = login_as("secretariat")
    assert client.get("/admin/exports/999999/download").status_code == 404
    export = export_services.request_export(
        ExportKind.VOTES, voting_round=voting_round, by=user, now=now()
    )
    db.commit()  # queued, never run: nothing to download yet
    assert client.get(f"/admin/exports/{export.id}/download").status_code == 404
    page = client.get("/admin/exports/").get_data(as_text=True)
    assert "queued" in page
    bad = client.post_form("/admin/exports/votes", {"votes-voting_round": 0})
    assert bad.status_code == 422


def test_a_failed_export_shows_its_attempt_and_retries(client, db, login_as, folder, monkeypatch):
    _edition, voting_round = _round_with_votes(db)

    def failing_rows(round_id):
        yield (1, "CODE", 4, 1, "", "valid", "")
        raise OSError("the database went away")

    monkeypatch.setattr(export_queries, "vote_rows", failing_rows)
    login_as("secretariat")
    client.post_form("/admin/exports/votes", {"votes-voting_round": voting_round.id})
    export = db.scalar(select(Export).order_by(Export.id.desc()))
    assert export.status is ExportStatus.FAILED
    assert (export.attempts, export.retries_left) == (1, 2)
    assert "went away" in export.error
    page = client.get("/admin/exports/").get_data(as_text=True)
    assert "failed (attempt 1, 2 retries left)" in page
    assert "export.failed" in _actions(db)
    assert list(folder.iterdir()) == []  # no half-written file left behind


def test_the_worker_writes_the_export(queued_app, tmp_path):  # noqa: F811
    queued_app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    with queued_app.app_context():
        edition = make_edition()
        make_nomination(edition=edition, short_description="Streamed.")
        admin = make_user(roles=(Role.SECRETARIAT,))
        export = export_services.request_export(
            ExportKind.NOMINATIONS, edition=edition, by=admin, now=now()
        )
        jobs.run_export(export.id)
        database.session.commit()
        export_id = export.id
    assert jobs.huey.pending_count() == 1  # the request only queued it

    def done() -> bool:
        with queued_app.app_context():
            found = database.session.get(Export, export_id)
            status = found.status
            database.session.rollback()
            return status is ExportStatus.DONE

    consumer = _run_worker()
    try:
        assert _wait_for(done)
    finally:
        consumer.stop(graceful=True)
    text = (tmp_path / "exports" / f"export-{export_id}.csv").read_text()
    assert "Streamed." in text
