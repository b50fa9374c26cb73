"""An edition's tables as CSV and as one XLSX workbook, for the secretariat only."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from prizes.core.audit import AuditEvent
from tests.api.contest import build_contest, move_to


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
