"""Flask-Login wiring: a session names the user and their session version.

Bumping ``User.session_version`` (logout everywhere, password change, disable) makes every
older session cookie and remember-me cookie load nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from prizes.accounts.models import User
from prizes.core.clock import now
from prizes.db import db
from prizes.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.config.setdefault("SESSION_IDLE_MINUTES", 60)
    app.config.setdefault("SESSION_ABSOLUTE_HOURS", 12)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=30))
    app.before_request(enforce_timeouts)


# Every request loads the signed-in user, with its roles, in one query built once.
_USER_WITH_ROLES = (
    select(User).where(User.id == bindparam("user_id")).options(joinedload(User.roles))
)


@dataclass(frozen=True)
class SessionAccount:
    """The account a signed session names ("id.version", as ``User.get_id`` wrote it at
    sign-in), not read from the database: whoever acts on it checks the account (still
    active, the session version unchanged) in the statement that reads it."""

    id: int
    session_version: int

    @classmethod
    def parse(cls, session_id: str) -> SessionAccount | None:
        user_id, _, version = session_id.partition(".")
        if not user_id.isdigit() or not version.isdigit():
            return None
        return cls(int(user_id), int(version))


def session_account() -> SessionAccount | None:
    """Who the session cookie says is signed in, without a query (None for a visitor, and
    for a browser that only has a remember-me cookie, which ``current_user`` reads). The
    session protection is Flask-Login's "basic", which only marks a session from another
    client not fresh: nothing that acts on this account asks for a fresh session."""
    return SessionAccount.parse(str(session.get("_user_id", "")))


def load_user(session_id: str) -> User | None:
    account = SessionAccount.parse(session_id)
    if account is None:
        return None
    user = db.session.scalars(_USER_WITH_ROLES, {"user_id": account.id}).unique().first()
    if user is None or user.session_version != account.session_version or not user.is_active:
        return None
    return user


def start_session(remember: bool, moment: datetime) -> None:
    """Mark when the sign-in happened; called right after ``login_user``."""
    session["signed_in_at"] = session["seen_at"] = int(moment.timestamp())
    session["remember"] = remember


def _expired(moment: datetime) -> bool:
    """A session without "keep me signed in" ends after a spell of inactivity, and any
    session after the absolute lifetime (a remembered one lives as long as its cookie)."""
    if session.get("remember"):
        return False
    config = current_app.config
    now_ts = int(moment.timestamp())
    idle = now_ts - int(session.get("seen_at", now_ts))
    age = now_ts - int(session.get("signed_in_at", now_ts))
    return (
        idle > config["SESSION_IDLE_MINUTES"] * 60 or age > config["SESSION_ABSOLUTE_HOURS"] * 3600
    )


def enforce_timeouts() -> ResponseReturnValue | None:
    # Files and the load balancer's probes need no user: a probe sent with a session cookie
    # must not depend on loading one (it would fail while the database is away).
    # The times are the session's own: reading them needs no user (a vote loads none).
    if request.path.startswith(("/static/", "/healthz", "/readyz")):
        return None
    if session_account() is None:
        return None
    moment = now()
    if _expired(moment):
        logout_user()
        session.clear()
        flash(
            _("You were signed out after a while without activity. Please sign in again."), "info"
        )
        return redirect(
            url_for("accounts.login", next=request.path if request.method == "GET" else None)
        )
    seen_at = int(moment.timestamp())
    if seen_at - int(session.get("seen_at", 0)) >= 60:  # the cookie rewritten once a minute
        session["seen_at"] = seen_at
    return None
