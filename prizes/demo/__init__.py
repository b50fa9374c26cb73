"""Demo data: a contest a newcomer can learn from, with an edition at every phase.

``flask --app wsgi seed-demo`` loads, into an empty database: stocktaking entries written
per prize category (``entries``, ``themes``, ``writing``) by organisations of every
stakeholder type in UN member states and observers (``countries``); the people
(``people``); and four editions (``contest``): one finished, with its 18 winners and 72
champions published, one awaiting the experts' decisions, one in voting and one open for
submissions. ``--seed`` makes it repeatable: the same seed gives the same data.

The demo accounts get fresh random passwords, and the staff ones a two-factor secret, kept
in ``instance/demo-logins.txt`` (readable by the owner only) so that ``make run`` can print
them again on every start. Faker, which names the organisations and people, comes with the
``demo`` extra only (``make run`` and ``make demo`` install it): it is imported when the
data is made, so the app itself, which registers the command, runs without it.
"""

from __future__ import annotations

import os
import random
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app
from sqlalchemy import delete, func, select

from prizes.accounts.models import Role, User
from prizes.contest.models import Category, Edition
from prizes.core import mail
from prizes.core.clock import geneva_deadline, now
from prizes.db import db

if TYPE_CHECKING:
    from datetime import datetime

    from prizes.demo.people import Login

__all__ = ["make_entries", "make_voting_edition", "seed"]

VOTERS = 600
EXPERTS = 14


def __getattr__(name: str) -> Any:
    if name == "make_entries":
        from prizes.demo.entries import make_entries

        return make_entries
    raise AttributeError(name)


def make_voting_edition(moment: datetime) -> Edition:
    """An edition in its voting phase (the benchmarks' own): submissions closed, the review
    done, its selection ahead."""
    year = (moment + timedelta(days=120)).year
    return Edition(
        year=year,
        title=f"WSIS Prizes {year}",
        submission_opens_at=geneva_deadline((moment - timedelta(days=150)).date()),
        submission_closes_at=geneva_deadline((moment - timedelta(days=45)).date()),
        review_closes_at=geneva_deadline((moment - timedelta(days=15)).date()),
        selection_closes_at=geneva_deadline((moment + timedelta(days=40)).date()),
        nominated_list_announced_at=geneva_deadline((moment - timedelta(days=15)).date()),
    )


def seed(entry_count: int, *, rng_seed: int | None = None) -> list[Login]:
    """Load the demo data; returns the demo logins. Never commits."""
    import faker  # the demo extra: only here, where the data is made

    from prizes.demo import contest
    from prizes.demo.entries import make_projects
    from prizes.demo.people import Crowd, make_demo_accounts

    rng = random.Random(rng_seed)
    fake = faker.Faker("en_US")
    fake.seed_instance(rng.getrandbits(32))
    moment = now()
    day = timedelta(days=1)
    mails_before = db.session.scalar(select(func.max(mail.OutgoingMail.id))) or 0
    categories = list(db.session.scalars(select(Category).order_by(Category.number)))
    logins, users = make_demo_accounts(moment)

    projects = make_projects(fake, entry_count, categories, rng=rng)
    db.session.add_all(p.entry for p in projects)
    db.session.flush()
    crowd = Crowd(fake, rng, moment)
    organisations = {
        p.entry.organisation_key or "": (
            p.entry.organisation,
            p.entry.stakeholder_type,
            p.entry.country,
        )
        for p in projects
    }
    long_ago = (moment - 1000 * day, moment - 900 * day)
    nominators = crowd.make(
        len(organisations),
        role=Role.STAKEHOLDER,
        created_between=long_ago,
        organisations=list(organisations.values()),
    )
    experts = [users["expert"].id, *crowd.make(EXPERTS, role=Role.EXPERT, created_between=long_ago)]
    pools: dict[int, list[Any]] = {c.number: [] for c in categories}
    for project in projects:
        pools[project.category_number].append(project)
    cast = contest.Cast(
        rng=rng,
        moment=moment,
        categories=categories,
        pools=pools,
        nominator_of=dict(zip(organisations, nominators, strict=True)),
        # Three experts per category; the demo expert is one of them in the first three.
        experts={
            c.id: [
                experts[(3 * i + k) % len(experts)] if i >= 3 or k else experts[0] for k in range(3)
            ]
            for i, c in enumerate(categories)
        },
        voters=crowd.make(VOTERS, role=None, created_between=long_ago),
        secretariat=users["secretariat"],
        stakeholder=users["stakeholder"],
        demo_voter=users["voter"].id,
        make_fresh=lambda count, created_between: crowd.make(
            count, role=None, created_between=created_between
        ),
    )
    year = (moment + 120 * day).year
    contest.finished_edition(cast, year - 2)
    contest.awaiting_decisions(cast, year - 1)
    contest.voting_edition(cast, year)
    contest.open_edition(cast, year + 1)
    # The mails the steps queued (to nominators, experts, voters) would only clutter the
    # outbox: those not flushed yet are forgotten, the others deleted before the commit.
    mail.discard_pending(db.session)
    db.session.execute(delete(mail.OutgoingMail).where(mail.OutgoingMail.id > mails_before))
    return logins


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


