"""Account use cases. Each flushes and audits; the caller commits once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from prizes.accounts.emails import canonical_email, is_disposable
from prizes.accounts.models import BlockedMailDomain, LoginEvent, Role, User, UserRole
from prizes.accounts.passwords import burn_time, hash_password, needs_rehash, verify_password
from prizes.core import audit, mail
from prizes.core.errors import DomainError
from prizes.core.tokens import InvalidToken, fingerprint, make_token, read_token
from prizes.core.urls import external_url
from prizes.core.vocabulary import StakeholderType
from prizes.db import db

VERIFY = "verify-email"
RESET = "reset-password"


class DisposableEmail(DomainError):
    status_code = 422
    message = _l("Addresses from throw-away mail services cannot register. Please use another.")


class InvalidCredentials(DomainError):
    status_code = 401
    message = _l("The email or password is not right.")


@dataclass(frozen=True)
class Registration:
    user: User
    created: bool


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_canonical == canonical_email(email)))


def register_user(
    *, email: str, password: str, now: datetime, language: str | None = None
) -> Registration:
    """Create an unverified account and mail its verification link.

    Side effects: adds the user and an audit event; queues a mail. An address whose mailbox
    already has an account creates nothing: its owner is mailed instead, and the caller gives
    the same answer either way, so registration never reveals who has an account.
    """
    if is_disposable(email):
        raise DisposableEmail()
    password_hash = hash_password(password)  # also for a known address: equal timing
    existing = get_user_by_email(email)
    if existing is not None:
        return _already_registered(existing)
    user = User(
        email=email.strip(),
        email_canonical=canonical_email(email),
        password_hash=password_hash,
        created_at=now,
        language=language,
    )
    try:
        # A savepoint: a simultaneous registration of the same mailbox (another alias of
        # it, say) may have taken the canonical address since the read above; the unique
        # key decides, and the loser answers as for any known address.
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        existing = get_user_by_email(email)
        if existing is None:
            raise
        return _already_registered(existing)
    audit.record(db.session, "user.registered", actor=user, target=user)
    send_verification(user)
    return Registration(user, created=True)


def _already_registered(existing: User) -> Registration:
    """Mail the owner of a mailbox that already has an account; create nothing."""
    mail.queue(
        db.session,
        to=existing.email,
        language=existing.language,
        subject=_l("Someone tried to register with your address"),
        template="already_registered",
        login_url=external_url("accounts.login"),
        reset_url=external_url("accounts.forgot_password"),
    )
    return Registration(existing, created=False)


def _verification_state(user: User) -> str:
    return fingerprint(user.email_canonical, user.email_verified_at)


def send_verification(user: User) -> None:
    """Queue the verification mail (a signed link that expires and works once)."""
    token = make_token(VERIFY, user.id, _verification_state(user))
    mail.queue(
        db.session,
        to=user.email,
        language=user.language,
        subject=_l("Confirm your email address"),
        template="verify_email",
        verify_url=external_url("accounts.verify_email", token=token),
        hours=current_app.config["VERIFY_TOKEN_MAX_AGE"] // 3600,
    )


def resend_verification(*, email: str) -> None:
    """Mail a new link if the address has an unverified account; silent otherwise."""
    user = get_user_by_email(email)
    if user is not None and not user.is_verified and user.is_active:
        send_verification(user)


def user_for_verify_token(token: str) -> User:
    """The account a verification link is for, changing nothing (the link's page shows a
    button; only its POST verifies). Raises InvalidToken for a bad or used link."""
    user_id, state = read_token(token, VERIFY, max_age=current_app.config["VERIFY_TOKEN_MAX_AGE"])
    user = db.session.get(User, user_id)
    if user is None or state != _verification_state(user):
        raise InvalidToken("used or unknown")
    return user


def verify_email(token: str, *, now: datetime) -> User:
    """Mark the token's account verified. Raises InvalidToken for a bad or used link."""
    user = user_for_verify_token(token)
    user.email_verified_at = now
    audit.record(db.session, "user.verified", actor=user, target=user)
    return user


