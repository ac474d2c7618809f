"""Opening the hub's database: SQLite by default, PostgreSQL with one config line."""
from __future__ import annotations

import importlib
import os
import time
from contextlib import contextmanager
from pathlib import Path

from playhouse.db_url import connect

from .models import ALL_MODELS, database


# synchronous=full: in WAL mode "normal" syncs only at checkpoints, so a power cut could take back batches the hub
# had already acknowledged, and the board deletes what was acknowledged (tests/reliability/test_power_cut.py)
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": "full", "busy_timeout": 10000}
# Test-only: when set, every write transaction sleeps this many seconds after its writes and before its commit,
# and appends "in <pid>" / "committed <pid>" lines to CLASSBOARD_TEST_WRITE_TRACE, so the reliability suite can
# SIGKILL a hub inside an ingest transaction and prove the kill landed there (tests/reliability/). Unset in use.
TEST_PAUSE_ENV, TEST_TRACE_ENV = "CLASSBOARD_TEST_PAUSE_IN_WRITE", "CLASSBOARD_TEST_WRITE_TRACE"
# Feature folders that keep their own tables, by module name (like hub/cli.py's lazy commands): each module has
# MODELS and may have create_indexes(db). Named, not imported here, because they build on hub/models.py's BaseModel.
FEATURE_TABLES = ("hub.family.models",)


def open_database(url: str):
    """Connect, create missing tables, and bind the models."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        db = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    else:
        # the standard postgresql:// URL, served by psycopg 3 (peewee's default Postgres driver is psycopg2)
        for scheme in ("postgresql://", "postgres://"):
            if url.startswith(scheme):
                url = "psycopg3://" + url[len(scheme):]
        db = connect(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    db.create_tables(ALL_MODELS, safe=True)
    from .district.upgrade import add_school_columns
    add_school_columns(db)  # a hub made before schools were tenants
    for name in FEATURE_TABLES:
        feature = importlib.import_module(name)
        db.create_tables(feature.MODELS, safe=True)
        if hasattr(feature, "create_indexes"):
            feature.create_indexes(db)
    return db


def write_transaction():
    """A transaction that takes the write lock at its start.

    SQLite's default (deferred) transaction reads first and upgrades to a write
    lock later; if another writer committed in between, the upgrade fails at
    once with "database is locked" and the busy timeout does not help. IMMEDIATE
    takes the lock up front, so concurrent uploads queue instead of failing.
    PostgreSQL locks rows instead (see ``ingest``).
    """
    from peewee import PostgresqlDatabase

    tx = database.atomic() if isinstance(database.obj, PostgresqlDatabase) else database.atomic("IMMEDIATE")
    pause = os.environ.get(TEST_PAUSE_ENV)
    return _paused_before_commit(tx, float(pause)) if pause else tx


@contextmanager
def exclusive(name: str):
    """A write transaction that only one hub process at a time holds for ``name`` (a job over shared state:
    a mark read, work done after it, the mark moved). SQLite's IMMEDIATE transaction already serialises
    every writer; PostgreSQL takes a transaction-scoped advisory lock named ``name`` (released at commit or
    rollback), so two processes never both read the same mark and do the same work twice."""
    from peewee import PostgresqlDatabase

    with write_transaction():
        if isinstance(database.obj, PostgresqlDatabase):
            database.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
        yield


@contextmanager
def _paused_before_commit(tx, seconds: float):
    """The test hook (see TEST_PAUSE_ENV): a window inside the transaction where a kill loses it whole."""
    def trace(word: str) -> None:
        path = os.environ.get(TEST_TRACE_ENV)
        if path:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(fd, f"{word} {os.getpid()}\n".encode())
            os.close(fd)

    with tx:
        yield tx
        trace("in")
        time.sleep(seconds)
    trace("committed")
