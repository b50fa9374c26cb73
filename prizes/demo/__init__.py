"""Demo data: realistic entries, a finished edition with published results, an edition in
its voting phase, the next one open for submissions, and an account per role.

``flask --app wsgi seed-demo`` loads it into an empty database. The demo accounts get fresh
random passwords, kept in ``instance/demo-logins.txt`` (readable by the owner only) so that
``make run`` can print them again on every start.
"""

from __future__ import annotations

import os
import random
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import click
from faker import Faker
from flask import Flask, current_app
from sqlalchemy import func, select

from prizes.accounts import services as accounts
from prizes.accounts.models import Role, User
from prizes.contest.models import Category, Edition
from prizes.core.clock import geneva_deadline, now
from prizes.core.vocabulary import SDG_NAMES, StakeholderType
from prizes.db import db
from prizes.demo.entries import make_entries, words
from prizes.nominations.models import Nomination, NominationSdgLink, NominationStatus, ProjectStage
from prizes.review.models import Decision, DecisionOutcome, ExpertAssignment, RubricCriterion
from prizes.review.rubric import DEFAULT_CRITERIA
from prizes.stocktaking.models import StocktakingEntry
from prizes.voting.models import BallotEntry, VotingRound

__all__ = ["make_entries", "seed"]

DEMO_ROLES = {
    "secretariat": [Role.SECRETARIAT],
    "expert": [Role.EXPERT],
    "stakeholder": [Role.STAKEHOLDER],
    "voter": [],
}


def make_voting_edition(moment: datetime) -> Edition:
    """An edition in its voting phase: submissions closed, the review done, a round open."""
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


def make_open_edition(year: int, moment: datetime) -> Edition:
    """The next edition, open for submissions, so the nomination screens have work."""
    return Edition(
        year=year,
        title=f"WSIS Prizes {year}",
        submission_opens_at=geneva_deadline((moment - timedelta(days=20)).date()),
        submission_closes_at=geneva_deadline((moment + timedelta(days=70)).date()),
        review_closes_at=geneva_deadline((moment + timedelta(days=95)).date()),
        selection_closes_at=geneva_deadline((moment + timedelta(days=170)).date()),
    )


def seed(entry_count: int, *, rng_seed: int | None = None) -> dict[str, str]:
    """Load the demo data; returns the demo logins (email -> password)."""
    random.seed(rng_seed)
    fake = Faker("en_US")
    fake.seed_instance(rng_seed)
    moment = now()
    categories = list(db.session.scalars(select(Category).order_by(Category.number)))
    logins = _make_accounts(moment)
    users = {
        email.split("@")[0].split(".")[-1]: accounts.get_user_by_email(email) for email in logins
    }

    entries = make_entries(fake, entry_count, categories)
    db.session.add_all(entries)
    voting = make_voting_edition(moment)
    upcoming = make_open_edition(voting.year + 1, moment)
    db.session.add_all([voting, upcoming])
    db.session.flush()
    for edition in (voting, upcoming):
        db.session.add_all(
            RubricCriterion(
                edition_id=edition.id, position=n, name=str(name), description=str(text)
            )
            for n, (name, text) in enumerate(DEFAULT_CRITERIA, start=1)
        )
        db.session.add_all(
            ExpertAssignment(edition_id=edition.id, expert_id=users["expert"].id, category_id=c.id)
            for c in categories[:3]
        )
    voting_round = VotingRound(
        edition_id=voting.id,
        number=1,
        title="Online voting",
        opens_at=moment - timedelta(days=7),
        closes_at=geneva_deadline((moment + timedelta(days=21)).date()),
        shortlist_size=voting.shortlist_size,
    )
    db.session.add(voting_round)
    past_end, half = len(entries) // 5, len(entries) * 7 // 10
    _finished_edition(fake, entries[:past_end], categories, voting.year - 1, users, moment)
    nominated = _nominate(
        fake,
        entries[past_end:half],
        categories,
        voting,
        users["stakeholder"],
        status=NominationStatus.NOMINATED,
        per_category=12,
    )
    db.session.flush()
    db.session.add_all(
        BallotEntry(round_id=voting_round.id, nomination_id=n.id, category_id=n.category_id)
        for n in nominated
    )
    _nominate(
        fake,
        entries[half:],
        categories,
        upcoming,
        users["stakeholder"],
        status=NominationStatus.SUBMITTED,
        per_category=3,
    )
    return logins


