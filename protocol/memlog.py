"""A board's log held in memory: records and checkpoints exactly as a board makes them.

For tools that play a board without its store — tests, benches, simulations —
so that they use the same sealing and signing rules as the real board
(edge/services/usage.py and board_log.py), not a copy of them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .checkpoint import sign_checkpoint
from .merkle import Frontier, root
from .records import seal, uuid7


class MemoryLog:
    def __init__(self, board_id: str, key: Ed25519PrivateKey) -> None:
        self.board_id, self.key = board_id, key
        self.records: list[dict[str, Any]] = []
        self.leaves: list[bytes] = []
        self._frontier = Frontier()

    def add(self, kind: str, at: str, *, initiator: str = "teacher", class_id: str | None = None,
            duration_s: int = 0, data: dict[str, Any] | None = None, record_id: str | None = None) -> dict[str, Any]:
        rec = seal({"id": record_id or uuid7(), "board_id": self.board_id, "seq": len(self.records) + 1,
                    "kind": kind, "at": at, "class_id": class_id, "initiator": initiator,
                    "duration_s": duration_s, "data": data or {}})
        self.records.append(rec)
        leaf = bytes.fromhex(rec["hash"])
        self.leaves.append(leaf)
        self._frontier.append(leaf)
        return rec

    def root(self, size: int | None = None) -> bytes:
        return self._frontier.root() if size is None or size == len(self.leaves) else root(self.leaves[:size])

    def checkpoint(self, size: int | None = None, at: datetime | None = None) -> str:
        """The board's signed checkpoint at ``size`` (default: the whole log)."""
        size = len(self.records) if size is None else size
        return sign_checkpoint(self.key, self.board_id, size, self.root(size), at or datetime.now(timezone.utc))
