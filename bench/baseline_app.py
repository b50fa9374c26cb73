"""The benchmarks' yardstick: a bare Flask app, outside the project, served by the same
gunicorn settings (``gunicorn -c gunicorn.conf.py bench.baseline_app:app``).

It does the work of the project's busiest requests by the shortest road and nothing else:
no app factory, no hooks, no session, no extension, no ORM, no pool.

- ``GET /hello``: a short string (what a page of the project is compared with);
- ``POST /vote``: one INSERT and its COMMIT through the database driver, on one connection
  per worker process (what a vote is compared with).

The database comes from ``BASELINE_DATABASE_URL`` (``postgresql://...`` or
``sqlite:///path``); the table ``bench_rows (id, created_at)`` must exist.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

app = Flask(__name__)
_connection: Any = None


def _connect() -> Any:
    url = os.environ["BASELINE_DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1], timeout=15, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # as the project syncs every commit
        return conn
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


@app.get("/hello")
def hello() -> str:
    return "Hello"


@app.post("/vote")
def vote() -> tuple[str, int]:
    global _connection
    if _connection is None:  # one connection per worker, opened after the fork
        _connection = _connect()
    try:
        if os.environ["BASELINE_DATABASE_URL"].startswith("sqlite"):
            _connection.execute("BEGIN IMMEDIATE")
            _connection.execute("INSERT INTO bench_rows (created_at) VALUES (CURRENT_TIMESTAMP)")
            _connection.execute("COMMIT")
        else:
            _connection.execute("INSERT INTO bench_rows (created_at) VALUES (CURRENT_TIMESTAMP)")
            _connection.commit()
    except Exception:
        _connection = None  # reconnect on the next request
        raise
    return "", 204
