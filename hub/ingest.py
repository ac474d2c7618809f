"""Storing a board's uploaded records: each id once, chain and signature checked, all or a clean prefix.

A retry after a lost ack is normal (the board cannot know the hub stored the
batch), so records the hub already holds are acked again and counted once.
New records must continue the board's chain exactly; the verified prefix of a
batch is stored in one transaction and anything after a bad record is refused
with its reason, so the stored chain never has a hole or a forgery in it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from protocol.keys import load_public, verify
from protocol.records import decode_batch, parse_time

from .db import write_transaction
from .models import Board, UsageRecord, database


class ChainGap(Exception):
    """The batch starts after a gap: the board must resend from ``last_seq + 1``."""


@dataclass
class IngestResult:
    acked: list[str] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = ""

    def as_json(self) -> dict:
        return {"acked": self.acked, "duplicates": self.duplicates, "rejected": self.rejected,
                "last_seq": self.last_seq, "last_hash": self.last_hash}


def ingest_batch(board: Board, payload: bytes, max_bytes: int) -> IngestResult:
    records = decode_batch(payload, max_bytes=max_bytes)  # RecordError → 400 at the caller
    key = load_public(board.public_key)
    result = IngestResult()
    with write_transaction():
        # the board's row is the lock on its chain: two uploads of one board never interleave
        query = Board.select(Board.last_seq, Board.last_hash).where(Board.id == board.id)
        current = (query.for_update() if database.obj.for_update else query).get()  # SQLite: IMMEDIATE is the lock
        last_seq, last_hash = current.last_seq, current.last_hash
        old = [r for r in records if r["seq"] <= last_seq]
        if old:
            stored = {row.seq: row.id for row in UsageRecord.select(UsageRecord.seq, UsageRecord.id).where(
                (UsageRecord.board_id == board.id) & (UsageRecord.seq.in_([r["seq"] for r in old])))}
            for rec in old:
                if stored.get(rec["seq"]) == rec["id"]:
                    result.acked.append(rec["id"])
                    result.duplicates += 1
                else:
                    result.rejected.append({"id": rec["id"], "reason": f"seq {rec['seq']} is already held "
                                                                       "with a different record id"})
        fresh = [r for r in records if r["seq"] > last_seq]
        if fresh and fresh[0]["seq"] != last_seq + 1:
            raise ChainGap(f"batch starts at seq {fresh[0]['seq']} but the hub holds up to {last_seq}")
        rows, now = [], datetime.now(timezone.utc).replace(tzinfo=None)
        for rec in fresh:
            if rec["board_id"] != board.id:
                reason = f"record is for board {rec['board_id']!r}"
            elif rec["prev"] != last_hash:
                reason = f"seq {rec['seq']} does not link to the hub's last record of this board"
            elif not verify(key, bytes.fromhex(rec["hash"]), rec["sig"]):
                reason = f"seq {rec['seq']}: signature does not verify with the board's key"
            else:
                reason = ""
            if reason:  # refuse this one and everything after it: the chain must stay whole
                result.rejected += [{"id": r["id"], "reason": reason} for r in fresh[fresh.index(rec):]]
                break
            rows.append({"id": rec["id"], "board_id": board.id, "seq": rec["seq"], "kind": rec["kind"],
                         "at": parse_time(rec["at"]).replace(tzinfo=None), "class_id": rec["class_id"],
                         "initiator": rec["initiator"], "duration_s": rec["duration_s"],
                         "data": json.dumps(rec["data"], ensure_ascii=False, separators=(",", ":")),
                         "prev": rec["prev"], "hash": rec["hash"], "sig": rec["sig"], "received_at": now})
            last_seq, last_hash = rec["seq"], rec["hash"]
        for start in range(0, len(rows), 500):
            UsageRecord.insert_many(rows[start:start + 500]).execute()
        if rows:
            Board.update(last_seq=last_seq, last_hash=last_hash, last_sync=now).where(Board.id == board.id).execute()
        result.acked += [r["id"] for r in rows]
    result.last_seq, result.last_hash = last_seq, last_hash
    return result
