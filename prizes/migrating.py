"""What the ``db`` commands need around Alembic: where the database stands, what a downgrade
would drop (each migration's ``downgrade_drops``, docs/migrations.md), and SQLite's safe copy.

Nothing here changes the schema: migrations/env.py runs the steps (one transaction, SQLite's
foreign keys off and checked).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.engine import Connection, ScalarResult

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class MigrationRefused(Exception):
    """A ``db`` command that must stop before it changes anything; the message says why."""


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def history() -> list[str]:
    """Every revision id, oldest first."""
    return [r.revision for r in reversed(list(script_directory().walk_revisions()))]


def current_revision(connection: Connection) -> str | None:
    """The database's revision (None for an empty database); refused when the code does not
    know it, which means newer code migrated it."""
    heads = MigrationContext.configure(connection).get_current_heads()
    if len(heads) > 1:
        raise MigrationRefused(f"The database has several heads ({', '.join(heads)}).")
    found = heads[0] if heads else None
    if found is not None and found not in history():
        raise MigrationRefused(
            f"The database is at revision {found}, which this code does not know: newer code "
            "migrated it. Deploy that code again, or downgrade with it first. Nothing was "
            "changed."
        )
    return found


def resolve(revision: str) -> str | None:
    """A revision named on the command line: an id (or a unique prefix), head, or base."""
    if revision == "base":
        return None
    if revision == "head":
        return history()[-1]
    try:
        found = script_directory().get_revision(revision)
    except CommandError as error:
        raise MigrationRefused(
            f"Unknown revision {revision!r} ({error}). Known: base, {', '.join(history())}, head."
            " Nothing was changed."
        ) from None
    if found is None:
        raise MigrationRefused(f"Unknown revision {revision!r}. Nothing was changed.")
    return found.revision


def position(revision: str | None) -> int:
    """0 for an empty database (base), then 1 for the first revision, and so on."""
    return 0 if revision is None else history().index(revision) + 1


# --- what a downgrade drops ----------------------------------------------------------------


@dataclass
class Drop:
    name: str  # "table", "table.column" or "*"
    kind: str  # "data" (lost) or "derived" (rebuilt by the upgrade)
    rows: int  # how many rows (a table, "*") or values (a column) the database holds now


@dataclass
class Step:
    revision: str
    below: str | None
    drops: list[Drop] = field(default_factory=list)
    note: str | None = None

    @property
    def data_rows(self) -> int:
        return sum(d.rows for d in self.drops if d.kind == "data")


def _bookkeeping(connection: Connection) -> set[str]:
    """Tables that hold no data of their own: Alembic's, and SQLite's full-text index."""
    names = {"alembic_version"}
    if connection.dialect.name == "sqlite":
        virtual: ScalarResult[str] = connection.execute(
            select(column("name"))
            .select_from(table("sqlite_master"))
            .where(column("sql").like("CREATE VIRTUAL TABLE%"))
        ).scalars()
        every = set(inspect(connection).get_table_names())
        for found in virtual:
            names |= {n for n in every if n == found or n.startswith(f"{found}_")}
    return names


def _count(connection: Connection, name: str) -> int:
    """Rows in a table, or non-null values in a column; 0 when it is not there."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if name == "*":
        return sum(_count(connection, t) for t in sorted(tables - _bookkeeping(connection)))
    name_of_table, _, name_of_column = name.partition(".")
    if name_of_table not in tables:
        return 0
    query = select(func.count()).select_from(table(name_of_table))
    if name_of_column:
        if name_of_column not in {c["name"] for c in inspector.get_columns(name_of_table)}:
            return 0
        query = query.where(column(name_of_column).is_not(None))
    return connection.execute(query).scalar() or 0


def _exists(connection: Connection, name: str) -> bool:
    """Whether a table or a column is there (derived data differs between databases)."""
    inspector = inspect(connection)
    name_of_table, _, name_of_column = name.partition(".")
    if name_of_table not in inspector.get_table_names():
        return False
    return not name_of_column or name_of_column in {
        c["name"] for c in inspector.get_columns(name_of_table)
    }


