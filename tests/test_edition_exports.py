"""An edition's tables as CSV and as one XLSX workbook, for the secretariat only."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from prizes import create_app, jobs
from prizes.cli import upgrade_database
from prizes.contest.models import Edition
from prizes.core.audit import AuditEvent
from prizes.db import db as database
from prizes.exports import archive
from tests.api.contest import build_contest, move_to
from tests.conftest import separate_database


def test_the_secretariat_downloads_every_table_as_csv_and_xlsx(client, db, login_as):
    contest = build_contest(year=2045)
    move_to(contest, "announced")
    db.commit()
    login_as("secretariat")
    base = f"/admin/exports/editions/{contest.edition.id}"
    rows = {}
    for name in ("entries", "nominations", "votes", "scores", "results"):
        answer = client.get(f"{base}/tables.csv?table={name}")
        assert answer.status_code == 200 and answer.mimetype == "text/csv", name
        rows[name] = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows["nominations"]) == 1 + 5 and len(rows["votes"]) == 1 + 1
    assert [r[1] for r in rows["results"][1:]] == ["winner", "champion"]
    everything = "".join(str(rows))
    assert "@" not in everything and "f" * 64 not in everything  # no e-mail, no hash
    book = client.get(f"{base}/tables.xlsx")
    assert book.status_code == 200
    workbook = load_workbook(io.BytesIO(book.data), read_only=True)
    assert workbook.sheetnames == ["entries", "nominations", "votes", "scores", "results"]
    assert len(list(workbook["nominations"].values)) == 6
    assert client.get(f"{base}/tables.csv?table=users").status_code == 400
    assert client.get("/admin/exports/editions/999999/tables.csv").status_code == 404
    assert db.query(AuditEvent).filter_by(action="export.edition_downloaded").count() == 6


def test_nobody_else_downloads_the_tables(client, db, login_as):
    contest = build_contest(year=2046)
    db.commit()
    url = f"/admin/exports/editions/{contest.edition.id}/tables.xlsx"
    assert client.get(url).status_code == 302
    login_as("expert")
    assert client.get(url).status_code == 403


@pytest.fixture
def empty_app(tmp_path):
    """A second app on a database of its own, migrated and empty of any edition."""
    with separate_database(tmp_path, "edition_import") as url:
        other = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "test-only-secret-key",
                "DATABASE_URL": url,
                "MAIL_URL": None,
                "JOBS_IMMEDIATE": True,
            }
        )
        with other.app_context():
            upgrade_database()
        try:
            yield other
        finally:
            with other.app_context():
                database.engine.dispose()


def test_the_whole_edition_goes_out_as_json_and_back_in_unchanged(
    app, client, db, login_as, empty_app, tmp_path
):
    contest = build_contest(year=2047)
    move_to(contest, "announced")
    db.commit()
    login_as("secretariat")
    answer = client.get(f"/admin/exports/editions/{contest.edition.id}/edition.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert "@" not in json.dumps(document) and "f" * 64 not in json.dumps(document)
    assert len(document["nominations"]) == 5 and len(document["votes"]) == 1
    path = tmp_path / "edition.json"
    path.write_text(json.dumps(document))
    with empty_app.app_context():  # what `flask import-edition` does, on the empty database
        archive.load_edition(json.loads(path.read_text()))
        database.session.commit()
        imported = database.session.scalar(select(Edition).where(Edition.year == 2047))
        assert archive.dump_edition(imported) == document
    results = empty_app.test_client().get("/api/v1/editions/2047/results").get_json()
    assert results["status"] == "published"
    assert [c["winners"][0]["nomination_id"] for c in results["categories"]] == [contest.winner.id]
    # Into a database that has the edition, the command refuses and changes nothing.
    refused = app.test_cli_runner().invoke(args=["import-edition", str(path)])
    assert refused.exit_code == 1 and "already here" in refused.output
    jobs.init_app(app)  # the second app rebound the queue


def test_another_document_is_refused(runner, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something else"}))
    result = runner.invoke(args=["import-edition", str(path)])
    assert result.exit_code == 1 and "not an edition export" in result.output