def authenticate(
    *, email: str, password: str, now: datetime, network_hash: str | None, device_hash: str | None
) -> User:
    """Check the password; record the attempt. Raises InvalidCredentials.

    Side effects: a login event; the password hash is upgraded when the cost settings changed.
    """
    user = get_user_by_email(email)
    if user is None:
        burn_time(password)
    ok = user is not None and verify_password(user.password_hash, password) and user.is_active
    db.session.add(
        LoginEvent(
            user_id=user.id if user else None,
            at=now,
            succeeded=ok,
            network_hash=network_hash,
            device_hash=device_hash,
        )
    )
    if not ok or user is None:
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def _reset_state(user: User) -> str:
    return fingerprint(user.password_hash, user.session_version)


def request_password_reset(*, email: str) -> None:
    """Mail a reset link if the address has an account; silent otherwise (no enumeration)."""
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token(RESET, user.id, _reset_state(user))
    mail.queue(
        db.session,
        to=user.email,
        language=user.language,
        subject=_l("Reset your password"),
        template="reset_password",
        reset_url=external_url("accounts.reset_password", token=token),
        minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )


def user_for_reset_token(token: str) -> User:
    user_id, state = read_token(token, RESET, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or state != _reset_state(user):
        raise InvalidToken("used or unknown")
    return user


def reset_password(token: str, *, password: str, now: datetime) -> User:
    """Set a new password from a reset link; ends every other session of the account.

    A reset also proves the mailbox, so an unverified account becomes verified.
    """
    user = user_for_reset_token(token)
    change_password(user, password=password)
    if user.email_verified_at is None:
        user.email_verified_at = now
    return user


def change_password(user: User, *, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1
    audit.record(db.session, "user.password_changed", actor=user, target=user)


class WrongPassword(DomainError):
    status_code = 422
    message = _l("The current password is not right.")


def change_password_checked(user: User, *, current: str, password: str) -> None:
    """Change the password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current):
        raise WrongPassword()
    change_password(user, password=password)


CHANGE_EMAIL = "change-email"


def request_email_change(user: User, *, current: str, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is opened.

    The answer is the same whether or not the new address is free, so this cannot be used
    to find out who has an account.
    """
    if not verify_password(user.password_hash, current):
        raise WrongPassword()
    if is_disposable(new_email):
        raise DisposableEmail()
    if get_user_by_email(new_email) is not None:
        return
    token = _email_serializer().dumps(
        {"id": user.id, "email": new_email.strip(), "fp": _reset_state(user)}
    )
    mail.queue(
        db.session,
        to=new_email.strip(),
        language=user.language,
        subject=_l("Confirm your new email address"),
        template="verify_email",
        verify_url=external_url("accounts.confirm_email_change", token=token),
        hours=current_app.config["VERIFY_TOKEN_MAX_AGE"] // 3600,
    )


def email_change_for_token(token: str) -> tuple[User, str]:
    """The account and new address an email-change link is for, changing nothing. Raises
    InvalidToken for a bad, expired or used link, or an address taken meanwhile."""
    try:
        payload = _email_serializer().loads(
            token, max_age=current_app.config["VERIFY_TOKEN_MAX_AGE"]
        )
    except BadData as error:
        raise InvalidToken("bad or expired") from error
    user = db.session.get(User, payload.get("id"))
    if user is None or payload.get("fp") != _reset_state(user):
        raise InvalidToken("used or unknown")
    if get_user_by_email(payload["email"]) is not None:
        raise InvalidToken("address taken meanwhile")
    return user, payload["email"]


def confirm_email_change(token: str) -> User:
    """Move the account to the confirmed new address and tell the old one."""
    user, new_email = email_change_for_token(token)
    old = user.email
    user.email = new_email
    user.email_canonical = canonical_email(new_email)
    user.session_version += 1  # the fingerprint changes too: the link works once
    mail.queue(
        db.session,
        to=old,
        language=user.language,
        subject=_l("Your WSIS Prizes account has a new email address"),
        template="email_changed",
        new_email=user.email,
        reset_url=external_url("accounts.forgot_password"),
    )
    audit.record(db.session, "user.email_changed", actor=user, target=user)
    return user


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="prizes." + CHANGE_EMAIL)


def update_profile(
    user: User,
    *,
    organisation_name: str,
    organisation_type: StakeholderType,
    country: str,
) -> None:
    user.organisation_name = organisation_name.strip()
    user.organisation_type = organisation_type
    user.country = country.upper()
    audit.record(db.session, "user.profile_updated", actor=user, target=user)


def set_language(user: User, language: str) -> None:
    """Keep the reader's language in their profile: pages and mails follow it."""
    if user.language != language:
        user.language = language
        audit.record(
            db.session, "user.language_changed", actor=user, target=user, language=language
        )


def grant_role(user: User, role: Role, *, by: User | None) -> bool:
    """Give ``user`` the role; returns False when they already had it."""
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role, granted_by_id=by.id if by else None))
    db.session.flush()
    audit.record(db.session, "user.role_granted", actor=by, target=user, role=role.value)
    return True


