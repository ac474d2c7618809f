"""Storing a board's uploaded records: each id once, the batch whole or not at all, checked against its checkpoint.

Protocol 2: a batch carries the board's signed checkpoint at its last record.
The hub holds the board's log so far (its records, and the Merkle frontier of
their leaf hashes), appends the batch's new leaves and stores the batch only if
the root comes out exactly as the board signed — the new checkpoint is then
consistent with every earlier one by construction, because the earlier leaves
are the ones the hub already holds. Records the hub already has (a retry after
a lost ack) are acked again once their leaf hashes match what is stored; a
different record at a held position is a fork and refuses the whole batch.

A batch may also carry earlier checkpoints the hub has not had (those the
board signed daily while offline): each must be the board's and give the root
of the log at its size, or the whole batch is refused; they are kept with the
batch in the same transaction, so the evidence holds every one of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from protocol.checkpoint import Checkpoint, CheckpointError, verify_checkpoint
from protocol.keys import load_public
from protocol.merkle import Frontier
from protocol.records import RecordError, decode_batch_for_store

from .db import write_transaction
from .models import Board, BoardCheckpoint, UsageRecord, database

EMPTY_HEAD = "0" * 64
_COLUMNS = ("id", "board_id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data", "hash", "received_at")
_INSERT = (f"INSERT INTO {UsageRecord._meta.table_name} ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join(['{p}'] * len(_COLUMNS))})")


class ChainGap(Exception):
    """The batch starts after a gap: the board must resend from ``last_seq + 1``."""


class LogConflict(Exception):
    """The batch or checkpoint contradicts the log the hub holds (a fork, or a root the records do not give)."""


@dataclass
class IngestResult:
    acked: list[str] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = ""
    checkpoint: Checkpoint | None = None

    def as_json(self) -> dict:
        return {"acked": self.acked, "duplicates": self.duplicates, "rejected": self.rejected,
                "last_seq": self.last_seq, "last_hash": self.last_hash}


def _checkpoint(board: Board, text: str) -> Checkpoint:
    try:
        return verify_checkpoint(text, load_public(board.public_key), board.id)
    except CheckpointError as exc:
        raise RecordError(f"checkpoint refused: {exc}") from None


def _lock_head(board_id: str) -> Board:
    """The board's row is the lock on its log: two uploads of one board never interleave."""
    query = Board.select(Board.last_seq, Board.last_hash, Board.log_frontier).where(Board.id == board_id)
    return (query.for_update() if database.obj.for_update else query).get()  # SQLite: IMMEDIATE is the lock


def stored_leaves(board_id: str, upto: int) -> list[bytes]:
    """The leaf hashes of the board's first ``upto`` records, as stored (for proofs and old checkpoints)."""
    rows = UsageRecord.select(UsageRecord.hash).where(
        (UsageRecord.board_id == board_id) & (UsageRecord.seq <= upto)).order_by(UsageRecord.seq).tuples()
    return [bytes.fromhex(h) for (h,) in rows]


def _root_at(board_id: str, head: Board, size: int) -> bytes:
    if size == head.last_seq:
        return Frontier.from_text(head.log_frontier).root()
    leaves = stored_leaves(board_id, size)
    return Frontier().extend(leaves).root()


def _keep(board_id: str, point: Checkpoint, now: datetime) -> None:
    if not BoardCheckpoint.select().where((BoardCheckpoint.board_id == board_id) &
                                          (BoardCheckpoint.text == point.text)).exists():
        BoardCheckpoint.create(board_id=board_id, size=point.size, root=point.root.hex(), signed_at=point.time,
                               text=point.text, received_at=now)


