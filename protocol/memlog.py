"""A board's log held in memory: records and checkpoints exactly as a board makes them.

For tools that play a board without its store — tests, benches, simulations —
so that they use the same sealing and signing rules as the real board
(edge/services/usage.py and board_log.py), not a copy of them.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .checkpoint import sign_checkpoint
from .merkle import Frontier, root
from .records import parse_time, seal, uuid7


class MemoryLog:
    def __init__(self, board_id: str, key: Ed25519PrivateKey) -> None:
        self.board_id, self.key = board_id, key
        self.records: list[dict[str, Any]] = []
        self.leaves: list[bytes] = []
        self._frontier = Frontier()
        self._latest_end: list[datetime] = []  # [i]: the latest end among records 1..i+1

    def add(self, kind: str, at: str, *, initiator: str = "teacher", class_id: str | None = None,
            duration_s: int = 0, data: dict[str, Any] | None = None, record_id: str | None = None) -> dict[str, Any]:
        rec = seal({"id": record_id or uuid7(), "board_id": self.board_id, "seq": len(self.records) + 1,
                    "kind": kind, "at": at, "class_id": class_id, "initiator": initiator,
                    "duration_s": duration_s, "data": data or {}})
        self.records.append(rec)
        leaf = bytes.fromhex(rec["hash"])
        self.leaves.append(leaf)
        self._frontier.append(leaf)
        end = parse_time(rec["at"]) + timedelta(seconds=duration_s)
        self._latest_end.append(max(end, self._latest_end[-1]) if self._latest_end else end)
        return rec

    def root(self, size: int | None = None) -> bytes:
        return self._frontier.root() if size is None or size == len(self.leaves) else root(self.leaves[:size])

    def checkpoint(self, size: int | None = None, at: datetime | None = None, held: int | None = None) -> str:
        """The board's signed checkpoint at ``size`` (default: the whole log).

        Without ``at`` it is signed as a board would sign it right after record ``size`` was written: at the
        latest end (``at + duration_s``) of its records, or now for an empty log, so that logs played into
        the past keep the time bounds of protocol/timebounds.py.
        """
        size = len(self.records) if size is None else size
        if at is None:
            at = self._latest_end[size - 1] if size else datetime.now(timezone.utc)
        return sign_checkpoint(self.key, self.board_id, size, self.root(size), at, held)
