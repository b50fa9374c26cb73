"""The menu of each role, shown in every page's header."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_login import current_user

from prizes.accounts.models import Role


def init_app(app: Flask) -> None:
    app.jinja_env.globals["navigation"] = navigation


def navigation() -> list[tuple[str, str]]:
    """The role's menu: (endpoint, label) pairs."""
    items = [
        ("contest.home", _("Home")),
        ("nominations.nominated", _("Nominated projects")),
        ("stocktaking.search", _("Stocktaking")),
        ("voting.index", _("Vote")),
        ("results.archive", _("Results")),
        ("contest.categories", _("Categories")),
    ]
    if not current_user.is_authenticated:
        return items
    items.append(("voting.my_votes", _("My votes")))
    if current_user.has_role(Role.STAKEHOLDER):
        items.append(("stocktaking.mine", _("My projects")))
    if current_user.has_role(Role.EXPERT) or current_user.has_role(Role.SECRETARIAT):
        items.append(("review.home", _("Review")))
    if current_user.has_role(Role.SECRETARIAT):
        items.append(("admin.dashboard", _("Secretariat")))
    return items
