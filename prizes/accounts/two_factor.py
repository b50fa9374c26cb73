"""Two-factor sign-in with TOTP (an authenticator app), and one-time recovery codes.

Required for the secretariat and experts (``REQUIRE_TWO_FACTOR_ROLES``), optional for
everyone else. The QR code is drawn here as SVG, so no image leaves the site. A code is
accepted once: the last time step used is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from io import BytesIO

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from prizes.accounts.models import RecoveryCode, Role, User
from prizes.core import audit
from prizes.core.errors import DomainError
from prizes.db import db

ISSUER = "WSIS Prizes"
RECOVERY_CODES = 10


class WrongCode(DomainError):
    status_code = 422
    message = _l("That code is not right, or was already used. Try the next one.")


class CodeAlreadyUsed(WrongCode):
    """A right code of a time step already used: refused (RFC 6238, section 5.2), and said
    so, because the step used to set up the app counts. Signing in straight after the
    set-up, within the same 30 seconds, is refused once for that reason, and the app's
    next code is accepted: a user who is told only "not right" thinks the app is broken."""

    message = _l(
        "That code was already used (the code that set up your app counts too). "
        "Wait for your app to show the next code, at most 30 seconds, and enter that one."
    )


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_qr_svg(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as inline SVG."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    buffer = BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=4, border=2
    )
    return buffer.getvalue().decode()


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().replace("-", "").upper().encode()).hexdigest()


def _matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The time step the code belongs to (this one or a neighbour), or None."""
    totp = pyotp.TOTP(secret)
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()):  # compare_digest refuses non-ASCII text
        return None
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def enable(user: User, *, secret: str, code: str, now: datetime) -> list[str]:
    """Turn two-factor sign-in on once the app proves it has the secret; returns the recovery
    codes, shown once. Side effects: the secret, new recovery codes, an audit event."""
    step = _matching_step(secret, code, now)
    if step is None:
        raise WrongCode()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    codes = _new_recovery_codes(user, now)
    audit.record(db.session, "user.two_factor_enabled", actor=user, target=user)
    return codes


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    """Ten new codes; any earlier ones stop working (they are marked used, not deleted)."""
    earlier = update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    db.session.execute(earlier.values(used_at=now))
    codes = [
        f"{secrets.token_hex(3).upper()}-{secrets.token_hex(3).upper()}"
        for _ in range(RECOVERY_CODES)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return codes


def verify(user: User, code: str, *, now: datetime) -> None:
    """Accept a fresh TOTP code or an unused recovery code; raise WrongCode otherwise."""
    if not user.totp_secret:
        raise WrongCode()
    step = _matching_step(user.totp_secret, code, now)
    if step is not None:
        if step <= (user.totp_last_step or -1):
            raise CodeAlreadyUsed()
        user.totp_last_step = step
        return
    recovery = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        raise WrongCode()
    recovery.used_at = now
    audit.record(db.session, "user.recovery_code_used", actor=user, target=user)


def disable(user: User, *, code: str, now: datetime) -> None:
    if requires_two_factor(user):
        raise DomainError(
            str(_l("Your role requires two-factor sign-in; it cannot be turned off."))
        )
    verify(user, code, now=now)
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    audit.record(db.session, "user.two_factor_disabled", actor=user, target=user)


def role_requires_two_factor(role: Role) -> bool:
    return role.value in current_app.config.get(
        "REQUIRE_TWO_FACTOR_ROLES", ("secretariat", "expert")
    )


def requires_two_factor(user: User) -> bool:
    return any(role_requires_two_factor(grant.role) for grant in user.roles)


def remaining_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )
