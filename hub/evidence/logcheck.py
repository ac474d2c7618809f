"""One board's log in an archive, checked against every checkpoint anyone holds for it.

The archive's lines are the board's Merkle leaves in order. Recomputing the
root at each size some checkpoint names, and finding it equal to the root the
board signed, proves every one of those records included exactly as the board
made it — no inclusion proof per record is needed when the verifier holds all
leaves. A checkpoint from the witness or a spot check that is *larger* than the
archive's log means records were cut from the end; one whose root differs
means the history was rewritten (altered, inserted, reordered, forked).
Checkpoints are verified with the key the witness registered at enrollment
when there is a witness, so a hub that re-keyed a board cannot re-sign them.
Each checkpoint's time then bounds the dates of the records before and after
it (protocol/timebounds.py): a record added later with an old date, or written
in advance, is named with its seq, its date and the checkpoint's time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.canonical import CanonicalError
from protocol.checkpoint import CheckpointError, verify_checkpoint
from protocol.keys import fingerprint, load_public
from protocol.merkle import Frontier, leaf_hash
from protocol.records import RecordError, check_fields
from protocol.timebounds import record_times, time_bound_problems


@dataclass
class Heads:
    """Checkpoint texts for one board, by where they came from."""
    archive: list[str] = field(default_factory=list)
    witness: list[str] = field(default_factory=list)
    spot: list[str] = field(default_factory=list)

    def labelled(self) -> Iterable[tuple[str, str]]:
        yield from (("the archive's", t) for t in self.archive)
        yield from (("the witness's", t) for t in self.witness)
        yield from (("a spot check's", t) for t in self.spot)


@dataclass
class LogResult:
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0


def read_leaves(bid: str, lines: Iterable[bytes], name: str, result: LogResult) -> list[bytes]:
    """Parse the board's lines in file order; a line out of seq order or not a sound record is a problem.

    Each line's leaf is the hash of its bytes as they stand: the hub writes the canonical bytes the board
    hashed, so a line hashes to the board's leaf exactly when it is the board's record, byte for byte (a
    re-encoded or edited line shows as a root the board never signed).
    """
    leaves, misplaced = [], 0
    for lineno, line in enumerate(lines, 1):
        raw = line[:-1] if line.endswith(b"\n") else line
        try:
            rec = json.loads(raw)
            check_fields(rec)
        except (ValueError, RecordError, CanonicalError, TypeError) as exc:
            result.problems.append(f"{name}:{lineno}: not a sound record ({exc})")
            continue
        if rec["board_id"] != bid:
            result.problems.append(f"{name}:{lineno}: record of board {rec['board_id']!r} in board {bid}'s log")
        if rec["seq"] != lineno:
            misplaced += 1
            if misplaced == 1:
                result.problems.append(f"board {bid}: line {lineno} holds seq {rec['seq']}: records are missing, "
                                       "inserted or reordered")
        leaves.append(leaf_hash(raw))
        result.records.append(rec)
    if misplaced > 1:
        result.problems.append(f"board {bid}: {misplaced} lines in all are out of their seq place")
    return leaves


def check_log(bid: str, lines: Iterable[bytes], key: Ed25519PublicKey, heads: Heads, name: str) -> LogResult:
    """Every checkpoint verified with ``key`` and compared with the roots the archive's leaves give."""
    result = LogResult()
    leaves = read_leaves(bid, lines, name, result)
    n = len(leaves)
    points = []
    for source, text in heads.labelled():
        try:
            points.append((source, verify_checkpoint(text, key, bid)))
        except CheckpointError as exc:
            result.problems.append(f"board {bid}: {source} checkpoint refused: {exc}")
    result.checkpoints = len(points)
    wanted = sorted({p.size for _, p in points if p.size <= n})
    roots, frontier = {}, Frontier()
    if 0 in wanted:
        roots[0] = frontier.root()
    for i, leaf in enumerate(leaves, 1):
        frontier.append(leaf)
        if wanted and i == wanted[0]:
            roots[i] = frontier.root()
            wanted.pop(0)
    covered, contradicted = 0, False
    for source, point in points:
        when = f" (signed {point.time})" if point.time else ""
        if point.size > n:
            contradicted = True
            result.problems.append(f"board {bid}: seq {n + 1}..{point.size}: deleted — {source} checkpoint"
                                   f"{when} shows the board's log held {point.size} records; the archive has {n}")
        elif roots[point.size] != point.root:
            contradicted = True
            result.problems.append(f"board {bid}: the records differ from the log the board signed at size "
                                   f"{point.size} ({source} checkpoint{when}): a record among the first "
                                   f"{point.size} was altered, inserted, removed or reordered, or the log forked")
        else:
            covered = max(covered, point.size)
    if not contradicted:  # dates are worth checking only against the log the board signed
        unique = {p.text: p for _, p in points}.values()
        result.problems += time_bound_problems(bid, [t for t in map(record_times, result.records) if t], unique)
    if n and not points:
        result.problems.append(f"board {bid}: no checkpoint signed by the board's key: none of its {n} records "
                               "can be shown to be the board's")
    elif covered < n and points and not contradicted:
        result.problems.append(f"board {bid}: seq {covered + 1}..{n}: not covered by any checkpoint the board "
                               "signed (inserted, or never vouched for by the board)")
    return result


def board_key(bid: str, manifest_key: str, witness_entry: dict[str, Any] | None, witnessed: bool,
              problems: list[str]) -> Ed25519PublicKey | None:
    """The key to check this board's checkpoints with: the witness's when there is one, else the manifest's."""
    try:
        key = load_public(manifest_key)
    except (ValueError, TypeError):
        key = None
        problems.append(f"board {bid}: the manifest's public key is missing or unreadable")
    if not witnessed:
        return key
    if witness_entry is None:
        problems.append(f"board {bid}: the witness has no key registered for this board: its key is vouched "
                        "for by nobody but the hub")
        return key
    try:
        attested = load_public(witness_entry.get("public_key", ""))
    except (ValueError, TypeError):
        problems.append(f"board {bid}: the witness's key for this board is unreadable")
        return key
    if key is None or fingerprint(attested) != fingerprint(key):
        problems.append(f"board {bid}: re-keyed — the archive gives key "
                        f"{fingerprint(key) if key else '?'} but the witness registered "
                        f"{fingerprint(attested)} when the board enrolled "
                        f"({witness_entry.get('school', '?')}, {witness_entry.get('enrolled_at', '?')})")
    return attested
