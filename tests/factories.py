"""Test data, made with Faker; each factory adds to the session and flushes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from faker import Faker

from prizes.accounts.emails import canonical_email
from prizes.accounts.models import Role, User, UserRole
from prizes.accounts.passwords import hash_password
from prizes.contest.models import Category, Edition
from prizes.core.clock import now
from prizes.core.vocabulary import ActionLine, StakeholderType
from prizes.db import db
from prizes.nominations.models import PUBLIC_STATUSES, Nomination, NominationStatus
from prizes.stocktaking.models import EntryActionLine, EntrySdg, StocktakingEntry
from prizes.stocktaking.organisations import organisation_key
from prizes.voting.models import BallotEntry, VotingRound
from tests.conftest import PASSWORD

fake = Faker()


def make_user(
    *,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    profile: bool = True,
    roles: tuple[Role, ...] = (),
) -> User:
    email = email or fake.unique.email(domain="example.org")
    user = User(
        email=email,
        email_canonical=canonical_email(email),
        password_hash=hash_password(password),
        email_verified_at=now() if verified else None,
    )
    if profile:
        # A number keeps organisations apart after normalisation, as in make_entry: the
        # rules compare a nominator's and a voter's organisation by its key.
        user.organisation_name = f"{fake.company()} {fake.unique.random_int(1, 10**9)}"
        user.organisation_type = StakeholderType.CIVIL_SOCIETY
        user.country = fake.country_code()
    user.roles = [UserRole(role=role) for role in roles]
    db.session.add(user)
    db.session.flush()
    return user


ROLE_OF = {
    "voter": (),
    "stakeholder": (Role.STAKEHOLDER,),
    "expert": (Role.EXPERT,),
    "secretariat": (Role.SECRETARIAT,),
}


def make_user_with_role(role: str, **kwargs: Any) -> User:
    return make_user(roles=ROLE_OF[role], **kwargs)


def get_category(number: int) -> Category:
    from sqlalchemy import select

    category = db.session.scalar(select(Category).where(Category.number == number))
    assert category is not None
    return category


def make_edition(*, year: int | None = None, start: datetime | None = None) -> Edition:
    start = start or now() - timedelta(days=10)
    edition = Edition(
        year=year or fake.unique.random_int(2000, 2999),
        title="Test edition",
        submission_opens_at=start,
        submission_closes_at=start + timedelta(days=60),
        review_closes_at=start + timedelta(days=80),
        selection_closes_at=start + timedelta(days=140),
    )
    db.session.add(edition)
    db.session.flush()
    return edition


def make_entry(
    *,
    owner: User | None = None,
    action_lines: tuple[ActionLine, ...] = (ActionLine.C4,),
    organisation: str | None = None,
    title: str | None = None,
    description: str | None = None,
    country: str | None = None,
    sdgs: tuple[int, ...] = (4,),
    stakeholder_type: StakeholderType = StakeholderType.BUSINESS,
) -> StocktakingEntry:
    # A number makes the organisation distinct even after normalisation ("Wilson Inc" and
    # "Wilson LLC" are one organisation to the rules).
    organisation = organisation or f"{fake.company()} {fake.unique.random_int(1, 10**9)}"
    entry = StocktakingEntry(
        title=title or fake.catch_phrase(),
        organisation=organisation,
        organisation_key=organisation_key(organisation),
        stakeholder_type=stakeholder_type,
        country=country or fake.country_code(),
        description=description or fake.paragraph(),
        owner_id=owner.id if owner else None,
        action_lines=[EntryActionLine(action_line=line) for line in action_lines],
        sdgs=[EntrySdg(sdg=sdg) for sdg in sdgs],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def make_nomination(
    *,
    edition: Edition,
    entry: StocktakingEntry | None = None,
    category_number: int = 4,
    nominator: User | None = None,
    status: NominationStatus = NominationStatus.NOMINATED,
    **fields: Any,
) -> Nomination:
    entry = entry or make_entry()
    nominator = nominator or make_user(roles=(Role.STAKEHOLDER,))
    nomination = Nomination(
        edition_id=edition.id,
        category_id=get_category(category_number).id,
        entry_id=entry.id,
        nominator_id=nominator.id,
        organisation_key=entry.organisation_key,
        status=status,
        **fields,
    )
    db.session.add(nomination)
    if status in PUBLIC_STATUSES and edition.nominated_list_announced_at is None:
        # A project is publicly nominated only once the edition's list is announced; a
        # test that wants the time before sets the edition back (see tests/test_timeline.py).
        edition.nominated_list_announced_at = edition.submission_opens_at
    db.session.flush()
    return nomination


def words(count: int) -> str:
    """A text of exactly ``count`` words."""
    return " ".join(fake.word() for _ in range(count))


def complete_fields(category: Category, **overrides: Any) -> Any:
    """Answers that pass every submission rule."""
    from prizes.nominations.fields import NominationFields
    from prizes.nominations.models import ProjectStage

    values: dict[str, Any] = {
        "category": category,
        "short_description": words(170),
        "impact": "Reached 12,000 farmers in three years.",
        "partnerships": "The ministry and two universities.",
        "challenges": "Connectivity in remote villages; next, scaling to two regions.",
        "project_stage": ProjectStage.COMPLETED,
        "link": "https://example.org/project",
        "sdg_linkages": {4: "Trains teachers in digital skills."},
    }
    values.update(overrides)
    return NominationFields(**values)


def make_round(*, edition: Edition, nominations: list[Nomination] = ()) -> VotingRound:  # type: ignore[assignment]
    voting_round = VotingRound(
        edition_id=edition.id,
        number=1,
        title="Online voting",
        opens_at=now() - timedelta(days=1),
        closes_at=now() + timedelta(days=20),
        shortlist_size=edition.shortlist_size or 5,
    )
    if edition.nominated_list_announced_at is None:
        edition.nominated_list_announced_at = edition.submission_opens_at
    db.session.add(voting_round)
    db.session.flush()
    for nomination in nominations:
        db.session.add(
            BallotEntry(
                round_id=voting_round.id,
                nomination_id=nomination.id,
                category_id=nomination.category_id,
            )
        )
    db.session.flush()
    return voting_round
