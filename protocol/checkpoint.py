"""Signed checkpoints: a board's log head as a C2SP ``tlog-checkpoint`` in a C2SP ``signed-note``.

The text a board signs (and shows as a QR code on its admin screen)::

    classboard/board/cb-1a2b3c4d5e6f        origin: names the board's log
    1234                                    tree size (records in the log)
    Yf3…base64 root hash…=                  RFC 9162 root hash, standard base64
    time 2026-12-01T21:05:26.000Z           extension line: when the board signed it
    held 1300                               extension line, only when the log already held more
                                            records than the tree size at that time (a batch's
                                            checkpoint signed after the log grew past it)

    — classboard/board/cb-1a2b3c4d5e6f AbCdEf…   key ID (4 bytes) || Ed25519 signature, base64

The key name is the origin, and the key ID is SHA-256(name || 0x0A || 0x01 ||
public key)[:4] as signed-note recommends, so witnesses and tools built for
transparency logs (Go's ``golang.org/x/mod/sumdb/note``, litewitness) read it
as is. The origin carries the board id, so a checkpoint of one board can
never pass for another's even if the hub swaps keys around.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .keys import public_raw

ORIGIN_PREFIX = "classboard/board/"
ED25519 = b"\x01"
DASH = "\u2014 "
MAX_NOTE_BYTES = 4096


class CheckpointError(ValueError):
    """The text is not a checkpoint, or not one signed by the expected board's key; says which."""


def origin_for(board_id: str) -> str:
    if not board_id or any(c.isspace() or c == "+" for c in board_id):
        raise CheckpointError(f"board id {board_id!r} cannot name a log (no spaces or '+')")
    return ORIGIN_PREFIX + board_id


def key_id(name: str, key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_raw(key)).digest()[:4]


def verifier_key(name: str, key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The signed-note verifier key string ``name+hexid+base64(0x01||key)``, as note tooling takes it."""
    return f"{name}+{key_id(name, key).hex()}+{base64.b64encode(ED25519 + public_raw(key)).decode()}"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: str
    text: str  # the whole signed note, byte for byte as signed
    held: int = 0  # records the log held when signed (its ``held`` line; the tree size when there is none)

    @property
    def log_held(self) -> int:
        """How many records the board's log held at ``time``: those after entered the log later."""
        return max(self.held, self.size)

    @property
    def board_id(self) -> str:
        return self.origin[len(ORIGIN_PREFIX):]

    @property
    def body(self) -> str:
        return self.text.split("\n\n", 1)[0] + "\n"


def sign_checkpoint(key: Ed25519PrivateKey, board_id: str, size: int, root: bytes, at: datetime,
                    held: int | None = None) -> str:
    """``held``: the records the log holds now, when signing for an earlier ``size`` (protocol/timebounds.py)."""
    from .records import format_time

    origin = origin_for(board_id)
    body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\ntime {format_time(at)}\n"
    if held is not None and held > size:
        body += f"held {held}\n"
    sig = base64.b64encode(key_id(origin, key) + key.sign(body.encode("utf-8"))).decode()
    return f"{body}\n{DASH}{origin} {sig}\n"


def parse_checkpoint(text: str) -> tuple[Checkpoint, list[tuple[str, bytes]]]:
    """Split a signed checkpoint into its fields and signature lines; checks form only, not signatures."""
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_NOTE_BYTES:
        raise CheckpointError(f"a checkpoint is text of at most {MAX_NOTE_BYTES} bytes")
    text = text.replace("\r\n", "\n")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError("a signed note has no control characters besides newline")
    body, sep, sigs = text.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise CheckpointError("a signed note is text, a blank line and signature lines each ending in newline")
    lines = body.split("\n")
    if len(lines) < 3:
        raise CheckpointError("a checkpoint needs an origin, a tree size and a root hash")
    origin, size_text, root_text, *extensions = lines
    if not origin.startswith(ORIGIN_PREFIX) or len(origin) == len(ORIGIN_PREFIX):
        raise CheckpointError(f"origin {origin!r} is not a classboard board log ({ORIGIN_PREFIX}<board id>)")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != 32:
        raise CheckpointError("root hash is not 32 bytes of base64")
    times = [e[5:] for e in extensions if e.startswith("time ")]
    helds = [e[5:] for e in extensions if e.startswith("held ")]
    if helds and (not helds[0].isdigit() or int(helds[0]) < int(size_text)):
        raise CheckpointError(f"held {helds[0]!r} is not a record count at least the tree size")
    signatures = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(DASH) or line.count(" ") != 2:
            raise CheckpointError(f"signature line {line[:40]!r} is not '— <name> <base64>'")
        name, blob = line[len(DASH):].split(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError("a signature is not base64") from None
        if len(raw) < 5:
            raise CheckpointError("a signature is shorter than its key ID")
        signatures.append((name, raw))
    point = Checkpoint(origin, int(size_text), root, times[0] if times else "", text,
                       int(helds[0]) if helds else 0)
    return point, signatures


def verify_checkpoint(text: str, key: Ed25519PublicKey, board_id: str | None = None) -> Checkpoint:
    """The checkpoint, if ``key`` signed it (under its own origin) and it is ``board_id``'s; else CheckpointError."""
    point, signatures = parse_checkpoint(text)
    if board_id is not None and point.board_id != board_id:
        raise CheckpointError(f"checkpoint is of board {point.board_id!r}, not {board_id!r}")
    want = key_id(point.origin, key)
    mine = [raw for name, raw in signatures if name == point.origin and raw[:4] == want]
    if not mine:
        raise CheckpointError(f"checkpoint of {point.board_id} carries no signature by the board's key")
    try:
        for raw in mine:
            key.verify(raw[4:], point.body.encode("utf-8"))
    except InvalidSignature:
        raise CheckpointError(f"checkpoint of {point.board_id}: the signature does not verify") from None
    return point
