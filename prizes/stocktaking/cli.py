"""``flask --app wsgi import-entries PATH``: load stocktaking entries from CSV or JSON."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the stocktaking commands."""
