"""The entry importer, through ``flask import-entries`` and its functions."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from prizes.core.audit import AuditEvent
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.stocktaking import importer
from prizes.stocktaking.models import EntryStatus, StocktakingEntry
from tests.factories import make_entry, make_user

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def good(number: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid row, as text the way a CSV file holds it."""
    row = {
        "external_id": f"EXT-{number:04d}",
        "title": f"Digital skills for rural women, phase {number}",
        "organisation": "The Savannah Digital Trust Ltd.",
        "stakeholder_type": "civil_society",
        "country": "ke",
        "action_lines": "C4;C7",
        "sdgs": "4, 5",
        "description": "Weekend courses in village libraries, taught by trained local women.",
        "website": "https://savannah.example.org",
        "start_date": "2021-03-01",
        "end_date": "2023-06-30",
    }
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(importer.FIELDS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_json(path: Path, items: Any) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def run(runner, *args: Any) -> Any:
    """``flask import-entries ARGS``, checked to end cleanly (a crash leaves its exception)."""
    result = runner.invoke(args=["import-entries", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def count(db) -> int:
    return db.scalar(select(func.count(StocktakingEntry.id)))


def entry(db, external_id: str) -> StocktakingEntry:
    db.expire_all()
    found = db.scalar(select(StocktakingEntry).where(StocktakingEntry.external_id == external_id))
    assert found is not None
    return found


def test_a_csv_file_creates_published_entries_without_owner(runner, db, tmp_path):
    path = write_csv(tmp_path / "entries.csv", [good(1), good(2, website="", end_date="")])

    result = run(runner, path)

    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 skipped." in result.output
    first = entry(db, "EXT-0001")
    assert first.title == "Digital skills for rural women, phase 1"
    assert first.organisation_key == "savannah digital trust"
    assert first.stakeholder_type is StakeholderType.CIVIL_SOCIETY
    assert first.country == "KE"
    assert first.action_line_codes == [ActionLine.C4, ActionLine.C7]
    assert first.sdg_numbers == [4, 5]
    assert (first.start_date, first.end_date) == (date(2021, 3, 1), date(2023, 6, 30))
    assert first.status is EntryStatus.PUBLISHED and first.owner_id is None
    second = entry(db, "EXT-0002")
    assert second.website is None and second.end_date is None
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "stocktaking.entries_imported"))
    assert audit is not None and audit.data == {"source": "entries.csv", "created": 2, "updated": 0}


def test_a_json_file_takes_lists_or_text_and_trims_whitespace(runner, db, tmp_path):
    items = [
        {
            **good(1),
            "title": "  Telemedicine for island clinics \n",
            "action_lines": ["c10", "C7"],
            "sdgs": [3, 17],
            "website": None,
        },
        {**good(2), "external_id": 12345, "action_lines": "C2 C3", "sdgs": []},
    ]
    path = write_json(tmp_path / "entries.json", items)

    result = run(runner, path)

    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 skipped." in result.output
    first = entry(db, "EXT-0001")
    assert first.title == "Telemedicine for island clinics"
    assert first.action_line_codes == [ActionLine.C10, ActionLine.C7]
    assert first.sdg_numbers == [3, 17]
    assert first.website is None
    second = entry(db, "12345")
    assert second.action_line_codes == [ActionLine.C2, ActionLine.C3]
    assert second.sdg_numbers == []


def test_the_sample_files_import_and_the_second_updates_the_first(runner, db):
    first = run(runner, SAMPLES / "entries.csv")
    assert first.exit_code == 0, first.output
    assert "7 created, 0 updated, 0 skipped." in first.output
    assert entry(db, "WSIS-2024-0003").sdg_numbers == [9, 11]

    second = run(runner, SAMPLES / "entries.json")

    assert second.exit_code == 0, second.output
    assert "0 created, 7 updated, 0 skipped." in second.output
    assert count(db) == 7
    assert entry(db, "WSIS-2024-0003").sdg_numbers == [4, 9, 11]
    assert entry(db, "WSIS-2024-0001").end_date == date(2024, 12, 31)
    assert entry(db, "WSIS-2024-0005").title.startswith("Cybersecurity awareness and training")
    assert ActionLine.C3 in entry(db, "WSIS-2024-0006").action_line_codes


def test_re_import_updates_fields_and_keeps_owner_and_status(runner, db, tmp_path):
    owner = make_user()
    existing = make_entry(owner=owner, action_lines=(ActionLine.C1, ActionLine.C4))
    existing.external_id = "EXT-0001"
    existing.status = EntryStatus.ARCHIVED
    db.commit()
    path = write_csv(
        tmp_path / "update.csv",
        [good(1, title="A new title", organisation="Acme", action_lines="C4 C9", sdgs="")],
    )

    result = run(runner, path)

    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 0 skipped." in result.output
    assert count(db) == 1
    updated = entry(db, "EXT-0001")
    assert updated.id == existing.id
    assert (updated.title, updated.organisation, updated.organisation_key) == (
        "A new title",
        "Acme",
        "acme",
    )
    assert updated.action_line_codes == [ActionLine.C4, ActionLine.C9]
    assert updated.sdg_numbers == []
    assert updated.owner_id == owner.id and updated.status is EntryStatus.ARCHIVED


BAD_CSV_ROWS = [
    # (changes to a good row, the start of the message, which names the field)
    ({"title": "  "}, "title is required"),
    ({"action_lines": "C4;C12"}, "action_lines holds unknown code(s) C12"),
    ({"action_lines": ""}, "action_lines is required"),
    ({"sdgs": "4;18"}, "sdgs holds unknown SDG(s) 18"),
    ({"country": "QQ"}, "country 'QQ' is not an ISO 3166-1 alpha-2 code"),
    ({"stakeholder_type": "donor"}, "stakeholder_type 'donor' is not one of"),
    ({"title": "x" * 301}, "title has 301 characters; at most 300"),
    ({"external_id": "E" * 65}, "external_id has 65 characters; at most 64"),
    ({"organisation": "o" * 301}, "organisation has 301 characters"),
    ({"website": "ftp://files.example.org"}, "website 'ftp://files.example.org' is not an http"),
    ({"start_date": "2024-02-30"}, "start_date '2024-02-30' is not a date"),
    ({"end_date": "31/12/2024"}, "end_date '31/12/2024' is not a date"),
    ({"start_date": "2024-05-01", "end_date": "2024-04-30"}, "end_date 2024-04-30 is before"),
    ({"description": ""}, "description is required"),
    ({"title": "Tab\there, NUL\x00 not"}, "title contains control characters"),
    ({"external_id": "EXT-0001"}, "external_id 'EXT-0001' repeats line 2"),
]


def test_bad_csv_rows_are_listed_with_their_lines_and_nothing_is_written(runner, db, tmp_path):
    # Line 2 is good; line 3 starts a row whose description spans lines 3 and 4; each bad
    # row then sits on its own line, from line 5 on.
    rows = [good(1), good(2, description="First paragraph.\nSecond paragraph.")]
    rows += [good(10 + n, **changes) for n, (changes, _) in enumerate(BAD_CSV_ROWS)]
    path = write_csv(tmp_path / "bad.csv", rows)

    result = run(runner, path)

    assert result.exit_code == 1
    for line, (_, message) in enumerate(BAD_CSV_ROWS, start=5):
        assert f"line {line}: {message}" in result.output
    assert f"{len(BAD_CSV_ROWS)} bad row(s) in bad.csv; nothing was imported" in result.output
    assert count(db) == 0


def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(runner, db, tmp_path):
    rows = [good(1), good(2, country="ZZ", sdgs="0"), good(3), good(4, title="")]
    path = write_csv(tmp_path / "mixed.csv", rows)

    result = run(runner, "--skip-invalid", path)

    assert result.exit_code == 0, result.output
    assert "line 3: country 'ZZ'" in result.output and "line 3: sdgs holds" in result.output
    assert "line 5: title is required" in result.output
    assert "2 created, 0 updated, 2 skipped." in result.output
    assert set(db.scalars(select(StocktakingEntry.external_id))) == {"EXT-0001", "EXT-0003"}


def test_bad_json_items_are_listed_by_position(runner, db, tmp_path):
    items = [
        good(1),
        {**good(2), "sdgs": [4, "nine"]},
        "not an object",
        {**good(4), "colour": "blue"},
        {**good(5), "title": 42, "action_lines": {"C4": True}},
        {**good(6), "sdgs": [True]},
        {**good(7), "external_id": "EXT-0001"},
    ]
    path = write_json(tmp_path / "bad.json", items)

    result = run(runner, path)

    assert result.exit_code == 1
    assert "item 2: sdgs holds unknown SDG(s) nine" in result.output
    assert "item 3: is not an object" in result.output
    assert "item 4: has unknown key(s): colour" in result.output
    assert "item 5: title must be text, not int" in result.output
    assert "item 5: action_lines must be a list or text, not dict" in result.output
    assert "item 6: sdgs holds True" in result.output
    assert "item 7: external_id 'EXT-0001' repeats item 1" in result.output
    assert "6 bad row(s)" in result.output
    assert count(db) == 0


def test_a_csv_file_that_is_not_utf8_is_reported_by_line(runner, db, tmp_path):
    path = write_csv(tmp_path / "latin1.csv", [good(1), good(2), good(3)])
    text = path.read_text(encoding="utf-8").replace("phase 2", "Société Générale phase 2")
    path.write_bytes(text.encode("latin-1"))

    refused = run(runner, path)

    assert refused.exit_code == 1
    assert "line 3: title is not valid UTF-8" in refused.output
    assert count(db) == 0
    skipped = run(runner, "--skip-invalid", path)
    assert skipped.exit_code == 0, skipped.output
    assert "2 created, 0 updated, 1 skipped." in skipped.output


def test_a_header_that_is_not_utf8_or_incomplete_is_a_clear_error(runner, db, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"external_id,t\xeftle\nEXT-1,x\n")
    incomplete = tmp_path / "incomplete.csv"
    incomplete.write_text("external_id,title,colour\nEXT-1,x,blue\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    for path, message in [
        (broken, "line 1: the header is not valid UTF-8"),
        (incomplete, "missing column(s): organisation, stakeholder_type"),
        (incomplete, "unknown column(s): colour"),
        (empty, "the file is empty"),
    ]:
        result = run(runner, path)
        assert result.exit_code == 1 and message in result.output, result.output
    assert count(db) == 0


def test_a_csv_row_with_the_wrong_number_of_values_is_a_bad_row(runner, db, tmp_path):
    path = write_csv(tmp_path / "ragged.csv", [good(1), good(2)])
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("EXT-0003,Too short\r\n")

    result = run(runner, "--skip-invalid", path)

    assert result.exit_code == 0, result.output
    assert "line 4: has 2 values; the header has 11" in result.output
    assert "2 created, 0 updated, 1 skipped." in result.output


def test_excel_style_csv_with_bom_crlf_and_blank_lines_is_read(runner, db, tmp_path):
    path = write_csv(tmp_path / "excel.csv", [good(1), good(2)])
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    lines = text.splitlines()
    path.write_bytes(("\ufeff" + "\r\n".join([*lines[:2], "", ",,,", lines[2]]) + "\r\n").encode())

    result = run(runner, path)

    assert result.exit_code == 0, result.output
    assert count(db) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"external_id": "EXT-1",', "not valid JSON: Expecting"),
        (b'{"external_id": "EXT-1"}', "must be a list of objects"),
        (b'[\n{"title": "caf\xe9"}]', "line 2: not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "not usable JSON: maximum recursion depth"),
    ],
)
def test_malformed_json_is_a_clear_error(runner, db, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)

    result = run(runner, path)

    assert result.exit_code == 1
    assert message in result.output
    assert count(db) == 0


