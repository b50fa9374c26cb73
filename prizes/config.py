"""Settings, read from ``PRIZES_*`` environment variables.

Secrets never live in the code: the secret key comes from ``PRIZES_SECRET_KEY`` or from a
file in the instance folder that is generated on first start.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "PRIZES_"
ONE_HOUR = 3600


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(ENV_PREFIX + name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(instance_path: Path) -> dict[str, Any]:
    """Build the settings mapping from the environment, with defaults for one machine."""
    instance_path.mkdir(parents=True, exist_ok=True)
    env = os.environ.get
    return {
        "SECRET_KEY": env(ENV_PREFIX + "SECRET_KEY") or _instance_secret(instance_path),
        "DATABASE_URL": env(ENV_PREFIX + "DATABASE_URL")
        or f"sqlite:///{instance_path / 'prizes.db'}",
        "MAIL_URL": env(ENV_PREFIX + "MAIL_URL") or None,
        "MAIL_SENDER": env(ENV_PREFIX + "MAIL_SENDER") or "WSIS Prizes <no-reply@localhost>",
        "MAIL_OUTBOX_DIR": str(instance_path / "outbox"),
        "REDIS_URL": env(ENV_PREFIX + "REDIS_URL") or None,
        # How long a request waits for Redis (the limits, the cache, the job queue): a hung
        # Redis costs a request this much, not a worker; after a failure it is left alone
        # for REDIS_RETRY_SECONDS (see prizes.core.redis_client).
        "REDIS_CONNECT_TIMEOUT": float(env(ENV_PREFIX + "REDIS_CONNECT_TIMEOUT") or 0.3),
        "REDIS_SOCKET_TIMEOUT": float(env(ENV_PREFIX + "REDIS_SOCKET_TIMEOUT") or 0.3),
        "REDIS_RETRY_SECONDS": float(env(ENV_PREFIX + "REDIS_RETRY_SECONDS") or 5),
        # The outbox: how often the worker sweeps it for mail whose job was lost, and for
        # jobs whose worker died (their lease expired).
        "SWEEP_SECONDS": float(env(ENV_PREFIX + "SWEEP_SECONDS") or 15),
        "JOB_LEASE_SECONDS": float(env(ENV_PREFIX + "JOB_LEASE_SECONDS") or 60),
        # Above the mail server's timeouts (20 s a step): a mail held longer was abandoned.
        "MAIL_LEASE_SECONDS": float(env(ENV_PREFIX + "MAIL_LEASE_SECONDS") or 120),
        # A read-only copy of the database for the public pages (prizes.core.replica).
        "DATABASE_REPLICA_URL": env(ENV_PREFIX + "DATABASE_REPLICA_URL") or None,
        # Where the worker writes the exports; shared storage when workers and web hosts differ.
        "EXPORT_FOLDER": env(ENV_PREFIX + "EXPORT_FOLDER") or str(instance_path / "exports"),
        "IMPORT_FOLDER": env(ENV_PREFIX + "IMPORT_FOLDER") or str(instance_path / "imports"),
        # The public address; every link in a mail is built on it.
        "BASE_URL": env(ENV_PREFIX + "BASE_URL") or "http://127.0.0.1:5000",
        "SESSION_COOKIE_SECURE": _env_flag("SECURE_COOKIES", False),
        "REMEMBER_COOKIE_SECURE": _env_flag("SECURE_COOKIES", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # Token lifetimes, in seconds.
        "VERIFY_TOKEN_MAX_AGE": 72 * ONE_HOUR,
        "RESET_TOKEN_MAX_AGE": ONE_HOUR,
        # argon2id cost: OWASP's minimum (Password Storage Cheat Sheet: 19 MiB, 2 passes, 1
        # lane), about 25 ms a check here, so two workers sign in 20+ voters a second at the
        # peak; raise them together on faster hosts (docs/security.md, bench/README.md).
        "ARGON2_TIME_COST": int(env(ENV_PREFIX + "ARGON2_TIME_COST") or 2),
        "ARGON2_MEMORY_COST": int(env(ENV_PREFIX + "ARGON2_MEMORY_COST") or 19456),
        "ARGON2_PARALLELISM": int(env(ENV_PREFIX + "ARGON2_PARALLELISM") or 1),
        "SQL_ECHO": _env_flag("SQL_ECHO", False),
        # How many reverse proxies stand in front of the app (0: none, the default).
        "PROXY_HOPS": int(env(ENV_PREFIX + "PROXY_HOPS") or 0),
        "RATELIMIT_ENABLED": _env_flag("RATE_LIMITS", True),
        # Only for bench/: a bare one-INSERT endpoint to compare the vote endpoint with.
        "BENCH_ENDPOINTS": _env_flag("BENCH_ENDPOINTS", False),
        # Run background jobs at once in the process that queues them (no worker needed).
        "JOBS_IMMEDIATE": _env_flag("JOBS_IMMEDIATE", False),
        # A registration form sent faster than this is taken for a script.
        "REGISTRATION_MIN_SECONDS": float(env(ENV_PREFIX + "REGISTRATION_MIN_SECONDS") or 3),
        # The proof-of-work check (ALTCHA) asked of the registration form.
        "REGISTRATION_PROOF_OF_WORK": _env_flag("REGISTRATION_PROOF_OF_WORK", True),
        # Its cost: a browser tries on average 3/4 of POW_MAX_NUMBER counters, each one
        # PBKDF2-SHA-256 of POW_COST iterations (about a second on a phone by default).
        "POW_MAX_NUMBER": int(env(ENV_PREFIX + "POW_MAX_NUMBER") or 2000),
        "POW_COST": int(env(ENV_PREFIX + "POW_COST") or 1000),
        "POW_EXPIRES_SECONDS": int(env(ENV_PREFIX + "POW_EXPIRES_SECONDS") or 300),
    }


def _instance_secret(instance_path: Path) -> str:
    """Return the secret kept in ``instance/secret_key``, creating it on first start."""
    path = instance_path / "secret_key"
    if not path.exists():
        # Write aside, then link into place: of two workers starting at once, one wins and
        # both read the same complete key.
        tmp = instance_path / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
