"""The board's signed checkpoints over its usage log: one per upload batch, at least one a day.

A checkpoint says "my log holds N records and its root is R", signed with the
board's key in the C2SP checkpoint format (protocol/checkpoint.py). Each one is
kept with the Merkle frontier it was computed from, so the checkpoint for any
later size costs only the leaves added since, read from the stored leaf hashes.
The newest one is what the admin screen and ``classboard board checkpoint``
show as text and QR code, for a reviewer to photograph.

The daily one is signed by a scheduler job whether or not the hub is
reachable (``sign_if_due``, edge/jobs.py), and every checkpoint is kept until
the hub has it (``unsent``/``mark_sent``): a board offline for weeks hands
over one checkpoint per day, and each bounds the dates of the records before
and after it (protocol/timebounds.py), so a record added later with an old
date shows.
"""
from __future__ import annotations

import threading
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peewee import Database, fn

from protocol.checkpoint import sign_checkpoint
from protocol.keys import fingerprint
from protocol.merkle import Frontier

from ..clock import Clock, utc
from ..store import models as m

MAX_AGE = timedelta(days=1)
LEAF_PAGE = 5000
# plain SQL: peewee's row building was a third of the board's side of a drain (bench/drain.py)
_LEAF_PAGE_SQL = (f"SELECT hash FROM {m.UsageRecord._meta.table_name} WHERE seq > ? AND seq <= ? "
                  f"ORDER BY seq LIMIT {LEAF_PAGE}")


class BoardLog:
    def __init__(self, db: Database, clock: Clock, key: Ed25519PrivateKey, board_id: str) -> None:
        self.db, self.clock, self.key, self.board_id = db, clock, key, board_id
        self._lock = threading.Lock()

    def size(self) -> int:
        return m.UsageRecord.select(fn.MAX(m.UsageRecord.seq)).scalar() or 0

    def checkpoint_at(self, size: int) -> str:
        """The signed checkpoint of the log's first ``size`` records (the one already signed, if any)."""
        with self._lock, self.db.atomic():
            same = m.LogCheckpoint.get_or_none(m.LogCheckpoint.size == size)
            if same is not None:
                return same.text
            return self._sign(size)

    def latest(self, *, refresh: bool = False) -> m.LogCheckpoint:
        """The newest checkpoint of the whole log, signed anew when the log grew, a day passed, or asked to."""
        size = self.size()
        with self._lock, self.db.atomic():
            newest = m.LogCheckpoint.select().order_by(m.LogCheckpoint.size.desc(),
                                                       m.LogCheckpoint.signed_at.desc()).first()
            stale = newest is None or newest.size < size or refresh or \
                self._now_naive() - newest.signed_at >= MAX_AGE
            if stale:
                self._sign(size)
            return m.LogCheckpoint.get(m.LogCheckpoint.size == size)

    def sign_if_due(self) -> bool:
        """The daily checkpoint, online or not: sign the whole log when the newest checkpoint is a day old."""
        if not self.due() or not self.size():
            return False
        self.latest(refresh=True)
        return True

    def unsent(self, upto: int | None = None) -> list[str]:
        """Checkpoints the hub does not have yet, smallest first (only those of at most ``upto`` records)."""
        query = m.LogCheckpoint.select(m.LogCheckpoint.text).where(m.LogCheckpoint.sent_at.is_null())
        if upto is not None:
            query = query.where(m.LogCheckpoint.size <= upto)
        return [t for (t,) in query.order_by(m.LogCheckpoint.size).tuples()]

    def mark_sent(self, texts: list[str]) -> None:
        """The hub took these (by text: one of the same size signed meanwhile is still to send)."""
        now = self._now_naive()
        for start in range(0, len(texts), 200):
            m.LogCheckpoint.update(sent_at=now).where(m.LogCheckpoint.text.in_(texts[start:start + 200])).execute()

    def due(self) -> bool:
        """True when the newest checkpoint is older than a day (the daily heartbeat to hub and witness)."""
        newest = m.LogCheckpoint.select(fn.MAX(m.LogCheckpoint.signed_at)).scalar()
        return newest is None or self._now_naive() - newest >= MAX_AGE

    def _now_naive(self):
        return utc(self.clock.now()).replace(tzinfo=None)

    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def _sign(self, size: int) -> str:
        """Grow the nearest earlier frontier to ``size`` leaves, sign, and keep (replacing one of that size).

        Signed for an earlier size than the log holds, the note says how many records the log held
        (its ``held`` line): the records after ``size`` were written before this time, not after.
        """
        base = m.LogCheckpoint.select().where(m.LogCheckpoint.size <= size).order_by(
            m.LogCheckpoint.size.desc()).first()
        frontier = Frontier.from_text(base.frontier) if base else Frontier()
        while frontier.size < size:
            hashes = [bytes.fromhex(h) for (h,) in self.db.execute_sql(_LEAF_PAGE_SQL, (frontier.size, size))]
            if not hashes:
                raise ValueError(f"the log has fewer than {size} records")
            frontier.extend(hashes)
        now = utc(self.clock.now())
        text = sign_checkpoint(self.key, self.board_id, size, frontier.root(), now, held=self.size())
        m.LogCheckpoint.replace(size=size, frontier=frontier.to_text(), text=text,
                                signed_at=now.replace(tzinfo=None)).execute()
        return text
