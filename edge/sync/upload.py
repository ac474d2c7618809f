"""Uploading the outbox: oldest first, each batch with the board's signed checkpoint, only acked rows leave.

The batch is read in a short read, sent with no transaction open (so the
screen and new check-ins never wait on the network), and the acked ids are
deleted in one short transaction afterwards. A lost ack is harmless: the hub
stores each id once and acks it again. The hub takes a batch whole or not at
all (protocol 2), so an answer other than 200 leaves every row queued. With
nothing queued, the board still sends a fresh checkpoint once a day, so the
hub and the witness hear its log head even when the class is idle.
"""
from __future__ import annotations

import logging

from protocol.records import encode_batch

from ..services.usage import as_wire
from ..store import models as m
from .client import HubClient, HubRefused

log = logging.getLogger(__name__)


def next_batch(board, limit: int) -> list[dict]:
    """The oldest queued records, consecutive in seq (a batch is one stretch of the log)."""
    rows = (m.UsageRecord.select().join(m.Outbox, on=(m.Outbox.record == m.UsageRecord.id))
            .order_by(m.Outbox.seq).limit(limit))
    batch = []
    for row in rows:
        if batch and row.seq != batch[-1]["seq"] + 1:
            break
        batch.append(as_wire(row, board.id))
    return batch


def send_daily_checkpoint(board, client: HubClient) -> bool:
    """With an empty outbox: sign and send today's checkpoint if the last one is a day old."""
    if not board.log.due() or not board.log.size():
        return False
    text = board.log.latest(refresh=True).text
    client.request("POST", f"/api/v1/boards/{board.id}/checkpoints", body=text.encode("utf-8"),
                   headers={"Content-Type": "text/plain; charset=utf-8"})
    return True


def upload_once(board, client: HubClient, limit: int) -> tuple[int, int]:
    """Send one batch; returns (acked, still queued). Raises HubUnavailable to back off."""
    batch = next_batch(board, limit)
    if not batch:
        send_daily_checkpoint(board, client)
        return 0, 0
    payload = encode_batch(batch, board.log.checkpoint_at(batch[-1]["seq"]))
    try:
        response = client.request("POST", f"/api/v1/boards/{board.id}/records", body=payload,
                                   headers={"Content-Type": "application/gzip", "Prefer": "return=minimal"})
    except HubRefused as exc:
        if exc.status == 409:  # the hub's log of this board is not ours: a gap or a conflict, keep everything
            log.error("hub refuses the batch against its copy of our log: %s", exc.detail)
        raise
    ack = response.json()
    if "acked" in ack:
        acked = set(ack["acked"])
    else:  # return=minimal: the hub holds everything up to last_seq
        acked = {r["id"] for r in batch if r["seq"] <= int(ack.get("last_seq", 0))}
        if len(acked) != int(ack.get("acked_count", len(acked))):
            log.error("hub acked %s records but its last_seq covers %d; keeping the batch to resend",
                      ack.get("acked_count"), len(acked))
            acked = set()
    ids = [r["id"] for r in batch if r["id"] in acked]
    with board.db.atomic():
        for start in range(0, len(ids), 500):
            m.Outbox.delete().where(m.Outbox.record.in_(ids[start:start + 500])).execute()
        if len(ids) < len(batch):
            m.Outbox.update(attempts=m.Outbox.attempts + 1).where(
                m.Outbox.record.in_([r["id"] for r in batch if r["id"] not in acked])).execute()
    return len(ids), board.usage.outbox_depth()
