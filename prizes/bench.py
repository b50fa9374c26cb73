"""A bare endpoint for the benchmarks, registered only with ``PRIZES_BENCH_ENDPOINTS=1``.

``bench/vote_load.py`` compares the vote endpoint with this one: the same server, workers,
framework and database, doing a single INSERT and nothing else.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from prizes.db import db

bp = Blueprint("bench", __name__, url_prefix="/_bench")


@bp.route("/insert", methods=["POST"])
def insert() -> ResponseReturnValue:
    db.session.execute(text("INSERT INTO bench_rows (created_at) VALUES (CURRENT_TIMESTAMP)"))
    db.session.commit()
    return "", 204


def init_app(app: Flask) -> None:
    if not app.config.get("BENCH_ENDPOINTS"):
        return
    from prizes.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
