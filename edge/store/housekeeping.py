"""Keeping the store inside its disk budget without ever losing evidence.

When space runs short, sensor history goes first (oldest rows), because it can
be re-measured; attendance, check-ins and usage records are never dropped.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Callable, TypeVar

from peewee import Database, OperationalError

from . import models as m

log = logging.getLogger(__name__)
T = TypeVar("T")
MIN_FREE_BYTES = 64 * 1024 * 1024


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "full" in str(exc).lower()


def drop_sensor_history(db: Database, rows: int = 20_000) -> int:
    """Delete the oldest ``rows`` sensor readings; returns how many went."""
    oldest = m.SensorReading.select(m.SensorReading.id).order_by(m.SensorReading.at).limit(rows)
    with db.atomic():
        deleted = m.SensorReading.delete().where(m.SensorReading.id.in_(oldest)).execute()
    if deleted:
        log.warning("disk space low: dropped the %d oldest sensor readings", deleted)
    return deleted


def ensure_space(db: Database, data_dir: Path, min_free: int = MIN_FREE_BYTES,
                 free_bytes: Callable[[Path], int] = lambda p: shutil.disk_usage(p).free,
                 max_rounds: int = 50) -> bool:
    """Drop sensor history until ``min_free`` bytes are free; False if that was not enough."""
    for _ in range(max_rounds):
        if free_bytes(data_dir) >= min_free:
            return True
        if drop_sensor_history(db) == 0:
            log.error("disk space low (%d bytes free) and no sensor history left to drop", free_bytes(data_dir))
            return False
    return free_bytes(data_dir) >= min_free


def write_or_make_room(db: Database, write: Callable[[], T]) -> T:
    """Run ``write``; if the disk is full, drop sensor history once and try again."""
    try:
        return write()
    except OperationalError as exc:
        if not is_disk_full(exc):
            raise
        log.error("disk full while writing: %s; dropping sensor history and retrying", exc)
        drop_sensor_history(db, rows=100_000)
        return write()
