"""`flask db upgrade / downgrade / backup / current` as an operator runs them, on a database
of their own (a SQLite file, or a PostgreSQL schema): a backup first, what a downgrade drops
and the question before it, and bad input stopping with a clear message, changing nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from prizes import create_app
from prizes.cli import upgrade_database
from prizes.db import db
from tests.conftest import separate_database
from tests.migration_data import fill, revisions

SCHEMA = "db_commands_test"
HEAD = revisions()[-1]


class Site:
    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "x"}
        )

    @property
    def sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def run(self, *args: str, answer: str | None = None) -> Any:
        # In the site's own context: the command would otherwise run in the suite's app.
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=["db", *args], input=answer)

    def sql(self, statement: str) -> Any:
        with self.app.app_context(), db.engine.begin() as conn:
            result = conn.execute(text(statement))
            return result.all() if result.returns_rows else None

    def revision(self) -> str | None:
        rows = self.sql("SELECT version_num FROM alembic_version")
        return rows[0][0] if rows else None

    def migrate(self, revision: str, *, filled: bool = False) -> None:
        with self.app.app_context():
            upgrade_database(revision=revision)
            if filled:
                with db.engine.begin() as conn:
                    fill(conn)

    def backups(self) -> list[Path]:
        folder = self.path.parent / "backups"
        return sorted(folder.iterdir()) if folder.exists() else []

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with separate_database(tmp_path, SCHEMA) as url:
        made = Site(url, tmp_path)
        try:
            yield made
        finally:
            made.close()


def test_upgrade_takes_a_backup_first_and_says_where(site: Site):
    site.migrate("0007", filled=True)
    result = site.run("upgrade")
    assert result.exit_code == 0, result.output
    assert f"Database upgraded from 0007 to {HEAD}." in result.output
    assert site.revision() == HEAD
    if not site.sqlite:
        assert "pg_dump" in result.output
        return
    (copy,) = site.backups()
    assert f"Backup of the database at 0007: {copy}" in result.output
    backup = sqlite3.connect(copy)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == ("0007",)
    assert backup.execute("SELECT count(*) FROM votes").fetchone() == (3,)
    backup.close()
    assert copy.stat().st_mode & 0o077 == 0  # the contest's data: for its owner only

    again = site.run("upgrade")
    assert again.exit_code == 0 and "already at" in again.output
    assert len(site.backups()) == 1  # nothing to do, nothing copied


def test_a_new_database_is_upgraded_without_a_backup(site: Site):
    result = site.run("upgrade")
    assert result.exit_code == 0, result.output
    assert site.revision() == HEAD and site.backups() == []


def test_downgrade_lists_what_it_drops_and_asks_first(site: Site):
    site.migrate("head", filled=True)
    refused = site.run("downgrade", "0006", answer="n\n")
    assert refused.exit_code != 0
    assert "0007 -> 0006: drops exports: 3 rows of data lost." in refused.output
    assert "0008 -> 0007: drops users.organisation_key (derived" in refused.output
    assert site.revision() == HEAD and site.backups() == []  # nothing changed, nothing copied
    assert site.sql("SELECT count(*) FROM exports") == [(3,)]

    accepted = site.run("downgrade", "0006", answer="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert f"Database downgraded from {HEAD} to 0006." in accepted.output
    assert site.revision() == "0006"
    if site.sqlite:
        (copy,) = site.backups()
        assert f"Backup of the database at {HEAD}: {copy}" in accepted.output


def test_downgrade_with_yes_asks_nothing_and_keeps_the_security_data(site: Site):
    site.migrate("head", filled=True)
    result = site.run("downgrade", "0004", "--yes")
    assert result.exit_code == 0, result.output
    assert "Two-factor data is kept" in result.output
    assert "does not ask voters for proof of work" in result.output
    assert site.revision() == "0004"
    assert site.sql("SELECT count(*) FROM recovery_codes") == [(3,)]
    assert site.sql("SELECT count(*) FROM users WHERE totp_secret IS NOT NULL") == [(3,)]


def test_downgrade_without_data_to_lose_asks_nothing(site: Site):
    site.migrate("head")
    result = site.run("downgrade", "0007")
    assert result.exit_code == 0, result.output
    assert site.revision() == "0007"


def test_downgrade_to_an_unknown_revision_changes_nothing(site: Site):
    site.migrate("head", filled=True)
    for bad in ("0042", "nonsense"):
        result = site.run("downgrade", bad, "--yes")
        assert result.exit_code != 0
        assert f"Unknown revision '{bad}'" in result.output
        assert "Nothing was changed" in result.output
    assert site.revision() == HEAD and site.backups() == []


def test_each_command_refuses_the_wrong_direction(site: Site):
    site.migrate("0005")
    up = site.run("downgrade", "0007", "--yes")
    assert up.exit_code != 0 and "use `db upgrade`" in up.output
    down = site.run("upgrade", "0003")
    assert down.exit_code != 0 and "use `db downgrade`" in down.output
    assert site.revision() == "0005" and site.backups() == []


def test_upgrade_on_a_database_newer_than_the_code_changes_nothing(site: Site):
    site.migrate("head", filled=True)
    site.sql("UPDATE alembic_version SET version_num = '9999'")
    for args in (["upgrade"], ["downgrade", "0007", "--yes"], ["current"]):
        result = site.run(*args)
        assert result.exit_code != 0
        assert "revision 9999, which this code does not know" in result.output
    assert site.revision() == "9999" and site.backups() == []
    assert site.sql("SELECT count(*) FROM exports") == [(3,)]


def test_a_downgrade_that_cannot_keep_its_rule_refuses_and_changes_nothing(site: Site):
    """Below 0003 an entry may have one nomination per edition: a withdrawn one beside a
    submitted one cannot go back, and the whole downgrade rolls back."""
    site.migrate("head", filled=True)
    site.sql(
        "INSERT INTO nominations (edition_id, category_id, entry_id, nominator_id,"
        " organisation_key, short_description, impact, partnerships, challenges, status,"
        " created_at, updated_at)"
        " SELECT edition_id, category_id, entry_id, nominator_id, 'other', '', '', '', '',"
        " 'withdrawn', created_at, updated_at FROM nominations WHERE id = 1"
    )
    result = site.run("downgrade", "0002", "--yes")
    assert result.exit_code != 0
    assert "cannot downgrade below 0003: 1 entries have more than one nomination" in result.output
    assert "rolled back; the database is still at" in result.output
    assert site.revision() == HEAD
    assert site.sql("SELECT count(*) FROM exports") == [(3,)]  # 0007's drop undone too


def test_current_names_the_revision(site: Site):
    site.migrate("0005")
    assert site.run("current").output.strip() == "0005"
    site.migrate("head")
    assert site.run("current").output.strip() == f"{HEAD} (head)"


# --- db backup -----------------------------------------------------------------------------


def test_backup_refuses_an_existing_file_and_an_unwritable_path(site: Site, tmp_path: Path):
    site.migrate("head", filled=True)
    if not site.sqlite:
        assert "pg_dump" in site.run("backup", str(tmp_path / "x.db")).output
        return
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"an older backup")
    result = site.run("backup", str(existing))
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_bytes() == b"an older backup"

    a_file = tmp_path / "plain-file"
    a_file.write_text("")
    for target in (tmp_path / "missing" / "copy.db", a_file / "copy.db"):
        result = site.run("backup", str(target))
        assert result.exit_code != 0 and f"Cannot write {target}" in result.output
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []

    made = tmp_path / "good.db"
    result = site.run("backup", str(made))
    assert result.exit_code == 0 and f"Backed up to {made}" in result.output
    made_copy = sqlite3.connect(made)
    try:
        assert made_copy.execute("SELECT count(*) FROM votes").fetchone() == (3,)
    finally:
        made_copy.close()


def test_backup_never_makes_a_database_that_was_not_there(tmp_path: Path):
    absent = Site(f"sqlite:///{tmp_path / 'nothing-here.db'}", tmp_path)
    try:
        result = absent.run("backup", str(tmp_path / "copy.db"))
        assert result.exit_code != 0 and "There is no SQLite database" in result.output
        assert not (tmp_path / "nothing-here.db").exists()
    finally:
        absent.close()


def test_upgrade_stops_when_its_backup_cannot_be_written(tmp_path: Path):
    site = Site(f"sqlite:///{tmp_path / 'site.db'}", tmp_path)
    try:
        site.migrate("0007")
        taken = tmp_path / "taken.db"
        taken.write_bytes(b"")
        result = site.run("upgrade", "--backup-to", str(taken))
        assert result.exit_code != 0 and "already exists" in result.output
        assert "Nothing was changed" in result.output and site.revision() == "0007"
    finally:
        site.close()
