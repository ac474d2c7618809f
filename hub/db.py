"""Opening the hub's database: SQLite by default, PostgreSQL with one config line."""
from __future__ import annotations

from pathlib import Path

from playhouse.db_url import connect

from .models import ALL_MODELS, database


def open_database(url: str):
    """Connect, create missing tables, and bind the models."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        db = connect(url, pragmas={"journal_mode": "wal", "foreign_keys": 1, "synchronous": "normal",
                                   "busy_timeout": 10000}, check_same_thread=False)
    else:
        # the standard postgresql:// URL, served by psycopg 3 (peewee's default Postgres driver is psycopg2)
        for scheme in ("postgresql://", "postgres://"):
            if url.startswith(scheme):
                url = "psycopg3://" + url[len(scheme):]
        db = connect(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    from .family.models import FAMILY_MODELS, create_indexes  # here, not in models.py: they build on its BaseModel
    db.create_tables(ALL_MODELS + FAMILY_MODELS, safe=True)
    create_indexes(db)
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

    if isinstance(database.obj, PostgresqlDatabase):
        return database.atomic()
    return database.atomic("IMMEDIATE")
