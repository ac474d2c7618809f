"""Keep the home screen's answer until something it shows could have changed.

Home is asked for by the kiosk on every return and polled every few seconds,
and building it takes a few dozen small queries. Between two requests the
answer can only change if the store changed or the minute turned (the clock,
countdowns and the air are shown to the minute) or a notice starts or ends.
SQLite tells us cheaply whether the store changed: ``PRAGMA data_version``
moves when another connection commits, ``total_changes`` when this one did.
peewee keeps one connection per thread, so each thread keeps its own entry.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any, Callable


def store_stamp(db) -> tuple[int, int]:
    """Changes whenever anything was committed to the store, by any connection."""
    conn = db.connection()
    (version,) = conn.execute("PRAGMA data_version").fetchone()
    return version, conn.total_changes


class HomeCache:
    def __init__(self) -> None:
        self._local = threading.local()

    def clear(self) -> None:
        self._local.entries = {}

    def get(self, board, name: str, build: Callable[[], Any]) -> Any:
        """``build()``'s answer for ``name``, reused while the store, the minute and the notices stand still."""
        now: datetime = board.clock.now()
        key = (store_stamp(board.db), now.replace(second=0, microsecond=0))
        entries = getattr(self._local, "entries", None)
        if entries is None:
            entries = self._local.entries = {}
        hit = entries.get(name)
        if hit is not None and hit[0] == key and now < hit[1]:
            return hit[2]
        value = build()
        change = board.notices.next_change(**board.audience())
        until = min(key[1] + timedelta(minutes=1), change) if change else key[1] + timedelta(minutes=1)
        entries[name] = (key, until, value)
        return value
