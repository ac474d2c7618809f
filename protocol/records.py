"""Sealed usage records: the evidence a board produces, hash-chained and signed.

A record's ``hash`` is SHA-256 over the canonical bytes of every field except
``hash`` and ``sig``; ``prev`` is the previous record's hash (64 zeros for the
first), and ``sig`` is the board's Ed25519 signature over the 32 hash bytes.
Deleting, altering, inserting or reordering a record therefore breaks either a
hash, a link or a signature, and :func:`verify_chain` names which.
"""
from __future__ import annotations

import gzip
import json
import os
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import CanonicalError, canonical_bytes, sha256_hex
from .keys import sign, verify

GENESIS = "0" * 64
KINDS = ("attendance.session", "checkin", "broadcast.played", "teacher.session", "student.session",
         "notice.ack", "sensor.summary", "interaction", "family.message")
# Who set a record in motion. Only a person's own use counts toward participation
# (the report's rules say which initiators count for which point); ``schedule`` and
# ``system`` are the board acting on its own (a planned broadcast, a sensor summary).
INITIATORS = ("teacher", "student", "staff", "guardian", "schedule", "system")
PEOPLE = ("teacher", "student", "staff", "guardian")
SIGNED_FIELDS = ("id", "board_id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data", "prev")
MAX_BATCH_RECORDS = 5000
MAX_BATCH_BYTES = 2 * 1024 * 1024  # compressed
MAX_BATCH_EXPANDED = 16 * 1024 * 1024
MAX_DATA_BYTES = 2048


class RecordError(ValueError):
    """A record or batch is malformed; the message says which and why."""


def uuid7(now_ms: int | None = None) -> str:
    """RFC 9562 UUIDv7: time-ordered, so ids sort like the records were made."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds and ``Z``: one spelling, so one hash."""
    if moment.tzinfo is None:
        raise RecordError("record times must be timezone-aware")
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z") or len(text) != 24:
        raise RecordError(f"time {text!r} is not RFC 3339 UTC with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)")
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise RecordError(f"time {text!r} is not a valid date and time") from None


def record_hash(rec: dict[str, Any]) -> str:
    return sha256_hex(canonical_bytes({k: rec[k] for k in SIGNED_FIELDS}))


