"""Bulk import in the browser: the dry run lists every bad row with its line and reason and
writes nothing; a good file, once confirmed, is imported by the worker (the same importer
as the command line), its progress followed, its result kept as the report."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from prizes.stocktaking import importer
from prizes.stocktaking.models import StocktakingEntry
from prizes.stocktaking.uploads import ImportRun, ImportStatus
from tests.stocktaking.test_importer import good


def _csv(rows) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(importer.FIELDS))
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode()


def _upload(client, data: bytes, name: str = "entries.csv"):
    return client.post_form("/admin/imports/", {"file": (io.BytesIO(data), name)})


def _entries(db) -> int:
    return db.scalar(select(func.count(StocktakingEntry.id)))


def test_the_dry_run_lists_every_bad_row_and_imports_nothing(app, client, db, login_as, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path)
    login_as("secretariat")
    before = _entries(db)
    answer = _upload(client, _csv([good(1), good(2, country="QQ"), good(3, sdgs="99")]))
    assert answer.status_code == 302
    report = client.get(answer.location).get_data(as_text=True)
    assert "line 3: country &#39;QQ&#39;" in report and "line 4: sdgs holds" in report
    run = db.scalar(select(ImportRun))
    assert run.status is ImportStatus.REFUSED and run.row_count == 3
    assert client.post_form(f"/admin/imports/{run.id}/start").status_code == 302
    db.refresh(run)
    assert run.status is ImportStatus.REFUSED and _entries(db) == before


def test_a_good_file_is_imported_by_the_worker_and_reported(app, client, db, login_as, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path)
    login_as("secretariat")
    before = _entries(db)
    answer = _upload(client, _csv([good(i) for i in range(1, 8)]))
    page = client.get(answer.location).get_data(as_text=True)
    assert "Import 7 entries" in page
    run_id = int(answer.location.rsplit("/", 1)[1])
    assert _entries(db) == before  # checking wrote nothing
    started = client.post_form(f"/admin/imports/{run_id}/start")
    assert started.status_code == 302
    status = client.get(f"/admin/imports/{run_id}/status.json").get_json()
    assert status == {"status": "done", "done": 7, "total": 7, "percent": 100, "moving": False}
    report = client.get(f"/admin/imports/{run_id}").get_data(as_text=True)
    assert "7 new entries, 0 updated" in report and "<progress" in report
    assert _entries(db) == before + 7
    # The same file again updates the entries instead of copying them.
    again = _upload(client, _csv([good(i) for i in range(1, 8)]))
    client.post_form(f"/admin/imports/{again.location.rsplit('/', 1)[1]}/start")
    assert _entries(db) == before + 7


def test_an_unusable_file_is_refused_on_the_form(app, client, db, login_as, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path)
    login_as("secretariat")
    answer = _upload(client, b"title\nonly\n")
    assert answer.status_code == 422 and "missing column(s)" in answer.get_data(as_text=True)
    assert _upload(client, b"x", name="entries.exe").status_code == 422
    assert db.scalar(select(func.count(ImportRun.id))) == 0


def test_only_the_secretariat_imports(client, db, login_as):
    assert client.get("/admin/imports/").status_code == 302
    login_as("stakeholder")
    assert client.get("/admin/imports/").status_code == 403
    assert _upload(client, _csv([good(1)])).status_code == 403