def _print_logins(logins: list[Login]) -> None:
    click.echo("\nDemo accounts (email / password / two-factor secret):")
    for login in logins:
        click.echo(f"  {login.email:<32} {login.password:<14} {login.totp_secret or ''}")
    click.echo(
        "The secretariat and expert accounts sign in with a two-factor code: add the secret\n"
        "to an authenticator app, or print the current code with\n"
        "  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"\n"
        f"All of this is kept in {_logins_file()}."
    )
    click.echo(
        f"Mail is not sent in the demo: read it in {current_app.config['MAIL_OUTBOX_DIR']} "
        "or, as the secretariat, at /admin/outbox.\n"
    )


def _write_logins(logins: list[Login]) -> None:
    fd = os.open(_logins_file(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(login.line() + "\n" for login in logins)


def init_app(app: Flask) -> None:
    from prizes.demo.entries import MINIMUM

    @app.cli.command("seed-demo")
    @click.option(
        "--entries",
        "entry_count",
        default=300,
        show_default=True,
        type=click.IntRange(MINIMUM, 100_000),
        help=f"Stocktaking entries (at least {MINIMUM}: eight per category).",
    )
    @click.option(
        "--if-empty", is_flag=True, help="Do nothing (but print the logins) when data exists."
    )
    @click.option(
        "--seed", "rng_seed", type=int, default=None, help="Random seed, for repeatable data."
    )
    def seed_demo(entry_count: int, if_empty: bool, rng_seed: int | None) -> None:
        """Load demo data into an empty database and print the demo logins."""
        from prizes.demo.people import Login

        has_data = (db.session.scalar(select(func.count(User.id))) or 0) > 0
        if has_data:
            if not if_empty:
                raise click.ClickException(
                    "The database already has accounts; demo data goes only into an empty one."
                )
            path = _logins_file()
            if path.exists():
                _print_logins([Login.parse(line) for line in path.read_text().splitlines() if line])
            return
        click.echo("Loading the demo data (about ten seconds)...")
        try:
            logins = seed(entry_count, rng_seed=rng_seed)
        except ModuleNotFoundError as missing:
            if missing.name != "faker":
                raise
            raise click.ClickException(
                "Demo data needs Faker: pip install -e '.[demo]' (make demo does)."
            ) from missing
        db.session.commit()
        _write_logins(logins)
        click.echo(
            f"Loaded {entry_count} stocktaking entries and four editions: {_editions_line()}."
        )
        _print_logins(logins)


def _editions_line() -> str:
    names = ("finished", "awaiting the experts' decisions", "in voting", "open for submissions")
    years = db.session.scalars(select(Edition.year).order_by(Edition.year))
    return ", ".join(f"{year} {name}" for year, name in zip(years, names, strict=False))
