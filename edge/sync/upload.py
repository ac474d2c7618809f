"""Uploading the outbox: oldest first, each batch with the board's signed checkpoint, only acked rows leave.

The batch is read in a short read, sent with no transaction open (so the
screen and new check-ins never wait on the network), and the acked ids are
deleted in one short transaction afterwards; while the hub stores one batch,
the board reads and signs the next (``drain``). A lost ack is harmless: the hub
stores each id once and acks it again. The hub takes a batch whole or not at
all (protocol 2), so an answer other than 200 leaves every row queued. Each
batch also carries the checkpoints the hub does not have yet up to its last
record (the daily ones signed while offline), taken or refused with it. With
nothing queued, the board still sends a fresh checkpoint once a day (and any
not yet sent), so the hub and the witness hear its log head even when the
class is idle.
"""
from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from protocol.records import MAX_BATCH_RECORDS, WIRE_FIELDS, encode_columns

from ..store import models as m
from .client import HubClient, HubRefused

log = logging.getLogger(__name__)
_QUEUED = (f"SELECT r.id, r.seq, r.kind, r.at, r.class_id, r.initiator, r.duration_s, r.data "
           f"FROM {m.Outbox._meta.table_name} o JOIN {m.UsageRecord._meta.table_name} r ON r.id = o.record_id "
           f"WHERE o.seq > ? ORDER BY o.seq LIMIT ?")
_DELETE_ACKED = f"DELETE FROM {m.Outbox._meta.table_name} WHERE record_id = ?"
# a batch is one stretch of the log (read_batch), so the outbox rows of its seqs are exactly its records
_DELETE_RANGE = f"DELETE FROM {m.Outbox._meta.table_name} WHERE seq BETWEEN ? AND ?"


@dataclass
class Batch:
    """The oldest queued records as columns, the way they travel (data stays the stored JSON text)."""
    ids: list[str]
    seqs: list[int]
    columns: dict[str, list]
    data: list[str]


def _wire_time(stored: str) -> str:
    """The stored naive-UTC time text ("2026-11-24 00:00:03.001000") in wire form ("...T00:00:03.001Z")."""
    return f"{stored[:10]}T{stored[11:19]}.{stored[20:23] if len(stored) > 19 else '000'}Z"


def read_batch(board, limit: int, after_seq: int = 0) -> Batch:
    """The oldest queued records (past ``after_seq``), consecutive in seq (a batch is one stretch of the log),
    in one plain query."""
    rows = board.db.execute_sql(_QUEUED, (after_seq, limit)).fetchall()
    end = next((i for i in range(1, len(rows)) if rows[i][1] != rows[i - 1][1] + 1), len(rows))
    rows = rows[:end]
    columns = {"id": [r[0] for r in rows], "kind": [r[2] for r in rows], "at": [_wire_time(str(r[3])) for r in rows],
               "class_id": [r[4] for r in rows], "initiator": [r[5] for r in rows],
               "duration_s": [r[6] for r in rows]}
    return Batch([r[0] for r in rows], [r[1] for r in rows], columns, [r[7] for r in rows])


def next_batch(board, limit: int) -> list[dict]:
    """The same batch as wire-form records (for tools that want records, not columns)."""
    batch = read_batch(board, limit)
    return [dict({f: batch.columns[f][i] for f in WIRE_FIELDS[:-1]}, board_id=board.id, seq=batch.seqs[i],
                 data=json.loads(batch.data[i])) for i in range(len(batch.ids))]


def send_daily_checkpoint(board, client: HubClient) -> int:
    """With an empty outbox: sign today's checkpoint if the last one is a day old, and send every one the hub
    does not have yet, oldest first; returns how many were sent."""
    board.log.sign_if_due()
    sent = 0
    for text in board.log.unsent():
        client.request("POST", f"/api/v1/boards/{board.id}/checkpoints", body=text.encode("utf-8"),
                       headers={"Content-Type": "text/plain; charset=utf-8"})
        board.log.mark_sent([text])
        sent += 1
    return sent


@dataclass
class Prepared:
    """A batch ready to send: its rows, the payload, and the checkpoints the payload carries (its own first)."""
    batch: Batch
    payload: bytes
    carried: list[str]


