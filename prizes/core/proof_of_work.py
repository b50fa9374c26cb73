"""A proof of work against scripts (ALTCHA), asked on registration and, when a round says
so, on voting.

The browser fetches a signed challenge from ``/pow/challenge`` and spends about a second
finding its counter; a script that registers or votes in bulk pays that for every request.
The server signs with keys derived from the secret key, so every host accepts what any host
issued, and records each solved challenge in the database: a solution counts once, across
processes and hosts, and of two requests racing with the same one, only one is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import altcha
import click
from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from prizes.core.clock import now
from prizes.core.errors import DomainError
from prizes.core.limits import limiter, setting
from prizes.db import Base, UTCDateTime, db

ALGORITHM = "PBKDF2/SHA-256"
# A real payload is under 1 KB; anything far longer is refused before it is decoded.
MAX_PAYLOAD = 4000
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


class UsedChallenge(Base):
    """A challenge whose solution was accepted; kept until it expires, to refuse a replay.

    Not an audit record: rows are pruned once expired (``prune-challenges``).
    """

    __tablename__ = "used_challenges"

    # The challenge's random nonce, covered by the server's signature.
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ProofOfWorkRefused(DomainError):
    """The form came without a valid, fresh, unused solution; nothing was done."""

    status_code = 422
    message = _l(
        "The check that this form comes from a person, not a script, did not complete. "
        "It runs in your browser and needs JavaScript: please send the form again."
    )


INVALID = _l("The check against scripts failed. Please send the form again.")
EXPIRED = _l("The check against scripts expired. Please send the form again.")
REPLAYED = _l("This check against scripts was already used. Please send the form again.")

bp = Blueprint("proof_of_work", __name__)


@bp.route("/pow/challenge")
@limiter.limit(setting("LIMIT_POW_CHALLENGE"))
def challenge() -> ResponseReturnValue:
    """A fresh signed challenge for the widget; never cached, each one is for one form."""
    response = jsonify(new_challenge(moment=now()).to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


def new_challenge(*, moment: datetime) -> altcha.Challenge:
    """A challenge whose counter lies between half and all of ``POW_MAX_NUMBER``, so every
    solver works about as long (deterministic mode: verifying is one HMAC)."""
    config = current_app.config
    top = max(2, int(config["POW_MAX_NUMBER"]))
    counter = top // 2 + secrets.randbelow(top - top // 2 + 1)
    return altcha.create_challenge(
        ALGORITHM,
        max(1, int(config["POW_COST"])),
        counter=counter,
        expires_at=moment + timedelta(seconds=int(config["POW_EXPIRES_SECONDS"])),
        hmac_secret=_key("challenge"),
        hmac_key_secret=_key("derived-key"),
    )


def require_solution(payload: str | None) -> None:
    """Accept a solved challenge once, or raise :class:`ProofOfWorkRefused` saying why.

    Side effect: the challenge is recorded as used (flushed; it counts from the caller's
    commit, and a rolled-back request leaves it unused).
    """
    if not payload:
        raise ProofOfWorkRefused()
    if len(payload) > MAX_PAYLOAD:
        raise ProofOfWorkRefused(str(INVALID))
    try:
        solved = altcha.Payload.from_base64(payload)
        result = altcha.verify_solution(
            solved, _key("challenge"), hmac_key_secret=_key("derived-key")
        )
    except _MALFORMED as error:
        raise ProofOfWorkRefused(str(INVALID)) from error
    if result.expired:
        raise ProofOfWorkRefused(str(EXPIRED))
    parameters = solved.challenge.parameters
    if not result.verified or not isinstance(parameters.expires_at, int):
        raise ProofOfWorkRefused(str(INVALID))
    if not _record_use(parameters.nonce, datetime.fromtimestamp(parameters.expires_at, UTC)):
        raise ProofOfWorkRefused(str(REPLAYED))


def _record_use(nonce: str, expires_at: datetime) -> bool:
    """Insert the used challenge; False when it was there already. The primary key decides,
    so two racing requests cannot both succeed."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(UsedChallenge)
        .values(nonce=nonce, expires_at=expires_at, used_at=now())
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(UsedChallenge.nonce)
    )
    return db.session.scalar(statement) is not None


def prune(*, moment: datetime) -> int:
    """Delete the records of challenges expired before ``moment`` (a replay of those fails
    on its expiry anyway). Returns how many went."""
    result = db.session.execute(delete(UsedChallenge).where(UsedChallenge.expires_at < moment))
    return int(getattr(result, "rowcount", 0) or 0)


def _key(purpose: str) -> str:
    """A key of its own for each use, derived from the secret key (the same on every host)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"prizes.proof-of-work.{purpose}".encode(), hashlib.sha256).hexdigest()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def init_cli(app: Flask) -> None:
    @app.cli.command("prune-challenges")
    def prune_challenges() -> None:
        """Delete the records of expired proof-of-work challenges (the worker does it too)."""
        count = prune(moment=now())
        db.session.commit()
        click.echo(f"{count} expired challenges pruned.")
