from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ColumnElement, ForeignKey, Integer, String, and_, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from prizes.core.clock import now
from prizes.core.text import organisation_key
from prizes.core.vocabulary import StakeholderType
from prizes.db import Base, PortableBigInt, UTCDateTime, enum_type


class Role(StrEnum):
    """Roles granted on top of the public voter, which every verified account is."""

    STAKEHOLDER = "stakeholder"
    EXPERT = "expert"
    SECRETARIAT = "secretariat"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # One account per mailbox: the unique key is the canonical form (see accounts.emails).
    email_canonical: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on logout-everywhere, password change and disable: old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # Two-factor sign-in (TOTP): the shared secret, when it was turned on, and the last time
    # step used, so that one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    organisation_name: Mapped[str | None] = mapped_column(String(200))
    # The name's normalised form, kept with it, so that the vote's own statement can refuse
    # a vote for the voter's own organisation without reading the account first.
    organisation_key: Mapped[str | None] = mapped_column(String(300))
    organisation_type: Mapped[StakeholderType | None] = mapped_column(
        enum_type(StakeholderType, "stakeholder_type")
    )
    country: Mapped[str | None] = mapped_column(String(2))
    # The reader's language (one of core.i18n.LANGUAGES): the switcher's choice, or the
    # language of the page they registered on. Pages and mails follow it.
    language: Mapped[str | None] = mapped_column(String(8))

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    @validates("organisation_name")
    def _keep_organisation_key(self, _field: str, name: str | None) -> str | None:
        self.organisation_key = organisation_key(name)
        return name

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    # The rule for who may act and vote, written once for both Python and SQL: each hybrid's
    # first half answers for a loaded account, its expression for the vote's own statement,
    # which checks the account as it stores the vote, without loading it.

    @hybrid_property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.disabled_at is None

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls) -> ColumnElement[bool]:
        return cls.disabled_at.is_(None)

    @hybrid_property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @is_verified.inplace.expression
    @classmethod
    def _is_verified_expression(cls) -> ColumnElement[bool]:
        return cls.email_verified_at.is_not(None)

    @hybrid_property
    def has_complete_profile(self) -> bool:
        return bool(self.organisation_name and self.organisation_type and self.country)

    @has_complete_profile.inplace.expression
    @classmethod
    def _has_complete_profile_expression(cls) -> ColumnElement[bool]:
        return and_(
            func.coalesce(cls.organisation_name, "") != "",
            cls.organisation_type.is_not(None),
            func.coalesce(cls.country, "") != "",
        )

    @hybrid_property
    def may_vote(self) -> bool:
        """Signed in may be checked elsewhere; this is the account's own part: active,
        verified, and with the profile the contest asks of every voter."""
        return self.is_active and self.is_verified and self.has_complete_profile

    @may_vote.inplace.expression
    @classmethod
    def _may_vote_expression(cls) -> ColumnElement[bool]:
        return and_(cls.is_active, cls.is_verified, cls.has_complete_profile)

    def has_role(self, role: Role) -> bool:
        return any(grant.role == role for grant in self.roles)

    @property
    def role_names(self) -> set[Role]:
        return {grant.role for grant in self.roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email_canonical}>"


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor when the phone is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginEvent(Base):
    """One sign-in attempt; the voting issue's bulk-login flags read these."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(PortableBigInt, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # Keyed hashes (HMAC with the secret key), never the address or cookie in clear.
    network_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    device_hash: Mapped[str | None] = mapped_column(String(64))


class BlockedMailDomain(Base):
    """A throw-away mail domain the secretariat added to the package's list (registration
    and change of address refuse it and its subdomains)."""

    __tablename__ = "blocked_mail_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    added_by: Mapped[User | None] = relationship()