def check_fields(rec: Any) -> None:
    """Shape checks a hub does before any cryptography; raises RecordError naming the field."""
    if not isinstance(rec, dict):
        raise RecordError("a record must be a JSON object")
    missing = [k for k in SIGNED_FIELDS if k not in rec]
    if missing:
        raise RecordError(f"record is missing {', '.join(missing)}")
    rid = rec.get("id")
    try:
        if not isinstance(rid, str) or uuid.UUID(rid).version != 7:
            raise ValueError
    except ValueError:
        raise RecordError(f"id {rid!r} is not a UUIDv7") from None
    seq = rec["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise RecordError(f"record {rid}: seq must be a positive integer")
    if rec["kind"] not in KINDS:
        raise RecordError(f"record {rid}: kind {rec['kind']!r} is not one of {', '.join(KINDS)}")
    if rec["initiator"] not in INITIATORS:
        raise RecordError(f"record {rid}: initiator {rec['initiator']!r} is not one of {', '.join(INITIATORS)}")
    parse_time(rec["at"])
    if rec["class_id"] is not None and not isinstance(rec["class_id"], str):
        raise RecordError(f"record {rid}: class_id must be a string or null")
    d = rec["duration_s"]
    if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 86_400:
        raise RecordError(f"record {rid}: duration_s must be an integer from 0 to 86400")
    if not isinstance(rec["data"], dict):
        raise RecordError(f"record {rid}: data must be an object")
    try:
        if len(canonical_bytes(rec["data"])) > MAX_DATA_BYTES:
            raise RecordError(f"record {rid}: data is larger than {MAX_DATA_BYTES} bytes")
    except CanonicalError as exc:
        raise RecordError(f"record {rid}: data {exc}") from None
    if not isinstance(rec["prev"], str) or len(rec["prev"]) != 64:
        raise RecordError(f"record {rid}: prev must be 64 hex digits")


def seal(fields: dict[str, Any], prev_hash: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Complete a record with ``prev``, ``hash`` and ``sig``."""
    rec = {k: fields[k] for k in SIGNED_FIELDS if k != "prev"}
    rec["prev"] = prev_hash
    check_fields(rec)
    rec["hash"] = record_hash(rec)
    rec["sig"] = sign(key, bytes.fromhex(rec["hash"]))
    return rec


def verify_record(rec: dict[str, Any], key: Ed25519PublicKey) -> list[str]:
    """Problems with one record on its own (shape, hash, signature); empty if it is sound."""
    try:
        check_fields(rec)
    except RecordError as exc:
        return [str(exc)]
    problems = []
    expected = record_hash(rec)
    if rec.get("hash") != expected:
        problems.append(f"seq {rec['seq']} ({rec['id']}): altered — hash does not match its contents")
    if not verify(key, bytes.fromhex(expected), rec.get("sig", "")):
        problems.append(f"seq {rec['seq']} ({rec['id']}): signature does not verify with the board's key")
    return problems


@dataclass
class ChainReport:
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(records: Iterable[dict[str, Any]], key: Ed25519PublicKey, *,
                 start_prev: str = GENESIS, start_seq: int = 1) -> ChainReport:
    """Check a board's records in seq order: every record, every link, no gaps or repeats."""
    report = ChainReport()
    ordered = sorted(records, key=lambda r: (r.get("seq", 0) if isinstance(r, dict) else 0))
    prev, want_seq, seen = start_prev, start_seq, set()
    for rec in ordered:
        report.records += 1
        report.problems += verify_record(rec, key)
        if not isinstance(rec, dict) or "seq" not in rec:
            continue
        if rec.get("id") in seen:
            report.problems.append(f"seq {rec['seq']} ({rec.get('id')}): duplicated record id")
        seen.add(rec.get("id"))
        if rec["seq"] < want_seq:
            report.problems.append(f"seq {rec['seq']} ({rec.get('id')}): duplicated or reordered sequence number")
            continue
        if rec["seq"] > want_seq:
            report.problems.append(f"seq {want_seq}..{rec['seq'] - 1}: deleted — missing from the chain")
        elif rec.get("prev") != prev:
            report.problems.append(f"seq {rec['seq']} ({rec.get('id')}): inserted or altered — does not link to "
                                   "the record before it")
        prev, want_seq = rec.get("hash", ""), rec["seq"] + 1
    return report


def encode_batch(records: list[dict[str, Any]]) -> bytes:
    """Upload form: gzip of one JSON document; per-record fields derivable by the hub are left out.

    ``board_id`` is said once, ``prev`` only for the first record (each later one
    links to the hash of the one before), and ``hash`` never (the hub recomputes it
    and checks the signature against it). What remains per record is its own data
    and its 64-byte signature.
    """
    if not records:
        raise RecordError("an upload batch needs at least one record")
    board = records[0]["board_id"]
    body = {"v": 1, "board_id": board, "prev": records[0]["prev"],
            "records": [{k: r[k] for k in SIGNED_FIELDS if k not in ("board_id", "prev")} | {"sig": r["sig"]}
                        for r in records]}
    return gzip.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6, mtime=0)


def decode_batch(payload: bytes, *, max_records: int = MAX_BATCH_RECORDS,
                 max_bytes: int = MAX_BATCH_BYTES) -> list[dict[str, Any]]:
    """Restore full records (with ``board_id``, ``prev`` and ``hash``) from an upload, or raise RecordError."""
    if len(payload) > max_bytes:
        raise RecordError(f"batch is {len(payload)} bytes; the limit is {max_bytes}")
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(payload, MAX_BATCH_EXPANDED)
        if inflater.unconsumed_tail:
            raise RecordError(f"batch expands beyond {MAX_BATCH_EXPANDED} bytes")
        body = json.loads(raw.decode("utf-8"))
    except RecordError:
        raise
    except (zlib.error, UnicodeDecodeError, ValueError, RecursionError):
        raise RecordError("batch is not gzip-compressed UTF-8 JSON") from None
    if not isinstance(body, dict) or body.get("v") != 1 or not isinstance(body.get("records"), list):
        raise RecordError("batch must be an object with v=1 and a records list")
    items = body["records"]
    if not items or len(items) > max_records:
        raise RecordError(f"batch must hold 1 to {max_records} records, not {len(items)}")
    board, prev = body.get("board_id"), body.get("prev")
    if not isinstance(board, str) or not board or not isinstance(prev, str) or len(prev) != 64:
        raise RecordError("batch needs board_id and a 64-hex-digit prev")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("sig"), str):
            raise RecordError(f"records[{i}] must be an object with a sig")
        rec = dict(item, board_id=board, prev=prev)
        try:
            check_fields(rec)
        except RecordError as exc:
            raise RecordError(f"records[{i}]: {exc}") from None
        rec["hash"] = record_hash(rec)
        prev = rec["hash"]
        out.append(rec)
    return out
