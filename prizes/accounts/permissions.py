"""Access rules as decorators: who may open a view at all. Object checks stay in services.

A page that needs only a signed-in visitor uses Flask-Login's own ``login_required``.

A role is held (``User.has_role``) from the moment it is granted, but *acted on* only once
the account meets what the role asks (``acts_as``): a role that requires two-factor
sign-in gives nothing until it is on. Every check of what a staff role may see or do, in a
decorator, a view or a service, goes through ``acts_as``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from prizes.accounts.models import Role, User
from prizes.accounts.two_factor import role_requires_two_factor
from prizes.core.urls import is_safe_next
from prizes.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")
# A view (or a blueprint's before_request, which returns None to let the request through)
# and the same callable guarded: it answers with a redirect or an error page instead.
View = Callable[P, R]
Guarded = Callable[P, R | ResponseReturnValue]


def acts_as(user: User, role: Role) -> bool:
    """``user`` holds ``role`` and may use it: verified, and with two-factor sign-in on
    when that role requires it (a freshly granted secretariat account reads nothing
    staff-only on its password alone; its other roles work as before)."""
    if not (user.is_verified and user.has_role(role)):
        return False
    return user.totp_enabled_at is not None or not role_requires_two_factor(role)


def roles_required(*roles: Role) -> Callable[[View[P, R]], Guarded[P, R]]:
    """Signed in, email verified, and acting as one of ``roles``; else sign-in, 403, or the
    two-factor set-up for an account that holds the role but has not turned it on."""

    def decorator(view: View[P, R]) -> Guarded[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.is_verified or not any(current_user.has_role(r) for r in roles):
                abort(403)
            if not any(acts_as(current_user, role) for role in roles):
                flash(_("Your role needs two-factor sign-in: please turn it on first."), "warning")
                return redirect(url_for("accounts.two_factor_setup"))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _way_back() -> str | None:
    """The page a visitor was on or going to, as a local path: this GET itself; for a POST,
    the same path's page if it has one (the vote's), else the page the form was sent from
    (the confirmation step's). None when there is none on this site."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    adapter = current_app.create_url_adapter(request)
    try:
        if adapter is not None:
            adapter.match(request.path, method="GET")
            return request.path
    except HTTPException:
        pass
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return back if is_safe_next(back) else None


def _refuse_unverified() -> Any | None:
    """Where to send a visitor who is not signed in with a verified email, else None."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_verified:
        flash(_("Please confirm your email address first."), "warning")
        return redirect(url_for("accounts.unverified"))
    return None


def verified_required(view: View[P, R]) -> Guarded[P, R]:
    """Signed in with a verified email: what every public voter must be."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        return _refuse_unverified() or view(*args, **kwargs)

    return wrapped


def visitor_has_role(role: Role) -> bool:
    """True when the visitor is signed in and acts as ``role``: for views deciding what a
    page offers or shows (templates are given the answer, never the rule)."""
    return bool(current_user.is_authenticated and acts_as(current_user, role))


def signed_in_user() -> User:
    """The signed-in account itself (not Flask-Login's proxy), to hand to services."""
    user: User = current_user._get_current_object()
    return user


def voter_required(view: View[P, R]) -> Guarded[P, R]:
    """Signed in, verified, and with the profile the contest asks of every voter."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        refused = _refuse_unverified()
        if refused is not None:
            return refused
        if not current_user.has_complete_profile:
            flash(
                _("Before voting, please tell us your organisation, its type and country."), "info"
            )
            # Back where they were going once the profile is saved.
            return redirect(url_for("accounts.profile", next=_way_back()))
        return view(*args, **kwargs)

    return wrapped
