"""WSIS Prizes: the application factory, which reads as the table of contents."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from prizes.config import load_settings
from prizes.core.params import IdConverter

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment's settings (tests use it)."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("PRIZES_INSTANCE_PATH")
        or ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_map.converters["int"] = IdConverter  # ids bounded to the key columns' range
    app.config.update(load_settings(instance_path))
    app.config.update(config or {})
    if app.config["PROXY_HOPS"]:
        # Trust exactly that many proxies for the client's address and scheme.
        hops = app.config["PROXY_HOPS"]
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_api(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from prizes import (
        jobs,
        models,  # noqa: F401  (every table known before the first query)
        transparency,
    )
    from prizes.accounts import sessions
    from prizes.core import i18n, limits
    from prizes.extensions import babel, csrf, db
    from prizes.nominations import queries as nominations
    from prizes.review import rubric
    from prizes.review import services as review
    from prizes.voting import integrity
    from prizes.voting import queries as voting

    db.init_app(app)
    csrf.init_app(app)
    limits.init_app(app)
    jobs.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    sessions.init_app(app)
    rubric.init_app(app)  # an edition is created with the default rubric
    # Packages above answer the questions of the packages below (prizes/core/hooks.py).
    voting.init_app(app)
    integrity.init_app(app)
    nominations.init_app(app)
    review.init_app(app)
    transparency.init_app(app)  # the vote log's signing key, made on first start


def register_blueprints(app: Flask) -> None:
    from prizes import bench
    from prizes.accounts.views import bp as accounts_bp
    from prizes.admin.editions import bp as editions_bp
    from prizes.admin.experts import bp as experts_bp
    from prizes.admin.exports import bp as exports_bp
    from prizes.admin.imports import bp as imports_bp
    from prizes.admin.views import bp as admin_bp
    from prizes.admin.voting import bp as rounds_bp
    from prizes.contest.views import bp as contest_bp
    from prizes.core import health, proof_of_work, replica
    from prizes.disputes.views import bp as disputes_bp
    from prizes.nominations.views import bp as nominations_bp
    from prizes.review.results import bp as results_bp
    from prizes.review.views import bp as review_bp
    from prizes.stocktaking.views import bp as stocktaking_bp
    from prizes.voting.views import bp as voting_bp

    bench.init_app(app)
    health.init_app(app)
    proof_of_work.init_app(app)
    for blueprint in (
        contest_bp,
        accounts_bp,
        stocktaking_bp,
        nominations_bp,
        voting_bp,
        review_bp,
        results_bp,
        admin_bp,
        rounds_bp,
        experts_bp,
        editions_bp,
        exports_bp,
        imports_bp,
        disputes_bp,
    ):
        app.register_blueprint(blueprint)
    replica.init_app(app)  # after the blueprints: it wraps some of their views


def register_errorhandlers(app: Flask) -> None:
    from prizes.core import errors, unit_of_work

    errors.init_app(app)
    unit_of_work.init_app(app)


def register_api(app: Flask) -> None:
    from prizes import api

    api.init_app(app)  # after the site's error handlers, which it wraps for /api/v1/


def register_template_helpers(app: Flask) -> None:
    from prizes.accounts import navigation
    from prizes.core import templating

    templating.init_app(app)
    navigation.init_app(app)


def register_security_headers(app: Flask) -> None:
    from prizes.core.headers import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from prizes.accounts.cli import init_app as init_accounts_cli
    from prizes.cli import init_app as init_db_cli
    from prizes.cli import init_worker_cli
    from prizes.core.proof_of_work import init_cli as init_proof_of_work_cli
    from prizes.demo import init_app as init_demo_cli
    from prizes.exports.cli import init_app as init_exports_cli
    from prizes.stocktaking.cli import init_app as init_stocktaking_cli
    from prizes.voting.cli import init_app as init_voting_cli

    init_db_cli(app)
    init_worker_cli(app)
    init_accounts_cli(app)
    init_demo_cli(app)
    init_stocktaking_cli(app)
    init_voting_cli(app)
    init_proof_of_work_cli(app)
    init_exports_cli(app)
