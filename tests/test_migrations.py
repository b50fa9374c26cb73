"""Schema changes never lose data: every revision, on SQLite and on PostgreSQL.

- For every revision R: a database at R with rows in every table (the schema at R is
  reflected and filled, tests/migration_data.py), upgraded to head the way `db upgrade`
  runs it (the app's engine, so SQLite with foreign keys on), keeps every row and every
  column it had, value for value.
- From head with data, one step down at a time to the first revision and back up: nothing
  is lost that the migrations do not declare in ``downgrade_drops`` (docs/migrations.md).
- Every revision declares what its downgrade drops, and names it in its docstring: a
  migration added without that fails here.

The revisions come from Alembic's history, so a migration merged later is covered without
touching this file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from prizes.cli import alembic_config
from prizes.db import Base, make_engine
from prizes.stocktaking.search import include_object
from tests.conftest import TEST_DATABASE_URL, separate_database
from tests.migration_data import changes, covered, fill, fingerprint, reflect, revisions, script

REVISIONS = revisions()
SCHEMA = "migrations_test"
DECLARED_KINDS = {"data", "derived"}


def migrate(engine: Engine, direction: str, revision: str) -> None:
    """Run Alembic as `db upgrade` / `db downgrade` do: on a connection of the app's engine
    (SQLite with foreign keys on), which migrations/env.py takes over."""
    with engine.connect() as conn:
        getattr(command, direction)(alembic_config(conn), revision)
        if conn.in_transaction():
            conn.commit()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def declared_drops(revision: str) -> dict[str, str]:
    return getattr(script().get_revision(revision).module, "downgrade_drops", {})


def upgrade_changes(revision: str) -> set[str]:
    return set(getattr(script().get_revision(revision).module, "upgrade_changes", {}))


def schema_objects(engine: Engine) -> set[tuple[str, ...]]:
    """The indexes, triggers and constraints, by name: what a table rebuild could lose."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT type, name, tbl_name FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_autoindex%' AND name != 'alembic_version'"
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT 'index', indexname, tablename FROM pg_indexes "
                "WHERE schemaname = current_schema() "
                "UNION SELECT 'trigger', trigger_name, event_object_table "
                "FROM information_schema.triggers WHERE trigger_schema = current_schema() "
                "UNION SELECT 'constraint', constraint_name, table_name "
                "FROM information_schema.table_constraints "
                "WHERE constraint_schema = current_schema() AND constraint_type != 'CHECK' "
                "UNION SELECT 'check', conname, conrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'c' AND connamespace = current_schema()::regnamespace"
            ).all()
    return {tuple(r) for r in rows if r[2] != "alembic_version"}


def models_difference(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, Base.metadata)


# --- the databases -------------------------------------------------------------------------


class Databases:
    """Fresh databases at a given revision, empty or filled: SQLite files copied from one
    migrated template per revision (so the per-revision tests take seconds), or a PostgreSQL
    schema migrated from nothing each time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[str, Path] = {}

    def build_templates(self) -> None:
        path = self.folder / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            for revision in REVISIONS:
                migrate(engine, "upgrade", revision)
                copy = self.folder / f"at-{revision}.db"
                _sqlite_copy(path, copy)
                self.templates[revision] = copy
        finally:
            engine.dispose()

    @property
    def postgres(self) -> bool:
        return bool(TEST_DATABASE_URL)

    def at(self, revision: str, url: str) -> Engine:
        """An engine on a database at ``revision``; ``url`` names a fresh one."""
        engine = make_engine(url)
        if self.postgres:
            migrate(engine, "upgrade", revision)
        else:
            assert url.startswith("sqlite:///")
            _sqlite_copy(self.templates[revision], Path(url.removeprefix("sqlite:///")))
        return engine


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: the WAL's pages included, which a file copy would miss."""
    target.unlink(missing_ok=True)
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        copy.close()
        origin.close()


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Databases:
    found = Databases(tmp_path_factory.mktemp("migrations"))
    if not found.postgres:
        found.build_templates()
    return found


@pytest.fixture
def blank_url(tmp_path: Path) -> Iterator[str]:
    with separate_database(tmp_path, SCHEMA) as url:
        yield url


def filled(databases: Databases, revision: str, url: str) -> Engine:
    engine = databases.at(revision, url)
    with engine.begin() as conn:
        metadata = fill(conn)
        empty = [
            t.name
            for t in metadata.sorted_tables
            if conn.exec_driver_sql(f'SELECT count(*) FROM "{t.name}"').scalar() == 0  # noqa: S608
        ]
    assert empty == [], f"the filler left tables empty at {revision}: {empty}"
    return engine


