"""Opening the board's SQLite store safely.

SD cards lose power mid-write and sometimes corrupt. The store is opened in WAL
mode with full fsync, checked with ``PRAGMA quick_check`` at start, and a corrupt
file is moved aside (never deleted) so the board starts empty and re-syncs.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from peewee import SqliteDatabase

from .migrations import migrate
from .models import database

log = logging.getLogger(__name__)

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",  # a record is durable before anything acknowledges it
    "busy_timeout": 5000,
    "cache_size": -4000,  # 4 MB: small boards
}


class StoreError(Exception):
    """The data directory cannot hold a store (missing, read-only, not a directory)."""


@dataclass
class StoreOpening:
    """What happened while opening, so `doctor` and the log can say it plainly."""

    path: Path
    schema_version: int = 0
    quarantined: Path | None = None
    problems: list[str] = field(default_factory=list)


def _check_integrity(path: Path) -> str | None:
    """Return None if the file is a healthy SQLite database, else the reason."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if rows != [("ok",)]:
        return "; ".join(r[0] for r in rows[:5])
    return None


def _quarantine(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def open_store(data_dir: Path, filename: str = "board.sqlite3") -> tuple[SqliteDatabase, StoreOpening]:
    """Open (creating if needed) and migrate the store in ``data_dir``."""
    data_dir = Path(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"data directory {data_dir} cannot be created: {exc.strerror}") from None
    if not data_dir.is_dir():
        raise StoreError(f"data directory {data_dir} is not a directory")
    probe = data_dir / ".write-test"
    try:
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise StoreError(f"data directory {data_dir} is not writable: {exc.strerror}") from None

    path = data_dir / filename
    opening = StoreOpening(path=path)
    if path.exists() and path.stat().st_size > 0:
        problem = _check_integrity(path)
        if problem:
            opening.quarantined = _quarantine(path)
            opening.problems.append(
                f"store {path} failed its integrity check ({problem}); moved to "
                f"{opening.quarantined} and starting empty: the board will re-sync from the hub"
            )
            log.error(opening.problems[-1])

    db = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    opening.schema_version = migrate(db)
    return db, opening


def open_memory_store() -> SqliteDatabase:
    """An in-memory store for unit tests; same schema, same pragmas that apply."""
    db = SqliteDatabase(":memory:", pragmas={"foreign_keys": 1}, check_same_thread=False)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    migrate(db)
    return db
