"""Rate-limit keys that name an account or a mailbox (the limiter itself is in
``prizes.core.limits``)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from prizes.accounts.emails import canonical_email
from prizes.accounts.sessions import session_account
from prizes.core.limits import client_address
from prizes.core.network import network_of


def account_key() -> str:
    """The signed-in account, named by the session itself, so that counting a vote against
    the limits reads no user; a remember-me cookie alone signs in through ``current_user``."""
    account = session_account()
    if account is not None:
        return f"user:{account.id}"
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{client_address()}"


def email_key() -> str:
    """The mailbox a sign-in or mail request is about, so one victim is not hammered from
    many addresses."""
    return "email:" + canonical_email(str(request.form.get("email", ""))[:254])


def email_network_key() -> str:
    return f"{email_key()}|{network_of(client_address())}"
