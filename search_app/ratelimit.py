"""The rate limit: each client address's requests, counted once per server, not per worker.

Flask-Limiter counts in the store `RATE_LIMIT_STORAGE` names. Its memory store lives in one
process, so gunicorn's workers each counted apart (an address got about 1,500 requests a
minute past a limit of 300). The default here is `SQLiteStorage`, a `limits` storage in a
SQLite file of a private run folder made when the app is created: `resource-search serve`
creates the app once, in gunicorn's master, so every worker forked from it counts in the one
file. A deployment with several servers names a store they share (`redis://host:6379/0`).

A count is one SQLite statement (an upsert that returns the new count) in autocommit mode, in
WAL mode without fsync: counts need no durability, only one order between processes.
Measured on the 2-core test machine (busy): 45-65 µs a count, against 2 µs in memory, for
requests that take milliseconds (tests/hardening/test_rate_limit.py reports the figure).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
import weakref
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask
from limits.storage import Storage

RUN_FOLDER_PREFIX = "resource-search-"
COUNTS_FILE = "rate-limit.sqlite"
SCHEME = "sqlite"
BUSY_TIMEOUT_MS = 5_000
# Expired windows are deleted every so many counts of a process (a table of recent clients).
PRUNE_EVERY = 1_000

SCHEMA = "CREATE TABLE IF NOT EXISTS counts (key TEXT PRIMARY KEY, count INTEGER, expires REAL)"
# A window that has expired starts again at `amount`; otherwise its count grows.
INCREMENT = """
INSERT INTO counts (key, count, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires <= :now THEN :amount ELSE count + :amount END,
    expires = CASE WHEN expires <= :now THEN :expires ELSE expires END
RETURNING count
"""


class SQLiteStorage(Storage):
    """Fixed-window counters in a SQLite file that the processes of one machine share
    (`sqlite:///path/to/counts.sqlite`); each process and thread has its own connection."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions, **options)
        self.path = Path(unquote(urlsplit(uri or "").path))
        self.local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # A connection never crosses a fork: a worker opens its own.
        if getattr(self.local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            connection.isolation_level = None  # autocommit: each statement is atomic
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(SCHEMA)
            self.local.connection, self.local.pid, self.local.counted = connection, os.getpid(), 0
        return self.local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        connection = self._connection()
        now = time.time()
        self.local.counted += 1
        if self.local.counted % PRUNE_EVERY == 0:
            connection.execute("DELETE FROM counts WHERE expires <= ?", (now,))
        row = connection.execute(
            INCREMENT, {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        ).fetchone()
        return row[0]

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT count FROM counts WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counts WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counts").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counts WHERE key = ?", (key,))


def storage_uri(app: Flask) -> str:
    """The store of the app's counts: RATE_LIMIT_STORAGE, or by default a SQLite file in a
    run folder made now (removed when the app is, by the process that made it)."""
    if app.config["RATE_LIMIT_STORAGE"]:
        return app.config["RATE_LIMIT_STORAGE"]
    folder = tempfile.mkdtemp(prefix=RUN_FOLDER_PREFIX)  # private: mode 0700
    weakref.finalize(app, remove_run_folder, folder, os.getpid())
    return f"{SCHEME}://{Path(folder, COUNTS_FILE)}"


def remove_run_folder(folder: str, owner: int) -> None:
    """Remove a run folder, only in the process that made it (never in a forked worker)."""
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def limit_rate(app: Flask) -> None:
    """Limit each client's requests (static files and /healthz exempt). The client is the
    connection's address, or the forwarded one behind PROXY_COUNT proxies (edge.py)."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limits = [app.config["RATE_LIMIT"]] if app.config["RATE_LIMIT"] else []
    limiter = Limiter(
        get_remote_address,
        app=app,
        application_limits=limits,
        storage_uri=storage_uri(app) if limits else "memory://",
        headers_enabled=True,
        enabled=bool(limits),
        # A store that fails (Redis down) lets requests through, logged: never a 500.
        swallow_errors=True,
    )
    limiter.exempt(app.view_functions["static"])
    limiter.exempt(app.view_functions["search.healthz"])
    app.extensions["rate_limit_storage"] = limiter.storage if limits else None