def _finished_edition(
    fake: Faker,
    entries: list[StocktakingEntry],
    categories: list[Category],
    year: int,
    users: dict[str, User],
    moment: datetime,
) -> None:
    """Last year's edition, all done: a final round, and published winners and champions."""
    day = timedelta(days=1)
    edition = Edition(
        year=year,
        title=f"WSIS Prizes {year}",
        submission_opens_at=geneva_deadline((moment - 520 * day).date()),
        submission_closes_at=geneva_deadline((moment - 420 * day).date()),
        review_closes_at=geneva_deadline((moment - 390 * day).date()),
        selection_closes_at=geneva_deadline((moment - 330 * day).date()),
        nominated_list_announced_at=geneva_deadline((moment - 390 * day).date()),
        champions_announced_at=moment - 350 * day,
        results_published_at=moment - 320 * day,
    )
    db.session.add(edition)
    db.session.flush()
    final_round = VotingRound(
        edition_id=edition.id,
        number=1,
        title="Online voting",
        opens_at=moment - 385 * day,
        closes_at=moment - 355 * day,
        finalised_at=moment - 354 * day,
        shortlist_size=edition.shortlist_size,
    )
    db.session.add(final_round)
    shortlist = _nominate(
        fake,
        entries,
        categories,
        edition,
        users["stakeholder"],
        status=NominationStatus.CHAMPION,
        per_category=5,
    )
    db.session.flush()
    winners: set[int] = set()
    for nomination in shortlist:
        db.session.add(
            BallotEntry(
                round_id=final_round.id,
                nomination_id=nomination.id,
                category_id=nomination.category_id,
            )
        )
        won = nomination.category_id not in winners
        winners.add(nomination.category_id)
        nomination.status = NominationStatus.WINNER if won else NominationStatus.CHAMPION
        db.session.add(
            Decision(
                edition_id=edition.id,
                category_id=nomination.category_id,
                nomination_id=nomination.id,
                outcome=DecisionOutcome.WINNER if won else DecisionOutcome.CHAMPION,
                rationale="Selected by the expert group from the five most-voted projects.",
                decided_by_id=users["secretariat"].id,
                decided_at=moment - 330 * day,
                published_at=edition.results_published_at,
            )
        )


def _make_accounts(moment: datetime) -> dict[str, str]:
    logins: dict[str, str] = {}
    for name, roles in DEMO_ROLES.items():
        email = f"demo.{name}@example.org"
        password = secrets.token_urlsafe(9)
        registration = accounts.register_user(email=email, password=password, now=moment)
        user = registration.user
        user.email_verified_at = moment
        user.organisation_name = f"Demo {name.title()} Office"
        user.organisation_type = StakeholderType.OTHER
        user.country = "CH"
        for role in roles:
            accounts.grant_role(user, role, by=None)
        logins[email] = password
    # The sign-up mails of demo accounts would only clutter the outbox.
    db.session.info.pop("prizes.pending_mail", None)
    return logins


def _nominate(
    fake: Faker,
    entries: list[StocktakingEntry],
    categories: list[Category],
    edition: Edition,
    nominator: User,
    *,
    status: NominationStatus,
    per_category: int,
) -> list[Nomination]:
    """Complete nominations of ``entries`` in ``status``, at most ``per_category`` each,
    one per organisation and category as the rules require."""
    taken: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    made = []
    for entry in entries:
        category = random.choice(
            [c for c in categories if c.action_line in entry.action_line_codes]
        )
        key = (category.id, entry.organisation_key)
        if counts.get(category.id, 0) >= per_category or key in taken:
            continue
        taken.add(key)
        counts[category.id] = counts.get(category.id, 0) + 1
        submitted_at = min(edition.submission_closes_at, now()) - timedelta(
            days=random.randint(1, 15)
        )
        nomination = Nomination(
            edition_id=edition.id,
            category_id=category.id,
            entry_id=entry.id,
            nominator_id=nominator.id,
            organisation_key=entry.organisation_key,
            short_description=words(fake, 150, 200),
            impact=words(fake, 40, 90),
            partnerships=words(fake, 20, 50),
            challenges=words(fake, 20, 60),
            project_stage=random.choice(list(ProjectStage)),
            link=entry.website,
            status=status,
            submitted_at=submitted_at,
            sdg_links=[
                NominationSdgLink(
                    sdg=sdg, linkage=f"Advances {SDG_NAMES[sdg]}: {fake.sentence(nb_words=14)}"
                )
                for sdg in entry.sdg_numbers
            ],
        )
        db.session.add(nomination)
        made.append(nomination)
    return made


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
        logins = seed(entry_count, rng_seed=rng_seed)
        db.session.commit()
        path = _logins_file()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.writelines(f"{email} {password}\n" for email, password in logins.items())
        click.echo(f"Loaded {entry_count} stocktaking entries, an edition, nominations, a round.")
        _print_logins(logins)
