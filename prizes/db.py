"""The database: engine, one session per application context, the declarative base.

Views and CLI commands commit once per user action; services only flush. The session is
closed (and anything uncommitted rolled back) when the application context ends.
"""

from __future__ import annotations

import functools
import os
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Enum,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError, InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps no zone, so it is restored here)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; use prizes.core.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and real transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 15})
        _configure_sqlite(engine)
        return engine
    # A connect timeout: an unreachable host answers 503 in seconds instead of holding the
    # worker until gunicorn kills it.
    timeout: dict[str, Any] = (
        {} if "connect_timeout" in make_url(url).query else {"connect_timeout": 5}
    )
    engine = create_engine(url, echo=echo, connect_args=timeout)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection that died with the server (restart, failover) is replaced before
    use. It is pinged only when it sat in the pool for a second or more: one busy worker
    takes the same connection back within milliseconds, and a ping on each of those
    checkouts (``pool_pre_ping``) was a tenth of a vote's time; a server that restarts
    takes longer than a second, so a connection it dropped is always pinged first."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:  # as SQLAlchemy's own ping does
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                # As pool_pre_ping does: drop every connection older than this one.
                raise InvalidatePoolError("the database connection was lost") from error
            raise


def _file_id(path: str | None) -> tuple[int, int] | None:
    try:
        found = os.stat(path) if path and path != ":memory:" else None
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if found else None


def _configure_sqlite(engine: Engine) -> None:
    path = engine.url.database

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # SQLite's equivalent of a pre-ping: a pooled connection whose file is no longer
        # the one at the database's path (moved, deleted, or replaced by a restore) would
        # keep reading and writing the old file; drop it, and connect again (or answer 503).
        opened = record.info.get("file_id")
        if opened is not None and _file_id(path) != opened:
            raise DisconnectionError("the SQLite file was moved, removed or replaced")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # SAVEPOINT works (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk (the WAL synced) before the vote is answered, so a
            # power cut cannot take back a vote the voter saw recorded; NORMAL could.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()
        record.info["file_id"] = _file_id(path)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A transaction that may write takes the write lock when it begins. Begun lazily,
        # it would read first and then fail at once with "database is locked" when another
        # writer committed in between (SQLite cannot upgrade a stale read snapshot), and
        # the busy timeout does not help there. Page views (GET) keep concurrent reads.
        reads_only = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


class Database:
    """The Flask extension: ``db.session`` is the current application context's session."""

    def __init__(self) -> None:
        self._app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
        app.extensions["prizes.db"] = _State(engine, sessionmaker(bind=engine))
        app.teardown_appcontext(self._close_session)
        # An app that goes away (a short-lived one in a command or a test) closes its pooled
        # connections itself rather than leaving them to the garbage collector.
        weakref.finalize(app, engine.dispose)

    @staticmethod
    def _state() -> _State:
        from flask import current_app

        return current_app.extensions["prizes.db"]

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = g._db_session = self._state().session_factory()
        return session

    @contextmanager
    def session_for(self, session: Session) -> Iterator[Session]:
        """Make ``session`` the context's session within the block, then close it: the
        public pages read through a replica's session this way (``prizes.core.replica``)."""
        outer = g.pop("_db_session", None)
        g._db_session = session
        try:
            yield session
        finally:
            g.pop("_db_session", None)
            session.close()
            if outer is not None:
                g._db_session = outer

    def bind_to(self, app: Flask, connection: Connection) -> None:
        """Make every new session join ``connection``'s transaction (tests roll it back)."""
        app.extensions["prizes.db"].session_factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"
        )

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()


class _State:
    def __init__(self, engine: Engine, session_factory: sessionmaker[Session]) -> None:
        self.engine = engine
        self.session_factory = session_factory


db = Database()


def enum_type(enum_class: type[Any], name: str) -> Enum:
    """A portable enum column: a string with a CHECK constraint naming the allowed values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


PortableBigInt = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit key that stays SQLite's auto-incrementing rowid alias."""


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (all with the same keys) in one executemany, each column's
    conversion for the driver run once per distinct value.

    SQLAlchemy converts every parameter of every row, which is most of the time of a
    million-row insert (the vote log's leaves); their values repeat (the same minute, kind
    and category thousands of times), so remembering each conversion makes it a lookup.
    On PostgreSQL the rows go in by COPY, in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    if compiled.positional:
        names = list(compiled.positiontup or ())
    if missing := set(names) - set(rows[0]):  # a column default is not applied here
        raise ValueError(f"insert_many into {table.name}: give {', '.join(sorted(missing))}")
    # Column by column: a column's values pass through its conversion in one map().
    values = [_converted(table.c[n].type, dialect, [row[n] for row in rows]) for n in names]
    params: list[Any] = list(zip(*values, strict=True))
    if dialect.name == "postgresql":  # COPY: one stream, not a statement a row
        driver: Any = connection.connection.driver_connection  # in use: never None
        columns = ", ".join(dialect.identifier_preparer.quote(n) for n in names)
        target = dialect.identifier_preparer.format_table(table)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy,
        ):
            for row in params:
                copy.write_row(row)
        return
    if not compiled.positional:
        params = [dict(zip(names, row, strict=True)) for row in params]
    connection.exec_driver_sql(compiled.string, params)


def _converted(column_type: Any, dialect: Any, values: list[Any]) -> list[Any]:
    if isinstance(column_type, LargeBinary):  # bytes go to either driver as they are
        return values
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return values
    return list(map(functools.lru_cache(maxsize=4096)(processor), values))