def prepare(board, limit: int, after: Prepared | None = None) -> Prepared | None:
    """Read and encode the oldest queued batch (past ``after``, the batch in flight, when reading ahead)."""
    start = after.batch.seqs[-1] if after else 0
    batch = read_batch(board, min(limit, MAX_BATCH_RECORDS), start)  # the hub refuses a larger batch whole
    if not batch.ids:
        return None
    checkpoint = board.log.checkpoint_at(batch.seqs[-1])
    in_flight = {checkpoint, *(after.carried if after else ())}  # the batch in flight carries those already
    history = [t for t in board.log.unsent(batch.seqs[-1]) if t not in in_flight]
    payload = encode_columns(board.id, batch.seqs[0], batch.columns, batch.data, checkpoint, history)
    return Prepared(batch, payload, [checkpoint, *history])


def send(board, client: HubClient, prepared: Prepared) -> dict:
    """POST one batch; the hub's ack. Raises HubUnavailable to back off, HubRefused when it will not take it."""
    try:
        response = client.request("POST", f"/api/v1/boards/{board.id}/records", body=prepared.payload,
                                  headers={"Content-Type": "application/gzip", "Prefer": "return=minimal"})
    except HubRefused as exc:
        if exc.status == 409:  # the hub's log of this board is not ours: a gap or a conflict, keep everything
            log.error("hub refuses the batch against its copy of our log: %s", exc.detail)
        raise
    return response.json()


def settle(board, prepared: Prepared, ack: dict) -> int:
    """Delete what the hub acked (only that), count an attempt on the rest; returns how many left the outbox."""
    batch = prepared.batch
    if "acked" in ack:
        acked = set(ack["acked"])
    else:  # return=minimal: the hub holds everything up to last_seq
        acked = {rid for rid, seq in zip(batch.ids, batch.seqs) if seq <= int(ack.get("last_seq", 0))}
        if len(acked) != int(ack.get("acked_count", len(acked))):
            log.error("hub acked %s records but its last_seq covers %d; keeping the batch to resend",
                      ack.get("acked_count"), len(acked))
            acked = set()
    ids = [rid for rid in batch.ids if rid in acked]
    with board.db.atomic():
        # peewee's IN (...) builds its SQL id by id (half the board's drain): one range or one prepared statement
        if ids and ids == batch.ids[:len(ids)]:  # the usual ack: a prefix of the batch, consecutive seqs
            board.db.execute_sql(_DELETE_RANGE, (batch.seqs[0], batch.seqs[len(ids) - 1]))
        else:
            board.db.cursor().executemany(_DELETE_ACKED, [(rid,) for rid in ids])
        if len(ids) == len(batch.ids):  # the hub took the batch, so also the checkpoints it carried
            board.log.mark_sent(prepared.carried)
        else:
            m.Outbox.update(attempts=m.Outbox.attempts + 1).where(
                m.Outbox.record.in_([rid for rid in batch.ids if rid not in acked])).execute()
    return len(ids)


def upload_once(board, client: HubClient, limit: int) -> tuple[int, int]:
    """Send one batch; returns (acked, still queued). Raises HubUnavailable to back off."""
    prepared = prepare(board, limit)
    if prepared is None:
        send_daily_checkpoint(board, client)
        return 0, 0
    return settle(board, prepared, send(board, client, prepared)), board.usage.outbox_depth()


def drain(board, client: HubClient, limit: int, max_batches: int) -> tuple[int, int]:
    """upload_once up to ``max_batches`` times, reading and signing batch k+1 while the hub stores batch k.

    The hub sees exactly the requests upload_once would send, one at a time and in order: only the
    board's own work overlaps the wait (board and hub are two processes, often on two cores). A batch
    prepared ahead is dropped if the one before was refused or not acked whole; its rows stay queued.
    Returns (acked, still queued); raises as upload_once.
    """
    prepared = prepare(board, limit)
    if prepared is None:
        send_daily_checkpoint(board, client)
        return 0, 0
    total = 0
    with ThreadPoolExecutor(1, thread_name_prefix="upload") as pool:
        for sent in range(1, max_batches + 1):
            answer = pool.submit(send, board, client, prepared)
            ahead = prepare(board, limit, prepared) if sent < max_batches else None
            acked = settle(board, prepared, answer.result())
            total += acked
            if acked < len(prepared.batch.ids) or ahead is None:
                break
            prepared = ahead
    return total, board.usage.outbox_depth()