def _extend_noting(frontier: Frontier, leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """Append ``leaves``; the roots on the way at each of ``sizes`` the frontier passes."""
    roots, done, start = {}, 0, frontier.size
    for size in sorted(s for s in sizes if start < s <= start + len(leaves)):
        frontier.extend(leaves[done:size - start])
        done = size - start
        roots[size] = frontier.root()
    frontier.extend(leaves[done:])
    return roots


def ingest_batch(board: Board, payload: bytes, max_bytes: int) -> IngestResult:
    records, text, data, history = decode_batch_for_store(payload, max_bytes=max_bytes)  # RecordError → 400
    if records[0]["board_id"] != board.id:
        raise RecordError(f"batch is for board {records[0]['board_id']!r}, not {board.id!r}")
    point = _checkpoint(board, text)
    if point.size != records[-1]["seq"]:
        raise RecordError(f"the checkpoint covers {point.size} records but the batch ends at seq "
                          f"{records[-1]['seq']}")
    earlier = [_checkpoint(board, t) for t in history]
    for old in earlier:
        if old.size > point.size:
            raise RecordError(f"an earlier checkpoint covers {old.size} records, beyond the batch's {point.size}")
    result = IngestResult(checkpoint=point)
    with write_transaction():
        head = _lock_head(board.id)
        size = head.last_seq
        old = [r for r in records if r["seq"] <= size]
        if old:
            stored = {row.seq: (row.id, row.hash) for row in UsageRecord.select(
                UsageRecord.seq, UsageRecord.id, UsageRecord.hash).where(
                (UsageRecord.board_id == board.id) & (UsageRecord.seq.in_([r["seq"] for r in old])))}
            for rec in old:
                if stored.get(rec["seq"]) != (rec["id"], rec["hash"]):
                    raise LogConflict(f"seq {rec['seq']} differs from the record the hub holds at that place: "
                                      "the board's log has forked")
            result.acked += [r["id"] for r in old]
            result.duplicates = len(old)
        fresh = [r for r in records if r["seq"] > size]
        if fresh and fresh[0]["seq"] != size + 1:
            raise ChainGap(f"batch starts at seq {fresh[0]['seq']} but the hub holds up to {size}")
        frontier = Frontier.from_text(head.log_frontier)
        roots = _extend_noting(frontier, [bytes.fromhex(r["hash"]) for r in fresh], {p.size for p in earlier})
        root = frontier.root() if fresh else _root_at(board.id, head, point.size)
        if root != point.root:
            raise LogConflict(f"the board signed root {point.root.hex()[:16]}… for {point.size} records, but the "
                              f"records give {root.hex()[:16]}…: a record was altered, dropped or reordered")
        before = {p.size for p in earlier if p.size < size}  # sizes the hub held already: one pass over them
        if before:
            roots |= _extend_noting(Frontier(), stored_leaves(board.id, max(before)), before)
        for old in earlier:
            if (roots.get(old.size) or _root_at(board.id, head, old.size)) != old.root:
                raise LogConflict(f"the board's checkpoint of {old.size} records (signed {old.time}) does not "
                                  "match the log the hub holds with this batch: the log has forked")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        skip = len(records) - len(fresh)
        # the times passed decode's checks (parse_time's shape and date); naive UTC as the column holds them
        rows = [(rec["id"], board.id, rec["seq"], rec["kind"], datetime.fromisoformat(rec["at"][:23]),
                 rec["class_id"], rec["initiator"], rec["duration_s"], data[skip + i], rec["hash"], now)
                for i, rec in enumerate(fresh)]
        if rows:  # one prepared statement for the batch, not peewee's SQL built row by row
            database.cursor().executemany(_INSERT.format(p=database.obj.param), rows)
        if rows:
            size = frontier.size
            Board.update(last_seq=size, last_hash=root.hex(), log_frontier=frontier.to_text(),
                         last_sync=now).where(Board.id == board.id).execute()
        for old in earlier:
            _keep(board.id, old, now)
        _keep(board.id, point, now)
        result.acked += [r[0] for r in rows]
    result.last_seq, result.last_hash = size, (root.hex() if rows else head.last_hash)
    return result


def ingest_checkpoint(board: Board, text: str) -> Checkpoint:
    """A checkpoint on its own (the board's daily one): kept if it agrees with the log the hub holds."""
    point = _checkpoint(board, text)
    with write_transaction():
        head = _lock_head(board.id)
        if point.size > head.last_seq:
            raise ChainGap(f"the checkpoint covers {point.size} records but the hub holds {head.last_seq}; "
                           "upload the records first")
        if _root_at(board.id, head, point.size) != point.root:
            raise LogConflict(f"the checkpoint's root for {point.size} records differs from the log the hub holds")
        _keep(board.id, point, datetime.now(timezone.utc).replace(tzinfo=None))
    return point