def revoke_role(user: User, role: Role, *, by: User) -> bool:
    """Take the role away; returns False when they did not have it."""
    grant = next((grant for grant in user.roles if grant.role == role), None)
    if grant is None:
        return False
    user.roles.remove(grant)
    db.session.flush()
    audit.record(db.session, "user.role_revoked", actor=by, target=user, role=role.value)
    return True


def become_stakeholder(user: User) -> bool:
    """Anyone may nominate projects (the contest is open to all stakeholders)."""
    return grant_role(user, Role.STAKEHOLDER, by=user)


def create_admin(*, email: str, password: str, now: datetime) -> User:
    """The first secretariat account, from the command line: verified and with the role.

    An existing account for that mailbox gets the role; its password is left as it was.
    """
    user = get_user_by_email(email)
    if user is None:
        user = User(
            email=email.strip(),
            email_canonical=canonical_email(email),
            password_hash=hash_password(password),
            email_verified_at=now,
        )
        db.session.add(user)
        db.session.flush()
        audit.record(db.session, "user.created_by_cli", actor=None, target=user)
    grant_role(user, Role.SECRETARIAT, by=None)
    return user


# --- the secretariat's own throw-away domains --------------------------------------------

_DOMAIN = re.compile(
    r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}"
)


class NotADomain(DomainError):
    status_code = 422
    message = _l("Give a mail domain such as example.org (letters, digits, hyphens and dots).")


class DomainAlreadyBlocked(DomainError):
    status_code = 422
    message = _l("That domain is already refused, by the list or by an earlier addition.")


def block_mail_domain(domain: str, *, reason: str | None, by: User) -> BlockedMailDomain:
    """Refuse ``domain`` (and its subdomains) at registration and change of address, on
    top of the package's list. Side effects: the row, an audit event."""
    domain = domain.strip().lower().rstrip(".")
    if not _DOMAIN.fullmatch(domain):
        raise NotADomain()
    if is_disposable(f"x@{domain}"):
        raise DomainAlreadyBlocked()
    blocked = BlockedMailDomain(domain=domain, reason=reason or None, added_by_id=by.id)
    try:
        with db.session.begin_nested():  # two secretaries adding it at once: one row
            db.session.add(blocked)
            db.session.flush()
    except IntegrityError as error:
        raise DomainAlreadyBlocked() from error
    audit.record(
        db.session, "mail_domain.blocked", actor=by, target=blocked, domain=domain, reason=reason
    )
    return blocked


def unblock_mail_domain(blocked: BlockedMailDomain, *, by: User) -> None:
    """Take a domain the secretariat added off the list (the package's own stay).
    Side effects: the row is deleted, an audit event keeps what it was."""
    audit.record(
        db.session, "mail_domain.unblocked", actor=by, target=blocked, domain=blocked.domain
    )
    db.session.delete(blocked)
    db.session.flush()


def sign_out(user: User) -> None:
    """End the account's sessions on the server, not only in this browser: the session
    version moves on, so a copy of the session or remember-me cookie taken before opens
    nothing and casts no vote (the vote's statement checks the version). Every device of
    the account is signed out; a pending reset or change-of-address link stops working too
    (it carries the version). Side effects: the version, an audit event."""
    user.session_version += 1
    audit.record(db.session, "user.signed_out", actor=user, target=user)


def disable_user(user: User, *, by: User, now: datetime) -> None:
    """Disable the account and end all of its sessions."""
    user.disabled_at = now
    user.session_version += 1
    audit.record(db.session, "user.disabled", actor=by, target=user)


def enable_user(user: User, *, by: User) -> None:
    user.disabled_at = None
    audit.record(db.session, "user.enabled", actor=by, target=user)


__all__ = [
    "DisposableEmail",
    "InvalidCredentials",
    "InvalidToken",
    "Registration",
]
