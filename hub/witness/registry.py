"""The witness's registry: which key each board enrolled with, and every checkpoint of its log it was sent.

Append-only by construction: SQLite triggers abort any UPDATE or DELETE, so
the witness's operator cannot quietly rewrite a board's key or a head it once
took. A board is registered once (trust on first enrollment); the same key
again is a no-op and a different key is refused. A checkpoint is taken only
if it is signed by the registered key and is consistent with the newest one
held — an RFC 9162 consistency proof from that size must come with it — so
once the witness holds a head, a log that forks or shrinks is refused.
"""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from protocol.checkpoint import CheckpointError, verify_checkpoint
from protocol.keys import fingerprint, load_public
from protocol.merkle import verify_consistency

SCHEMA = """
CREATE TABLE IF NOT EXISTS board (board_id TEXT PRIMARY KEY, public_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    school TEXT NOT NULL, enrolled_at TEXT NOT NULL, registered_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY, board_id TEXT NOT NULL REFERENCES board(board_id),
    size INTEGER NOT NULL, root TEXT NOT NULL, text TEXT NOT NULL UNIQUE, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS checkpoint_board ON checkpoint(board_id, size);
CREATE INDEX IF NOT EXISTS checkpoint_received ON checkpoint(board_id, received_at);
CREATE TRIGGER IF NOT EXISTS board_append_only_u BEFORE UPDATE ON board
    BEGIN SELECT RAISE(ABORT, 'the witness registry is append-only'); END;
CREATE TRIGGER IF NOT EXISTS board_append_only_d BEFORE DELETE ON board
    BEGIN SELECT RAISE(ABORT, 'the witness registry is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoint_append_only_u BEFORE UPDATE ON checkpoint
    BEGIN SELECT RAISE(ABORT, 'the witness registry is append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoint_append_only_d BEFORE DELETE ON checkpoint
    BEGIN SELECT RAISE(ABORT, 'the witness registry is append-only'); END;
"""


