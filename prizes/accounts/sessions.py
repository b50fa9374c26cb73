"""Flask-Login wiring: a session names the user and their session version.

Bumping ``User.session_version`` (logout everywhere, password change, disable) makes every
older session cookie and remember-me cookie load nobody.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from prizes.accounts.models import User
from prizes.db import db
from prizes.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user
