"""Demo data: realistic entries, an edition in its voting phase, and an account per role.

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
import pycountry
from faker import Faker
from flask import Flask, current_app
from sqlalchemy import func, select

from prizes.accounts import services as accounts
from prizes.accounts.models import Role, User
from prizes.contest.models import Category, Edition
from prizes.core.clock import geneva_deadline, now
from prizes.core.vocabulary import SDG_HINTS, SDG_NAMES, ActionLine, StakeholderType
from prizes.db import db
from prizes.nominations.models import Nomination, NominationSdgLink, NominationStatus, ProjectStage
from prizes.review.models import ExpertAssignment, RubricCriterion
from prizes.review.rubric import DEFAULT_CRITERIA
from prizes.stocktaking.models import EntryActionLine, EntrySdg, StocktakingEntry
from prizes.stocktaking.organisations import organisation_key
from prizes.voting.models import BallotEntry, VotingRound

DEMO_ROLES = {
    "secretariat": [Role.SECRETARIAT],
    "expert": [Role.EXPERT],
    "stakeholder": [Role.STAKEHOLDER],
    "voter": [],
}

# Shares of the stocktaking database by stakeholder type (roughly as in real editions).
STAKEHOLDER_WEIGHTS = {
    StakeholderType.GOVERNMENT: 30,
    StakeholderType.CIVIL_SOCIETY: 25,
    StakeholderType.BUSINESS: 20,
    StakeholderType.ACADEMIA: 12,
    StakeholderType.INTERNATIONAL_ORGANISATION: 8,
    StakeholderType.OTHER: 5,
}
# Category numbers weighted by how often real entries name them (e-learning, e-health,
# capacity building and access to information lead).
CATEGORY_WEIGHTS = {
    n: w
    for n, w in zip(
        range(1, 19), [6, 5, 9, 10, 4, 4, 8, 6, 9, 8, 4, 5, 5, 3, 4, 3, 2, 5], strict=True
    )
}

TOPICS = {
    1: ["national digital strategy", "multi-stakeholder ICT council", "digital inclusion policy"],
    2: ["rural broadband", "community networks", "last-mile connectivity"],
    3: ["open data portal", "digital library", "public access centres"],
    4: ["digital skills", "coding bootcamps", "ICT teacher training"],
    5: ["cybersecurity awareness", "child online protection", "national CERT"],
    6: ["digital trade regulation", "spectrum policy", "ICT investment framework"],
    7: ["e-services one-stop shop", "digital identity", "online tax filing"],
    8: ["mobile payments for SMEs", "e-commerce marketplace", "digital trade hub"],
    9: ["online learning platform", "open educational resources", "virtual classrooms"],
    10: ["telemedicine", "electronic health records", "mobile health alerts"],
    11: ["online job matching", "remote work skills", "digital apprenticeships"],
    12: ["early warning system", "air quality monitoring", "e-waste recycling"],
    13: ["farm advisory by SMS", "crop price information", "precision agriculture"],
    14: ["research data infrastructure", "citizen science", "open science cloud"],
    15: ["local language content", "digital heritage archive", "indigenous language apps"],
    16: ["community radio online", "media literacy", "fact-checking network"],
    17: ["ethics of AI guidelines", "digital rights education", "responsible data use"],
    18: ["regional ICT cooperation", "cross-border data exchange", "South-South knowledge sharing"],
}
TITLE_SHAPES = [
    "{Topic} for {group}",
    "{Topic} in {place}",
    "{name}: {topic} for {group}",
    "Scaling {topic} across {place}",
    "{name} — {topic} programme",
]
GROUPS = [
    "rural women",
    "young people",
    "smallholder farmers",
    "persons with disabilities",
    "older persons",
    "refugees",
    "indigenous communities",
    "small businesses",
    "schools",
    "public servants",
    "health workers",
    "coastal towns",
]


MINISTRIES = [
    "Ministry of ICT",
    "Ministry of Digital Economy",
    "Ministry of Education",
    "Ministry of Health",
    "National Telecommunications Authority",
    "Ministry of Agriculture",
]
CIVIL_SOCIETY = ["Foundation", "Digital Rights Network", "Community Trust", "Association"]
ACADEMIA = ["University of", "Institute of Technology,", "Polytechnic of"]
INTERNATIONAL = ["Regional Telecommunity", "Development Bank", "Digital Cooperation Forum"]
REGIONS = ["Africa", "Asia and the Pacific", "the Americas", "Europe", "the Arab States"]


def _organisation(fake: Faker, kind: StakeholderType, country: str) -> str:
    """A plausible organisation name for the stakeholder type."""
    if kind is StakeholderType.GOVERNMENT:
        return f"{random.choice(MINISTRIES)}, {country}"
    if kind is StakeholderType.BUSINESS:
        return fake.company()
    if kind is StakeholderType.CIVIL_SOCIETY:
        return f"{fake.last_name()} {random.choice(CIVIL_SOCIETY)}"
    if kind is StakeholderType.ACADEMIA:
        return f"{random.choice(ACADEMIA)} {fake.city()}"
    if kind is StakeholderType.INTERNATIONAL_ORGANISATION:
        return f"{random.choice(INTERNATIONAL)} of {random.choice(REGIONS)}"
    return f"{fake.last_name()} {random.choice(['Hub', 'Lab', 'Collective'])}"


def _words(fake: Faker, low: int, high: int) -> str:
    """A text of between ``low`` and ``high`` words."""
    target = random.randint(low, high)
    words: list[str] = []
    while len(words) < target:
        words.extend(fake.sentence(nb_words=12).split())
    text = " ".join(words[:target])
    return text.rstrip(".") + "."


def make_entries(fake: Faker, count: int, categories: list[Category]) -> list[StocktakingEntry]:
    """``count`` entries whose action lines and SDGs follow the WSIS-SDG matrix."""
    countries = [c.alpha_2 for c in pycountry.countries]
    kinds, kind_weights = zip(*STAKEHOLDER_WEIGHTS.items(), strict=True)
    numbers, number_weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    by_number = {c.number: c for c in categories}
    entries = []
    for index in range(count):
        kind = random.choices(kinds, kind_weights)[0]
        country = random.choice(countries)
        country_name = pycountry.countries.get(alpha_2=country).name
        number = random.choices(numbers, number_weights)[0]
        topic = random.choice(TOPICS[number])
        organisation = _organisation(fake, kind, country_name)
        title = random.choice(TITLE_SHAPES).format(
            Topic=topic[0].upper() + topic[1:],
            topic=topic,
            group=random.choice(GROUPS),
            place=country_name,
            name=fake.word().capitalize() + random.choice(["Net", "Link", "Hub", "Go", "ly"]),
        )
        lines = {by_number[number].action_line}
        if random.random() < 0.4:
            lines.add(random.choice(list(ActionLine)))
        hints = SDG_HINTS[number]
        sdgs = set(random.sample(hints, k=min(len(hints), random.randint(1, 4))))
        start = fake.date_between(start_date="-8y", end_date="-1y")
        entries.append(
            StocktakingEntry(
                external_id=f"DEMO-{index + 1:05d}",
                title=title[:300],
                organisation=organisation,
                organisation_key=organisation_key(organisation),
                stakeholder_type=kind,
                country=country,
                description=_words(fake, 80, 220),
                website=f"https://{fake.domain_name()}",
                start_date=start,
                end_date=start + timedelta(days=random.randint(180, 1800))
                if random.random() < 0.6
                else None,
                action_lines=[EntryActionLine(action_line=line) for line in sorted(lines)],
                sdgs=[EntrySdg(sdg=sdg) for sdg in sorted(sdgs)],
            )
        )
    return entries


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
    )
    db.session.add(voting_round)
    half = len(entries) * 2 // 3
    nominated = _nominate(
        fake,
        entries[:half],
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
            short_description=_words(fake, 150, 200),
            impact=_words(fake, 40, 90),
            partnerships=_words(fake, 20, 50),
            challenges=_words(fake, 20, 60),
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
