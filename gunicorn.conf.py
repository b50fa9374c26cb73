"""Gunicorn settings for production.

Used by ``make serve-prod``, or as ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be set from the environment, so one file serves every host.
"""

import multiprocessing
import os

bind = os.environ.get("PRIZES_BIND", "127.0.0.1:8000")
# Workers from the core count (the common 2 x cores + 1), unless set.
workers = int(os.environ.get("PRIZES_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("PRIZES_THREADS", "1"))
# Requests are short; a worker stuck this long is restarted.
timeout = int(os.environ.get("PRIZES_WORKER_TIMEOUT", "30"))
# On SIGTERM, finish the requests in flight for up to this long before exiting.
graceful_timeout = int(os.environ.get("PRIZES_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so a slow leak never grows for weeks: at the voting peak a
# worker serves a few hundred requests a second, so this is every few minutes (a recycled
# worker starts with cold caches and new database connections, so not much more often).
max_requests = int(os.environ.get("PRIZES_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# The app logs each request itself, with its request id (prizes.core.health).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("PRIZES_LOG_LEVEL", "info")
# Load the app once in the master so workers start fast and share memory pages.
preload_app = True
