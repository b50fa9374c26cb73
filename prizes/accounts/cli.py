"""``flask --app wsgi create-admin EMAIL``: the first secretariat account."""

from __future__ import annotations

import sys

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask

from prizes.accounts import services
from prizes.accounts.passwords import MAX_LENGTH, MIN_LENGTH, is_common
from prizes.core.clock import now
from prizes.db import db


def init_app(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("email")
    def create_admin(email: str) -> None:
        """Create a secretariat account for EMAIL (or give an existing account the role).

        The password is read from standard input when it is not a terminal, else prompted
        for twice; it is never taken from the command line, where shell history keeps it.
        """
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as error:
            raise click.BadParameter(str(error), param_hint="EMAIL") from error
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        if is_common(password):
            raise click.ClickException("That password is among the most used ones; choose another.")
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            raise click.ClickException(
                f"The password must have {MIN_LENGTH} to {MAX_LENGTH} characters."
            )
        user = services.create_admin(email=email, password=password, now=now())
        db.session.commit()
        click.echo(f"Secretariat account ready: {user.email}")
