"""The demo's people: an account per role to sign in with, and the crowd behind the data
(nominators, the expert group, voters), who have no password anyone knows.

The demo's secretariat and expert accounts get their two-factor sign-in set up here, as
``prizes.accounts.two_factor.enable`` does when a user scans the QR code: their TOTP
secret is printed and kept in ``instance/demo-logins.txt`` so that whoever runs the demo
can sign in as any role (an authenticator app takes the secret, or pyotp prints the code).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyotp
from sqlalchemy import insert

from prizes.accounts import services as accounts
from prizes.accounts import two_factor
from prizes.accounts.emails import canonical_email
from prizes.accounts.models import Role, User, UserRole
from prizes.accounts.passwords import hash_password
from prizes.core import mail
from prizes.core.text import organisation_key
from prizes.core.vocabulary import StakeholderType
from prizes.db import db
from prizes.demo.countries import UN_COUNTRIES

if TYPE_CHECKING:
    from faker import Faker

# The staff roles, whose demo accounts sign in with a second factor: in production these
# roles must (REQUIRE_TWO_FACTOR_ROLES), and the demo shows the sign-in as it will be even
# where an installation lets them go without.
STAFF = (Role.SECRETARIAT, Role.EXPERT)
DEMO_ROLES = {
    "secretariat": [Role.SECRETARIAT],
    "expert": [Role.EXPERT],
    "stakeholder": [Role.STAKEHOLDER],
    "voter": [],
}


@dataclass(frozen=True)
class Login:
    """What signing in as a demo account takes; ``totp_secret`` for staff only."""

    email: str
    password: str
    totp_secret: str | None = None

    def line(self) -> str:
        return " ".join(filter(None, (self.email, self.password, self.totp_secret)))

    @classmethod
    def parse(cls, line: str) -> Login:
        email, password, *rest = line.split()
        return cls(email, password, rest[0] if rest else None)


def make_demo_accounts(moment: datetime) -> tuple[list[Login], dict[str, User]]:
    """One account per role, with a fresh random password; the staff ones with two-factor
    sign-in on. Returns the logins and the accounts by role name."""
    logins: list[Login] = []
    users: dict[str, User] = {}
    for name, roles in DEMO_ROLES.items():
        email = f"demo.{name}@example.org"
        password = secrets.token_urlsafe(9)
        # Made long ago, like the crowd, so they may have taken part in past editions.
        made = moment - timedelta(days=1000)
        user = accounts.register_user(email=email, password=password, now=made).user
        # Its sign-up mail is dropped before the next account's savepoint would record it.
        mail.discard_pending(db.session)
        user.email_verified_at = made
        user.organisation_name = f"Demo {name.title()} Office"
        user.organisation_type = StakeholderType.OTHER
        user.country = "CH"
        for role in roles:
            accounts.grant_role(user, role, by=None)
        secret = None
        if any(role in STAFF for role in roles):
            db.session.flush()
            secret = two_factor.new_secret()
            # Set up a step behind, so that the code shown at the first sign-in is new.
            earlier = moment - timedelta(seconds=60)
            code = pyotp.TOTP(secret).at(earlier)
            two_factor.enable(user, secret=secret, code=code, now=earlier)
        logins.append(Login(email, password, secret))
        users[name] = user
    db.session.flush()
    return logins, users


class Crowd:
    """Accounts made in bulk (one INSERT each kind): nobody knows their password."""

    def __init__(self, fake: Faker, rng: random.Random, moment: datetime) -> None:
        self.fake, self.rng, self.moment = fake, rng, moment
        self.password_hash = hash_password(secrets.token_urlsafe(24))
        self.made = 0

    def make(
        self,
        count: int,
        *,
        role: Role | None,
        created_between: tuple[datetime, datetime],
        organisations: list[tuple[str, StakeholderType, str]] | None = None,
    ) -> list[int]:
        """``count`` verified accounts with a complete profile (their own organisation, or
        the one given per account); returns their ids, in order."""
        low, high = created_between
        span = max(int((high - low).total_seconds()), 1)
        rows = []
        for index in range(count):
            self.made += 1
            first, last = self.fake.first_name(), self.fake.last_name()
            email = f"{first}.{last}.{self.made}@example.net".lower()
            created = low + timedelta(seconds=self.rng.randrange(span))
            if organisations:
                name, kind, country = organisations[index % len(organisations)]
            else:
                name = str(self.fake.company())
                kind = self.rng.choice(list(StakeholderType))
                country = self.rng.choice(UN_COUNTRIES)
            rows.append(
                {
                    "email": email,
                    "email_canonical": canonical_email(email),
                    "password_hash": self.password_hash,
                    "created_at": created,
                    "email_verified_at": created + timedelta(minutes=self.rng.randint(2, 90)),
                    "organisation_name": name,
                    "organisation_key": organisation_key(name),
                    "organisation_type": kind,
                    "country": country,
                }
            )
        ids = list(
            db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows)
        )
        if role is not None:
            db.session.execute(
                insert(UserRole),
                [{"user_id": uid, "role": role, "granted_at": self.moment} for uid in ids],
            )
        return ids
