"""Alembic environment: run by ``flask --app wsgi db ...`` (and by the tests) on a connection.

Every run is one transaction: all the steps commit together or none does. On SQLite the
foreign keys are switched off for the run, because a table rebuild (Alembic's batch mode:
copy, drop the old table, rename) would otherwise delete every ``ON DELETE CASCADE`` child of
the dropped table, or fail on the other references to it; ``PRAGMA foreign_key_check`` must
then find nothing after each step, before anything commits, and the pragma is restored on
the connection afterwards. SQLite ignores the pragma inside a transaction, so it is set on
the connection before the transaction begins. Migration authors need do nothing for this
(docs/migrations.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

import prizes.models  # noqa: F401  (fills Base.metadata)
from prizes.db import Base, UTCDateTime
from prizes.stocktaking.search import include_object

config = context.config
target_metadata = Base.metadata


class ForeignKeyViolation(RuntimeError):
    """A step left rows that point at nothing; the whole run is rolled back."""


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write the app's column types as plain SQLAlchemy ones, so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Foreign keys off on the SQLite connection for the run, as they were afterwards."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.dbapi_connection
    was_on = bool(raw.execute("PRAGMA foreign_keys").fetchone()[0])
    if was_on and connection.in_transaction():
        raise RuntimeError(
            "SQLite migrations need a connection outside a transaction (foreign keys cannot "
            "be switched off inside one): pass engine.connect(), not engine.begin()"
        )
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if was_on:
            raw.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: Connection, after: str) -> None:
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if rows:
        shown = ", ".join(
            f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in rows[:5]
        )
        raise ForeignKeyViolation(
            f"{after} leaves {len(rows)} rows pointing at nothing ({shown}); nothing was committed"
        )


def _after_step(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Called by Alembic after each step, inside the transaction."""
    direction = "the upgrade to" if step.is_upgrade else "the downgrade of"
    _check_foreign_keys(ctx.connection, f"{direction} {step.up_revision_id}")


def run_migrations(connection: Connection) -> None:
    with _sqlite_foreign_keys_off(connection):
        owned = None if connection.in_transaction() else connection.begin()
        try:
            sqlite = connection.dialect.name == "sqlite"
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                render_item=render_item,
                include_object=include_object,
                transactional_ddl=True,
                on_version_apply=[_after_step] if sqlite else [],
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection, "the migrations")
        except BaseException:
            if owned is not None:
                owned.rollback()
            raise
        if owned is not None:
            owned.commit()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    # No pool: the one connection is closed when the migration ends, not left to the
    # garbage collector (which Python 3.13 reports as an unclosed database).
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
    with engine.connect() as conn:
        run_migrations(conn)
