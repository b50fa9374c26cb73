"""``flask --app wsgi db ...``: the Alembic migrations, run against the app's database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy.engine import Connection

from prizes import migrating
from prizes.db import db

MIGRATIONS = migrating.MIGRATIONS


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic settings; the migrations run on ``connection`` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is None:
        url = current_app.config["DATABASE_URL"]
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade_database(connection: Connection | None = None, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (migrations/env.py makes it one transaction)."""
    if connection is not None:
        command.upgrade(alembic_config(connection), revision)
        return
    with db.engine.connect() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade_database(revision: str) -> None:
    """Step the schema back to ``revision`` (one transaction, as the upgrade)."""
    with db.engine.connect() as conn:
        command.downgrade(alembic_config(conn), revision)


def _sqlite_path() -> Path | None:
    """The SQLite database's file, or None on PostgreSQL."""
    if db.engine.url.get_backend_name() != "sqlite":
        return None
    return Path(db.engine.url.database or "")


def _where_we_stand(revision: str) -> tuple[str | None, str | None]:
    """(the database's revision, the target), both checked, before anything changes."""
    try:
        with db.engine.connect() as conn:
            current = migrating.current_revision(conn)
        return current, migrating.resolve(revision)
    except migrating.MigrationRefused as refused:
        raise click.ClickException(str(refused)) from None


def _backup_first(current: str | None, backup_to: Path | None) -> None:
    """SQLite: the safe copy before a schema change, and where it is."""
    path = _sqlite_path()
    if path is None:
        click.echo("PostgreSQL: take a pg_dump first if you have none (docs/deploy.md).")
        return
    if current is None and backup_to is None:
        return  # a new database: nothing to keep
    target = backup_to or migrating.automatic_backup_path(path, current)
    try:
        migrating.backup_sqlite(path, target)
    except migrating.MigrationRefused as refused:
        raise click.ClickException(f"{refused} Nothing was changed.") from None
    click.echo(f"Backup of the database at {current or 'base'}: {target}")


def _run(step: str, current: str | None, run: Callable[[], object]) -> None:
    try:
        run()
    except Exception as error:  # the whole run was one transaction, rolled back
        raise click.ClickException(
            f"The {step} stopped and was rolled back; the database is still at "
            f"{current or 'base'}. {type(error).__name__}: {error}"
        ) from None


def init_app(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database migrations."""

    backup_option = click.option(
        "--backup-to",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Where to put the copy taken first (SQLite; default: a backups folder beside it).",
    )

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    @backup_option
    def upgrade(revision: str, backup_to: Path | None) -> None:
        """Apply the migrations up to REVISION (default: the newest), after a backup."""
        current, target = _where_we_stand(revision)
        if migrating.position(target) < migrating.position(current):
            raise click.ClickException(
                f"The database is at {current}, above {revision}: use `db downgrade`."
            )
        if target == current:
            click.echo(f"The database is already at {current or 'base'}; nothing to do.")
            return
        _backup_first(current, backup_to)
        _run("upgrade", current, lambda: upgrade_database(revision=target or "base"))
        click.echo(f"Database upgraded from {current or 'base'} to {target}.")

    @db_group.command("downgrade")
    @click.argument("revision")
    @click.option("--yes", is_flag=True, help="Drop the data listed without asking.")
    @backup_option
    def downgrade(revision: str, yes: bool, backup_to: Path | None) -> None:
        """Step the schema back to REVISION (an id, or base), after a backup.

        Lists what each step drops, as its migration declares, and asks first when that
        includes data.
        """
        current, target = _where_we_stand(revision)
        if migrating.position(target) > migrating.position(current):
            raise click.ClickException(
                f"The database is at {current or 'base'}, below {revision}: use `db upgrade`."
            )
        if target == current or current is None:
            click.echo(f"The database is already at {current or 'base'}; nothing to do.")
            return
        with db.engine.connect() as conn:
            steps = migrating.plan_downgrade(conn, current, target)
        click.echo(f"Downgrading from {current} to {target or 'base'}:")
        for line in migrating.describe(steps):
            click.echo(line)
        lost = sum(step.data_rows for step in steps)
        if lost and not yes:
            click.confirm(f"This drops {lost} rows or values of data. Go on?", abort=True)
        _backup_first(current, backup_to)
        _run("downgrade", current, lambda: downgrade_database(target or "base"))
        click.echo(f"Database downgraded from {current} to {target or 'base'}.")

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def revision(message: str) -> None:
        """Write a new migration from the difference between the models and the database."""
        with db.engine.connect() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)

    @db_group.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup(target: Path) -> None:
        """Copy the SQLite database to TARGET, a new file, while the site runs (one
        consistent snapshot, the WAL included, checked before it is put in place).

        For PostgreSQL use pg_dump (see docs/deploy.md).
        """
        path = _sqlite_path()
        if path is None:
            raise click.ClickException("For PostgreSQL, use pg_dump (see docs/deploy.md).")
        try:
            size = migrating.backup_sqlite(path, target)
        except migrating.MigrationRefused as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"Backed up to {target} ({size} bytes).")

    @db_group.command("current")
    def current() -> None:
        """Show the revision the database is at."""
        now, _ = _where_we_stand("head")
        newest = migrating.history()[-1]
        click.echo(f"{now or 'base'}{' (head)' if now == newest else ''}")


def init_worker_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
    def worker(workers: int) -> None:
        """Run the background-job worker (mail, fraud checks, exports) and its sweep of the
        outbox and of the job runs, until stopped with Ctrl+C."""
        import threading

        from prizes import jobs

        app = current_app._get_current_object()  # type: ignore[attr-defined]
        jobs.init_app(app, consumer=True)  # the consumer's longer Redis reads
        stop = threading.Event()
        sweeper = threading.Thread(target=jobs.run_sweeper, args=(app, stop), daemon=True)
        sweeper.start()
        click.echo(f"Worker started on {jobs.huey.target} with {workers} threads.")
        try:
            jobs.huey.create_consumer(workers=workers, worker_type="thread").run()
        finally:
            stop.set()

    @app.cli.command("sweep")
    def sweep() -> None:
        """Send the mail no job sent and queue again the job runs whose worker died (once;
        the worker does it every PRIZES_SWEEP_SECONDS)."""
        from prizes import jobs

        sent, queued = jobs.sweep()
        click.echo(f"{sent} mails sent, {queued} job runs queued again.")
