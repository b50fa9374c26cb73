"""``flask --app wsgi db ...``: the Alembic migrations, run against the app's database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from sqlalchemy.engine import Connection

from prizes.db import db

if TYPE_CHECKING:  # alembic is imported by the commands that use it: every CLI call starts faster
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic settings; the migrations run on ``connection`` when one is given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade_database(connection: Connection | None = None, revision: str = "head") -> None:
    from alembic import command

    if connection is not None:
        command.upgrade(alembic_config(connection), revision)
        return
    with db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def init_app(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database migrations."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def upgrade(revision: str) -> None:
        """Apply the migrations up to REVISION (default: the newest)."""
        upgrade_database(revision=revision)
        click.echo(f"Database upgraded to {revision}.")

    @db_group.command("downgrade")
    @click.argument("revision")
    def downgrade(revision: str) -> None:
        """Step the schema back to REVISION."""
        from alembic import command

        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), revision)

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def revision(message: str) -> None:
        """Write a new migration from the difference between the models and the database."""
        from alembic import command

        with db.engine.begin() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)

    @db_group.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, writable=True))
    def backup(target: str) -> None:
        """Copy the SQLite database to TARGET while the site runs (consistent, WAL included).

        For PostgreSQL use pg_dump (see docs/deploy.md).
        """
        if db.engine.url.get_backend_name() != "sqlite":
            raise click.ClickException("For PostgreSQL, use pg_dump (see docs/deploy.md).")
        source = sqlite3.connect(db.engine.url.database or "")
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        click.echo(f"Backed up to {target}.")

    @db_group.command("current")
    def current() -> None:
        """Show the revision the database is at."""
        from alembic import command

        with db.engine.connect() as conn:
            command.current(alembic_config(conn))


def init_worker_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
    def worker(workers: int) -> None:
        """Run the background-job worker (mail, fraud checks) until stopped with Ctrl+C."""
        from prizes.jobs import huey

        click.echo(f"Worker started on {huey.target} with {workers} threads.")
        huey.create_consumer(workers=workers, worker_type="thread").run()
