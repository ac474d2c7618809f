"""Usage metering: every substantive activity becomes a sealed record in the outbox.

The record and its outbox row are written in the caller's transaction, so an
attendance session and the evidence that it happened exist together or not at
all, whatever instant the power is cut.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peewee import Database

from protocol import records as wire

from ..clock import Clock, utc
from ..store import models as m
from ..store.housekeeping import write_or_make_room

GENESIS = "0" * 64
_RECORD_COLUMNS = ("id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data", "prev", "hash", "sig")
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
            last = m.UsageRecord.select(m.UsageRecord.seq, m.UsageRecord.hash).order_by(
                m.UsageRecord.seq.desc()).first()
            seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
            rows, outbox = [], []
            for act in activities:
                seq += 1
                at = utc(act.at or self.clock.now())  # once: the stored row must re-hash identically
                sealed = wire.seal({
                    "id": wire.uuid7(), "board_id": self.board_id, "seq": seq, "kind": act.kind,
                    "at": wire.format_time(at), "class_id": act.class_id,
                    "initiator": act.initiator, "duration_s": int(act.duration_s), "data": act.data,
                }, prev, self.key)
                prev = sealed["hash"]
                rows.append({
                    "id": sealed["id"], "seq": seq, "kind": act.kind,
                    "at": at.replace(microsecond=at.microsecond // 1000 * 1000, tzinfo=None),
                    "class_id": act.class_id, "initiator": act.initiator, "duration_s": int(act.duration_s),
                    "data": json.dumps(act.data, ensure_ascii=False, separators=(",", ":")),
                    "prev": sealed["prev"], "hash": sealed["hash"], "sig": sealed["sig"],
                })
                outbox.append({"record": sealed["id"], "seq": seq})
            # The hot path of every board: plain executemany, not peewee's per-row SQL building.
            cursor = self.db.cursor()
            cursor.executemany(_RECORD_INSERT, [tuple(
                str(r[c]) if c == "at" else r[c] for c in _RECORD_COLUMNS) for r in rows])
            cursor.executemany(_OUTBOX_INSERT, [(o["record"], o["seq"]) for o in outbox])
        return [m.UsageRecord(**r) for r in rows]

    def outbox_depth(self) -> int:
        return m.Outbox.select().count()


def as_wire(record: m.UsageRecord, board_id: str) -> dict[str, Any]:
    """The stored row back in its signed wire form, byte-for-byte what was hashed."""
    return {
        "id": record.id, "board_id": board_id, "seq": record.seq, "kind": record.kind,
        "at": wire.format_time(utc(record.at)), "class_id": record.class_id, "initiator": record.initiator,
        "duration_s": record.duration_s, "data": json.loads(record.data), "prev": record.prev,
        "hash": record.hash, "sig": record.sig,
    }