class Refused(Exception):
    """The witness will not take this: ``status`` is the HTTP status to answer with, the message says why."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.extra = status, extra


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Registry:
    """``clock`` gives the witness's time (when it took a board or a checkpoint); tests move it."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utc_now) -> None:
        self.clock = clock
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=wal")
        self.conn.execute("PRAGMA synchronous=full")
        self.conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()

    def now_text(self) -> str:
        return _stamp(self.clock())

    def register(self, board_id: str, public_key: str, school: str, enrolled_at: str) -> bool:
        """True if newly registered, False if it already was with this key; Refused for another key."""
        if not all(isinstance(v, str) and v for v in (board_id, public_key, school, enrolled_at)):
            raise Refused(400, "board_id, public_key, school and enrolled_at are required strings")
        try:
            print_ = fingerprint(load_public(public_key))
        except ValueError:
            raise Refused(400, "public_key is not a base64url Ed25519 public key") from None
        with self._lock:
            held = self.conn.execute("SELECT public_key, fingerprint, school, enrolled_at FROM board "
                                     "WHERE board_id = ?", (board_id,)).fetchone()
            if held is not None:
                if held[0] != public_key:
                    raise Refused(409, f"board {board_id} is registered with key {held[1]} ({held[2]}, enrolled "
                                       f"{held[3]}); refusing another key {print_}")
                return False
            self.conn.execute("INSERT INTO board VALUES (?, ?, ?, ?, ?, ?)",
                              (board_id, public_key, print_, school, enrolled_at, self.now_text()))
            return True

    def head(self, board_id: str) -> tuple[int, str] | None:
        """The newest checkpoint held for the board: (size, root hex), (0, "") if none; None if not registered."""
        if not self.conn.execute("SELECT 1 FROM board WHERE board_id = ?", (board_id,)).fetchone():
            return None
        row = self.conn.execute("SELECT size, root FROM checkpoint WHERE board_id = ? ORDER BY size DESC LIMIT 1",
                                (board_id,)).fetchone()
        return (row[0], row[1]) if row else (0, "")

    def add_checkpoint(self, board_id: str, text: str, old_size: int, proof: list[str]) -> bool:
        """True if newly held, False if already held; Refused when unsigned, inconsistent, or the proof is from
        another size than the witness's head (409 with ``size``)."""
        with self._lock:
            held = self.conn.execute("SELECT public_key FROM board WHERE board_id = ?", (board_id,)).fetchone()
            if held is None:
                raise Refused(404, f"board {board_id} is not registered with this witness")
            try:
                point = verify_checkpoint(text, load_public(held[0]), board_id)
            except CheckpointError as exc:
                raise Refused(400, f"checkpoint refused: {exc}") from None
            if self.conn.execute("SELECT 1 FROM checkpoint WHERE text = ?", (point.text,)).fetchone():
                return False
            head = self.head(board_id)
            size, root = head if head else (0, "")
            if point.size < size or (point.size == size and size):
                same = self.conn.execute("SELECT root FROM checkpoint WHERE board_id = ? AND size = ? LIMIT 1",
                                         (board_id, point.size)).fetchone()
                if same is None:
                    raise Refused(409, f"checkpoint of {point.size} records is older than the witness's head "
                                       f"({size}) and not one it can compare", size=size)
                if same[0] != point.root.hex():
                    raise Refused(409, f"board {board_id}'s log has forked: the witness holds another root for "
                                       f"{point.size} records", size=size)
            elif size:
                if old_size != size:
                    raise Refused(409, f"send a consistency proof from the witness's head of {size} records",
                                  size=size)
                try:
                    path = [bytes.fromhex(p) for p in proof]
                except (TypeError, ValueError):
                    raise Refused(400, "proof must be a list of hex hashes") from None
                if not verify_consistency(size, point.size, path, bytes.fromhex(root), point.root):
                    raise Refused(409, f"board {board_id}'s log is not consistent with the {size} records the "
                                       "witness saw: it has forked or been rewritten", size=size)
            self.conn.execute("INSERT INTO checkpoint (board_id, size, root, text, received_at) VALUES (?, ?, ?, ?, ?)",
                              (board_id, point.size, point.root.hex(), point.text, self.now_text()))
            return True

    def entry(self, board_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT board_id, public_key, fingerprint, school, enrolled_at, registered_at "
                                "FROM board WHERE board_id = ?", (board_id,)).fetchone()
        if row is None:
            return None
        texts = [t for (t,) in self.conn.execute("SELECT text FROM checkpoint WHERE board_id = ? ORDER BY size, id",
                                                 (board_id,))]
        last = self.conn.execute("SELECT MAX(received_at) FROM checkpoint WHERE board_id = ?", (board_id,)).fetchone()
        return dict(zip(("board_id", "public_key", "fingerprint", "school", "enrolled_at", "registered_at"), row),
                    last_checkpoint_at=last[0], checkpoints=texts)

    def silent(self, hours: float) -> list[dict[str, Any]]:
        """Registered boards the witness has taken no checkpoint from for more than ``hours``, quietest first.

        An online board sends a checkpoint at least daily (edge/sync/upload.py), and the hub forwards it, so
        a board quiet here for two days is off, or its checkpoints are being held back by its hub: the one
        gap a consistent but cut log leaves. A board never heard from counts from its registration.
        """
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 366:
            raise Refused(400, "hours must be a number above 0 and at most a year (8784)")
        since = _stamp(self.clock() - timedelta(hours=hours))
        rows = self.conn.execute(  # one index probe per board (checkpoint_received), not a scan of every checkpoint
            "SELECT board_id, school, registered_at, last FROM (SELECT b.board_id, b.school, b.registered_at, "
            "(SELECT MAX(c.received_at) FROM checkpoint c WHERE c.board_id = b.board_id) AS last FROM board b) "
            "WHERE COALESCE(last, registered_at) < ? ORDER BY COALESCE(last, registered_at), board_id",
            (since,)).fetchall()
        return [{"board_id": bid, "school": school, "registered_at": registered, "last_checkpoint_at": last,
                 "quiet_since": last or registered} for bid, school, registered, last in rows]

    def export(self) -> dict[str, Any]:
        """Everything the witness holds, as ``verify-evidence --witness FILE`` reads it."""
        ids = [b for (b,) in self.conn.execute("SELECT board_id FROM board ORDER BY board_id")]
        return {"format": "classboard.witness/1", "exported_at": self.now_text(),
                "boards": {bid: self.entry(bid) for bid in ids}}
