"""Demo data for ``make run``: ``flask --app wsgi seed-demo`` loads it into an empty database.

The demo accounts get fresh random passwords, kept in ``instance/demo-logins.txt`` (readable
by the owner only) so that ``make run`` can print them again on every start. The data is made
in ``prizes.demo.data`` with Faker, which only the ``demo`` extra installs: this module
imports neither, so the app itself runs without them.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from prizes.accounts.models import User
from prizes.db import db


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


def _print_logins(logins: dict[str, str]) -> None:
    click.echo("\nDemo accounts (email / password):")
    for email, password in logins.items():
        click.echo(f"  {email:<32} {password}")
    click.echo(
        "The secretariat and expert accounts are asked to turn on two-factor sign-in (any\n"
        "authenticator app) at their first sign-in."
    )
    click.echo(
        f"Mail is not sent in the demo: read it in {current_app.config['MAIL_OUTBOX_DIR']} "
        "or, as the secretariat, at /admin/outbox.\n"
    )


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--entries", "entry_count", default=300, show_default=True, type=click.IntRange(1, 100_000)
    )
    @click.option(
        "--if-empty", is_flag=True, help="Do nothing (but print the logins) when data exists."
    )
    @click.option(
        "--seed", "rng_seed", type=int, default=None, help="Random seed, for repeatable data."
    )
    def seed_demo(entry_count: int, if_empty: bool, rng_seed: int | None) -> None:
        """Load demo data into an empty database and print the demo logins."""
        has_data = (db.session.scalar(select(func.count(User.id))) or 0) > 0
        if has_data:
            if not if_empty:
                raise click.ClickException(
                    "The database already has accounts; demo data goes only into an empty one."
                )
            path = _logins_file()
            if path.exists():
                _print_logins(
                    dict(line.split(" ", 1) for line in path.read_text().splitlines() if line)
                )
            return
        try:
            from prizes.demo.data import seed
        except ModuleNotFoundError as missing:
            raise click.ClickException(
                f"Demo data needs {missing.name}: pip install -e '.[demo]' (make demo does)."
            ) from missing
        logins = seed(entry_count, rng_seed=rng_seed)
        db.session.commit()
        path = _logins_file()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.writelines(f"{email} {password}\n" for email, password in logins.items())
        click.echo(f"Loaded {entry_count} stocktaking entries, an edition, nominations, a round.")
        _print_logins(logins)
