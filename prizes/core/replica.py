"""Public pages read from a read replica when ``PRIZES_DATABASE_REPLICA_URL`` is set.

The list below is the whole rule: these pages only read, and what they show may be a few
seconds old without harm (a new entry or a published result appears a moment later). They
read from the replica only for visitors who are not signed in, who are most of the public
traffic: someone signed in may have just changed what the page shows (their entry, their
nomination) and must see their own change. Everything else, and every write, uses the
primary; votes never go near the replica, since "one vote per category" is checked there.
Without the setting nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy.orm import sessionmaker

from prizes.db import db, make_engine

PUBLIC_READS = (
    "stocktaking.search",
    "stocktaking.detail",
    "nominations.nominated",
    "nominations.detail",
    "results.archive",
    "results.edition",
    "results.export",
)
"""Endpoints served from the replica. Not the voting blueprint: its public results page
also serves the secretariat's live tally, and the ballot belongs with the votes."""


def init_app(app: Flask) -> None:
    """Wrap the public reads once the blueprints are registered; no replica, no change."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    engine = make_engine(url, echo=app.config.get("SQL_ECHO", False))
    app.extensions["prizes.replica"] = sessionmaker(bind=engine)
    for endpoint in PUBLIC_READS:
        app.view_functions[endpoint] = replica_reads(app.view_functions[endpoint])


def replica_reads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` with the replica's session as ``db.session`` for anonymous visitors."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        factory = current_app.extensions.get("prizes.replica")
        if factory is None or current_user.is_authenticated:
            return view(*args, **kwargs)
        with db.session_for(factory()):
            return view(*args, **kwargs)

    # A marker the tests read; a function takes any attribute, but mypy knows only the
    # attributes of Callable, so this one line is let through.
    wrapped.reads_replica = True  # type: ignore[attr-defined]
    return wrapped
