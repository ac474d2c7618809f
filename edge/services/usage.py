"""Usage metering: every substantive activity becomes a record of the board's log and an outbox row.

The record and its outbox row are written in the caller's transaction, so an
attendance session and the evidence that it happened exist together or not at
all, whatever instant the power is cut. Sealing is hashing only (the record's
RFC 9162 leaf hash); signing happens per checkpoint, in ``board_log``.
"""
from __future__ import annotations

import json
import os
import time
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peewee import Database, fn

from protocol import records as wire

from ..clock import Clock, utc
from ..store import models as m
from ..store.housekeeping import write_or_make_room

_RECORD_COLUMNS = ("id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data", "hash")
_RECORD_INSERT = (f"INSERT INTO {m.UsageRecord._meta.table_name} ({', '.join(_RECORD_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_RECORD_COLUMNS))})")
_OUTBOX_INSERT = f"INSERT INTO {m.Outbox._meta.table_name} (record_id, seq, attempts) VALUES (?, ?, 0)"


@dataclass
class Activity:
    """One substantive thing that happened on the board, before it is sealed."""

    kind: str
    initiator: str
    class_id: str | None = None
    duration_s: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


class UsageMeter:
    def __init__(self, db: Database, clock: Clock, key: Ed25519PrivateKey, board_id: str) -> None:
        self.db, self.clock, self.key, self.board_id = db, clock, key, board_id
        self._lock = threading.Lock()
        self._rehash_protocol1_rows()

    def _rehash_protocol1_rows(self) -> None:
        """A store migrated from protocol 1 has blank leaf hashes (migration v4 leaves a flag): fill them in once."""
        flag = m.Setting.get_or_none(m.Setting.key == "usage.rehash")
        if flag is None:
            return
        with self.db.atomic():
            for row in m.UsageRecord.select().where(m.UsageRecord.hash == ""):
                m.UsageRecord.update(hash=wire.record_leaf(as_wire(row, self.board_id)).hex()).where(
                    m.UsageRecord.id == row.id).execute()
            flag.delete_instance()

    def record(self, kind: str, *, initiator: str, class_id: str | None = None, duration_s: int = 0,
               data: dict[str, Any] | None = None, at: datetime | None = None) -> m.UsageRecord:
        """Seal and store one activity (joins the caller's transaction if there is one)."""
        return self.record_many([Activity(kind, initiator, class_id, duration_s, data or {}, at)])[0]

    def record_many(self, activities: Iterable[Activity]) -> list[m.UsageRecord]:
        """Seal a batch in one transaction: one fsync for many records.

        On a full disk, sensor history is dropped and the write tried once more:
        evidence outranks sensor history.
        """
        batch = list(activities)
        return write_or_make_room(self.db, lambda: self._seal_and_store(batch))

    def _seal_and_store(self, activities: list[Activity]) -> list[m.UsageRecord]:
        with self._lock, self.db.atomic():
            last = m.UsageRecord.select(fn.MAX(m.UsageRecord.seq)).scalar()
            seq = last or 0
            rows = []
            randomness = os.urandom(10 * len(activities))  # one system call for the batch's ids
            made_ms = int(time.time() * 1000)
            for i, act in enumerate(activities):
                seq += 1
                at = wire.format_time(utc(act.at or self.clock.now()))  # once: the stored row must re-hash identically
                rid = wire.uuid7(made_ms, randomness[10 * i:10 * i + 10])
                duration = int(act.duration_s)
                leaf, data = wire.seal_parts({
                    "id": rid, "board_id": self.board_id, "seq": seq, "kind": act.kind, "at": at,
                    "class_id": act.class_id, "initiator": act.initiator, "duration_s": duration, "data": act.data},
                    own=True)
                rows.append((rid, seq, act.kind, _stored_time(at), act.class_id, act.initiator, duration,
                             data.decode("utf-8"), leaf.hex()))
            # The hot path of every board: plain executemany, not peewee's per-row SQL building.
            cursor = self.db.cursor()
            cursor.executemany(_RECORD_INSERT, rows)
            cursor.executemany(_OUTBOX_INSERT, [(r[0], r[1]) for r in rows])
        return [_row_object(r) for r in rows]

    def outbox_depth(self) -> int:
        return m.Outbox.select().count()


def _stored_time(wire_time: str) -> str:
    """The wire time ("2026-11-24T00:00:03.001Z") as the column keeps it: str() of the naive UTC datetime
    ("2026-11-24 00:00:03.001000", no fraction at a whole second), by slicing instead of a second conversion."""
    millis = wire_time[20:23]
    return f"{wire_time[:10]} {wire_time[11:19]}" + ("" if millis == "000" else f".{millis}000")


def _row_object(row: tuple) -> m.UsageRecord:
    """The stored row as a model object, without peewee's per-field setattr (a third of sealing's time)."""
    obj = m.UsageRecord(__no_default__=True)  # every column is set here: no default dict to build and clear
    obj.__data__.update(zip(_RECORD_COLUMNS, row))
    obj._dirty.clear()
    return obj


def as_wire(record: m.UsageRecord, board_id: str) -> dict[str, Any]:
    """The stored row back in its wire form: its leaf fields are byte-for-byte what was hashed."""
    return {
        "id": record.id, "board_id": board_id, "seq": record.seq, "kind": record.kind,
        "at": wire.format_time(utc(record.at)), "class_id": record.class_id, "initiator": record.initiator,
        "duration_s": record.duration_s, "data": json.loads(record.data), "hash": record.hash,
    }
