"""Uploading the outbox: oldest first, only acked rows leave, never a long write lock.

The batch is read in a short read, sent with no transaction open (so the
screen and new check-ins never wait on the network), and the acked ids are
deleted in one short transaction afterwards. A lost ack is harmless: the hub
stores each id once and acks it again.
"""
from __future__ import annotations

import logging

from protocol.records import encode_batch

from ..services.usage import as_wire
from ..store import models as m
from .client import HubClient, HubRefused

log = logging.getLogger(__name__)


def next_batch(board, limit: int) -> list[dict]:
    rows = (m.UsageRecord.select().join(m.Outbox, on=(m.Outbox.record == m.UsageRecord.id))
            .order_by(m.Outbox.seq).limit(limit))
    return [as_wire(r, board.id) for r in rows]


def upload_once(board, client: HubClient, limit: int) -> tuple[int, int]:
    """Send one batch; returns (acked, still queued). Raises HubUnavailable to back off."""
    batch = next_batch(board, limit)
    if not batch:
        return 0, 0
    payload = encode_batch(batch)
    try:
        response = client.request("POST", f"/api/v1/boards/{board.id}/records", body=payload,
                                   headers={"Content-Type": "application/gzip", "Prefer": "return=minimal"})
    except HubRefused as exc:
        if exc.status == 409:  # the hub is missing earlier records: they are gone from our outbox?
            log.error("hub reports a chain gap: %s", exc.detail)
        raise
    ack = response.json()
    refused = {r.get("id") for r in ack.get("rejected", [])}
    for rejected in ack.get("rejected", []):
        log.error("hub rejected record %s: %s", rejected.get("id"), rejected.get("reason"))
    if "acked" in ack:
        acked = set(ack["acked"])
    else:  # return=minimal: the hub holds everything up to last_seq, except what it refused
        acked = {r["id"] for r in batch if r["seq"] <= int(ack.get("last_seq", 0)) and r["id"] not in refused}
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