def test_an_unknown_extension_is_refused(runner, db, tmp_path):
    path = tmp_path / "entries.xlsx"
    path.write_bytes(b"PK\x03\x04")

    result = run(runner, path)

    assert result.exit_code == 2
    assert "neither a .csv nor a .json file" in result.output
    with pytest.raises(importer.ImportFileError, match="unknown format"):
        importer.read_entries(path)


def test_a_large_import_shows_progress_and_queries_per_batch_not_per_row(runner, db, tmp_path):
    make_entry().external_id = "EXT-0007"  # one row updates, the others create
    db.flush()
    path = write_csv(tmp_path / "large.csv", [good(n) for n in range(1, 1201)])
    selects = []

    def on_execute(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", on_execute)
    try:
        result = run(runner, path)
    finally:
        event.remove(connection, "before_cursor_execute", on_execute)

    assert result.exit_code == 0, result.output
    assert "Importing" in result.output
    assert "1199 created, 1 updated, 0 skipped." in result.output
    assert count(db) == 1200
    assert len(selects) < 15  # three batches of 500, not 1200 rows


def test_check_row_returns_every_error_of_a_row():
    errors, row = importer.check_row("line 9", good(1, title="", country="Kenya", sdgs="x"))

    assert row is None
    assert [str(error) for error in errors] == [
        "line 9: title is required",
        "line 9: country 'Kenya' is not an ISO 3166-1 alpha-2 code such as KE, a list such as"
        " KE; UG, or INTERNATIONAL",
        "line 9: sdgs holds unknown SDG(s) x; use 1 to 17",
    ]


def test_undecodable_codes_are_reported_printably():
    errors, row = importer.check_row("line 2", good(1, action_lines="C4;C\udce9"))

    assert row is None
    assert [str(error) for error in errors] == [
        "line 2: action_lines is not valid UTF-8; save the file as UTF-8"
    ]
    errors, _ = importer.check_row("item 1", {**good(1), "caf\udce9": "x"})
    assert str(errors[0]) == "item 1: has unknown key(s): caf\\udce9"
