"""Forward-only schema migrations, numbered by ``PRAGMA user_version``.

A board may be updated after months offline, so every step from any earlier
version must apply in order; a step never rewrites a step before it.
"""
from __future__ import annotations

import logging
from typing import Callable

from peewee import SqliteDatabase

from . import models

log = logging.getLogger(__name__)


def _v1_initial(db: SqliteDatabase) -> None:
    db.create_tables(models.ALL_MODELS)


def _v2_sensor_span(db: SqliteDatabase) -> None:
    """Hourly aggregates share the readings table, marked by how long a row spans."""
    from playhouse.migrate import SqliteMigrator, migrate as run

    columns = {c.name for c in db.get_columns("sensorreading")}
    if "span_s" not in columns:  # v1 stores created before this column existed
        run(SqliteMigrator(db).add_column("sensorreading", "span_s", models.IntegerField(default=0)))


def _v3_face_templates(db: SqliteDatabase) -> None:
    """Face check-in: encrypted templates of consenting students."""
    db.create_tables([models.FaceTemplate], safe=True)


def _v4_merkle_log(db: SqliteDatabase) -> None:
    """Protocol 2: records lose their per-record prev/sig, the board keeps signed checkpoints instead.

    Rows from a protocol 1 store keep their ids and fields; their ``hash`` (a v1
    chain hash) is blanked here and recomputed as the leaf hash by the usage
    meter, which knows the board id the leaf covers.
    """
    from playhouse.migrate import SqliteMigrator, migrate as run

    columns = {c.name for c in db.get_columns("usagerecord")}
    migrator = SqliteMigrator(db)
    for old in ("prev", "sig"):
        if old in columns:
            run(migrator.drop_column("usagerecord", old))
    if "sig" in columns:  # rows of protocol 1: their hashes are chain hashes, not leaf hashes
        db.execute_sql("UPDATE usagerecord SET hash = ''")
        db.execute_sql("INSERT OR REPLACE INTO setting (key, value) VALUES ('usage.rehash', '1')")
    db.create_tables([models.LogCheckpoint], safe=True)


def _v5_checkpoint_sent(db: SqliteDatabase) -> None:
    """Every checkpoint the board signs is sent to the hub once: offline days' ones travel with the next upload."""
    from playhouse.migrate import SqliteMigrator, migrate as run

    if "sent_at" not in {c.name for c in db.get_columns("logcheckpoint")}:  # stores made before this column
        run(SqliteMigrator(db).add_column("logcheckpoint", "sent_at", models.DateTimeField(null=True)))
        db.execute_sql("UPDATE logcheckpoint SET sent_at = signed_at")  # the old upload sent what it signed


MIGRATIONS: list[Callable[[SqliteDatabase], None]] = [_v1_initial, _v2_sensor_span, _v3_face_templates,
                                                      _v4_merkle_log, _v5_checkpoint_sent]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    """The store was written by a newer classboard; refuse rather than damage it."""


def migrate(db: SqliteDatabase) -> int:
    current = db.execute_sql("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"store schema version {current} is newer than this software ({SCHEMA_VERSION}); "
            "install the newer version or move the store aside"
        )
    for number in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[number - 1](db)
            db.execute_sql(f"PRAGMA user_version = {number}")
        log.info("store migrated to schema version %d", number)
    return SCHEMA_VERSION