def plan_downgrade(connection: Connection, current: str, target: str | None) -> list[Step]:
    """The steps from ``current`` down to ``target``, newest first, each with what it drops
    (as its migration declares) and how much of it the database holds."""
    script = script_directory()
    steps = []
    revision: str | None = current
    while revision is not None and revision != target:
        module = script.get_revision(revision).module
        declared: dict[str, str] = getattr(module, "downgrade_drops", {})
        below = script.get_revision(revision).down_revision
        if not (below is None or isinstance(below, str)):
            raise MigrationRefused(f"{revision} merges several revisions: downgrade it by id.")
        steps.append(
            Step(
                revision=revision,
                below=below,
                drops=[
                    Drop(n, k, _count(connection, n))
                    for n, k in declared.items()
                    if k == "data" or _exists(connection, n)
                ],
                note=getattr(module, "downgrade_note", None),
            )
        )
        revision = below
    return steps


def describe(steps: list[Step]) -> list[str]:
    """The lines `db downgrade` prints before it asks."""
    lines = []
    for step in steps:
        head = f"{step.revision} -> {step.below or 'base'}"
        if not step.drops:
            lines.append(f"  {head}: drops no data.")
        for drop in step.drops:
            what = "every table" if drop.name == "*" else drop.name
            if drop.kind == "derived":
                lines.append(f"  {head}: drops {what} (derived; the upgrade rebuilds it).")
            else:
                unit = "rows" if "." not in drop.name else "values"
                lines.append(f"  {head}: drops {what}: {drop.rows} {unit} of data lost.")
        if step.note:
            lines.append(f"  {head}: {step.note}")
    return lines


# --- SQLite's safe copy --------------------------------------------------------------------


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the live database at ``source`` to the new file ``target`` with SQLite's online
    backup (one consistent snapshot, the WAL included, writers not stopped), checked, and
    moved into place whole; never over an existing file. Returns the copy's size."""
    if not source.is_file():
        raise MigrationRefused(f"There is no SQLite database at {source}.")
    if target.exists() or target.is_symlink():
        raise MigrationRefused(
            f"{target} already exists: a backup never replaces a file. Choose a new name."
        )
    folder = target.parent
    if not folder.is_dir():
        raise MigrationRefused(f"Cannot write {target}: the folder {folder} does not exist.")
    try:
        handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise MigrationRefused(f"Cannot write {target}: {error.strerror}.") from None
    os.close(handle)
    try:
        origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=15)
        copy = sqlite3.connect(partial)
        try:
            origin.backup(copy)
            checked = copy.execute("PRAGMA quick_check").fetchone()[0]
            if checked != "ok":
                raise MigrationRefused(f"The copy failed its check ({checked}); nothing kept.")
        finally:
            copy.close()
            origin.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        try:
            os.link(partial, target)  # fails, rather than replaces, if the name was taken
        except FileExistsError:
            raise MigrationRefused(f"{target} appeared meanwhile; nothing replaced.") from None
        except OSError:
            if target.exists():
                raise MigrationRefused(f"{target} already exists; nothing replaced.") from None
            os.replace(partial, target)  # a file system without hard links
    except sqlite3.Error as error:
        raise MigrationRefused(f"Cannot back up to {target}: {error}.") from None
    except OSError as error:
        raise MigrationRefused(f"Cannot write {target}: {error.strerror}.") from None
    finally:
        Path(partial).unlink(missing_ok=True)
    return target.stat().st_size


def automatic_backup_path(database: Path, revision: str | None) -> Path:
    """Where `db upgrade` and `db downgrade` put the copy they take first: a ``backups``
    folder beside the database (only its owner may read it)."""
    folder = database.parent / "backups"
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"{database.stem}-{stamp}-at-{revision or 'base'}.db"