# --- every revision upgraded to head -------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_upgrading_from_each_revision_keeps_every_row_and_column(
    databases: Databases, blank_url: str, revision: str
):
    engine = filled(databases, revision, blank_url)
    try:
        with engine.connect() as conn:
            before = fingerprint(conn)
        migrate(engine, "upgrade", "head")
        assert current(engine) == REVISIONS[-1]
        with engine.connect() as conn:
            after = fingerprint(conn)
        allowed = set().union(*(upgrade_changes(r) for r in REVISIONS))
        lost = {c for c in changes(before, after) if not covered(c, allowed)}
        assert lost == set(), f"upgrading from {revision} changed or lost {sorted(lost)}"
        assert models_difference(engine) == []
    finally:
        engine.dispose()


def test_an_upgraded_database_has_every_index_trigger_and_constraint(
    databases: Databases, blank_url: str, tmp_path: Path
):
    """A table rebuilt on SQLite loses its triggers unless the migration makes them again:
    a database upgraded step by step with data has exactly a fresh one's objects."""
    engine = filled(databases, REVISIONS[0], blank_url)
    try:
        migrate(engine, "upgrade", "head")
        upgraded = schema_objects(engine)
    finally:
        engine.dispose()
    with separate_database(tmp_path, f"{SCHEMA}_fresh") as url:
        fresh = make_engine(url)
        try:
            migrate(fresh, "upgrade", "head")
            assert upgraded == schema_objects(fresh)
        finally:
            fresh.dispose()


# --- down to the first revision and back up ------------------------------------------------


def test_down_to_the_first_revision_and_back_loses_only_what_is_declared(
    databases: Databases, blank_url: str
):
    head = REVISIONS[-1]
    engine = filled(databases, head, blank_url)
    try:
        with engine.connect() as conn:
            original = fingerprint(conn)
        declared: set[str] = set()
        for revision in reversed(REVISIONS[1:]):
            declared |= set(declared_drops(revision))
            below = script().get_revision(revision).down_revision
            migrate(engine, "downgrade", below)
            assert current(engine) == below
            with engine.connect() as conn:
                now = fingerprint(conn)
            # Only what is still there is compared: a table or column that the older schema
            # lacks reappears (and is compared) after the upgrade below.
            present = {
                name: {
                    "rows": table["rows"],
                    "columns": {
                        c: d for c, d in table["columns"].items() if c in now[name]["columns"]
                    },
                }
                for name, table in original.items()
                if name in now
            }
            lost = {c for c in changes(present, now) if not covered(c, declared)}
            assert lost == set(), f"the downgrade of {revision} lost {sorted(lost)} undeclared"
        migrate(engine, "upgrade", "head")
        with engine.connect() as conn:
            after = fingerprint(conn)
        # The upgrade back may rewrite on purpose what its migrations say they rewrite.
        declared |= set().union(*(upgrade_changes(r) for r in REVISIONS))
        lost = {c for c in changes(original, after) if not covered(c, declared)}
        assert lost == set(), f"down to {REVISIONS[0]} and up lost {sorted(lost)} undeclared"
        assert models_difference(engine) == []
    finally:
        engine.dispose()


def _kept(table: dict, later: dict) -> dict:
    return {c: d for c, d in table["columns"].items() if c in later["columns"]}


# --- every migration declares what its downgrade drops -------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_migration_declares_what_its_downgrade_drops(revision: str):
    """A migration without ``downgrade_drops`` fails here: see docs/migrations.md."""
    module = script().get_revision(revision).module
    assert hasattr(module, "downgrade_drops"), (
        f"migration {revision} must say what its downgrade drops: add "
        '`downgrade_drops = {}` (nothing), or {"table": "data", "table.column": "derived"}'
    )
    drops = module.downgrade_drops
    assert isinstance(drops, dict)
    assert set(drops.values()) <= DECLARED_KINDS, drops
    docstring = module.__doc__ or ""
    assert "Downgrade" in docstring, f"{revision}'s docstring must say what its downgrade does"
    for name in drops:
        if name != "*":
            assert name in docstring, f"{revision}'s docstring must name {name}, which it drops"


def test_the_history_is_one_line():
    """`db downgrade` plans step by step along one line of revisions."""
    assert len(script().get_heads()) == 1, "two heads: chain the new migration after the last"
    assert len(REVISIONS) == len(set(REVISIONS))


# --- the losses seen before, one by one ----------------------------------------------------


def test_upgrading_across_0003_keeps_the_nominations_sdg_links(databases, blank_url):
    """SQLite rebuilt ``nominations`` with foreign keys on: the cascade emptied its links."""
    engine = filled(databases, "0002", blank_url)
    try:
        migrate(engine, "upgrade", "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM nomination_sdg_links")).scalar() == 3
    finally:
        engine.dispose()


def test_a_downgrade_keeps_roles_and_recovery_codes(databases, blank_url):
    """SQLite rebuilt ``users`` with foreign keys on: the cascade emptied ``user_roles`` and
    ``recovery_codes``, or the drop failed on the audit trail's reference."""
    engine = filled(databases, REVISIONS[-1], blank_url)
    try:
        migrate(engine, "downgrade", "0007")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM user_roles")).scalar() == 3
            assert conn.execute(text("SELECT count(*) FROM recovery_codes")).scalar() == 3
    finally:
        engine.dispose()


def test_two_factor_and_proof_of_work_survive_a_downgrade_and_upgrade(databases, blank_url):
    """Staff kept their second factor, rounds their proof-of-work switch."""
    engine = filled(databases, REVISIONS[-1], blank_url)
    query = text(
        "SELECT (SELECT count(*) FROM users WHERE totp_secret IS NOT NULL),"
        " (SELECT count(*) FROM recovery_codes),"
        " (SELECT count(*) FROM voting_rounds WHERE requires_proof_of_work),"
        " (SELECT count(*) FROM used_challenges)"
    )
    try:
        with engine.connect() as conn:
            before = tuple(conn.execute(query).one())
        migrate(engine, "downgrade", "0004")
        migrate(engine, "upgrade", "head")
        with engine.connect() as conn:
            assert tuple(conn.execute(query).one()) == before
        assert before[0] > 0 and before[2] > 0
    finally:
        engine.dispose()


def test_sqlite_migrations_leave_foreign_keys_on_for_the_app(databases, blank_url):
    """The migrations switch SQLite's foreign keys off for their rebuilds, and back on for
    the pooled connection that the app uses next."""
    if databases.postgres:
        pytest.skip("SQLite's pragma")
    engine = filled(databases, "0002", blank_url)
    try:
        migrate(engine, "upgrade", "head")
        assert engine.pool.checkedin() == 1  # the migration's connection, back in the pool
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_rows_pointing_at_nothing_roll_the_migration_back(databases, blank_url):
    """``PRAGMA foreign_key_check`` runs after each step, before anything commits."""
    if databases.postgres:
        pytest.skip("PostgreSQL checks every foreign key itself")
    engine = filled(databases, "0007", blank_url)
    path = blank_url.removeprefix("sqlite:///")
    try:
        raw = sqlite3.connect(path)  # foreign keys off: as a careless hand might
        raw.execute(
            "INSERT INTO user_roles (user_id, role, granted_at)"
            " VALUES (999, 'expert', '2026-01-01')"
        )
        raw.commit()
        raw.close()
        with pytest.raises(Exception, match=r"the upgrade to 0008 leaves 1 rows pointing at"):
            migrate(engine, "upgrade", "head")
        assert current(engine) == "0007"
        with engine.connect() as conn:
            columns = [c[1] for c in conn.exec_driver_sql("PRAGMA table_info(users)").all()]
            assert "organisation_key" not in columns  # the step's rebuild was rolled back
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_migrations_refuse_a_transaction_with_foreign_keys_on(databases, blank_url):
    if databases.postgres:
        pytest.skip("SQLite's pragma")
    engine = databases.at("0007", blank_url)
    try:
        with (
            engine.begin() as conn,
            pytest.raises(RuntimeError, match="outside a transaction"),
        ):
            command.upgrade(alembic_config(conn), "head")
        assert current(engine) == "0007"
    finally:
        engine.dispose()


def test_down_to_base_drops_everything_even_what_was_kept(databases, blank_url):
    """0001's downgrade, declared as dropping everything, also drops the tables that 0005's
    and 0006's downgrades kept; the database then upgrades again from nothing."""
    engine = filled(databases, REVISIONS[-1], blank_url)
    try:
        migrate(engine, "downgrade", "base")
        assert current(engine) is None
        with engine.connect() as conn:
            left = set(reflect(conn).tables) - {"alembic_version"}
        assert left == set()
        migrate(engine, "upgrade", "head")
        assert models_difference(engine) == []
    finally:
        engine.dispose()


def _schema(engine: Engine) -> tuple[dict, set]:
    with engine.connect() as conn:
        tables = {
            t.name: sorted((c.name, c.nullable) for c in t.columns)
            for t in reflect(conn).sorted_tables
        }
    return tables, schema_objects(engine)


def test_an_empty_database_downgrades_to_exactly_the_older_schema(databases, blank_url, tmp_path):
    """With no data to keep, each downgrade leaves the schema its revision had when it was
    new: the same tables, columns, indexes, triggers and constraints."""
    built: dict[str, tuple[dict, set]] = {}
    with separate_database(tmp_path, f"{SCHEMA}_up") as url:
        upward = make_engine(url)
        try:
            for revision in REVISIONS:
                if databases.postgres:
                    migrate(upward, "upgrade", revision)
                else:  # the templates were made this way
                    _sqlite_copy(
                        databases.templates[revision], Path(url.removeprefix("sqlite:///"))
                    )
                built[revision] = _schema(upward)
        finally:
            upward.dispose()
    engine = make_engine(blank_url)
    try:
        migrate(engine, "upgrade", "head")
        for revision in reversed(REVISIONS[:-1]):
            migrate(engine, "downgrade", revision)
            assert _schema(engine) == built[revision], f"downgraded to {revision}"
    finally:
        engine.dispose()
