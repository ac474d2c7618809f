"""Usage records, protocol 2: the leaves of each board's append-only Merkle log.

A record is its fields and nothing else: no signature, no link. Its leaf is the
canonical bytes of :data:`LEAF_FIELDS`, hashed as an RFC 9162 leaf
(``SHA-256(0x00 || bytes)``, see :mod:`protocol.merkle`), at index ``seq - 1``
of its board's log. The board signs *checkpoints* of the whole log
(:mod:`protocol.checkpoint`) instead of every record: one Ed25519 signature per
upload batch rather than per record, and a deleted, altered, inserted or
reordered record changes the root a signed checkpoint names.
"""
from __future__ import annotations

import functools
import gzip
import json
import os
import re
import time
import zlib
from datetime import datetime, timezone
from typing import Any, Sequence

from .canonical import CanonicalError, canonical_bytes
from .merkle import leaf_hash

VERSION = 2
KINDS = ("attendance.session", "checkin", "broadcast.played", "teacher.session", "student.session",
         "notice.ack", "sensor.summary", "interaction", "evaluation", "homework.posted", "media.played",
         "family.message")
# Who set a record in motion. Only a person's own use counts toward participation
# (the report's rules say which initiators count for which point); ``schedule`` and
# ``system`` are the board acting on its own (a planned broadcast, a sensor summary).
INITIATORS = ("teacher", "student", "staff", "guardian", "schedule", "system")
PEOPLE = ("teacher", "student", "staff", "guardian")
LEAF_FIELDS = ("id", "board_id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data")
# per record on the wire, in this order; board_id is said once per batch and seq is first_seq + position
WIRE_FIELDS = ("id", "kind", "at", "class_id", "initiator", "duration_s", "data")
MAX_BATCH_RECORDS = 5000
MAX_BATCH_BYTES = 2 * 1024 * 1024  # compressed
MAX_BATCH_EXPANDED = 16 * 1024 * 1024
MAX_BATCH_CHECKPOINTS = 1000  # earlier checkpoints riding along: a board offline for a school year signs ~365
MAX_DATA_BYTES = 2048


class RecordError(ValueError):
    """A record or batch is malformed; the message says which and why."""


def uuid7(now_ms: int | None = None, random_bytes: bytes | None = None) -> str:
    """RFC 9562 UUIDv7: time-ordered, so ids sort like the records were made.

    ``random_bytes`` (10 bytes from ``os.urandom``) lets a caller sealing a batch draw them in one system call.
    """
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    r = random_bytes if random_bytes is not None else os.urandom(10)
    # 48-bit ms, version 7 and 12 random bits, variant 0b10 and 62 random bits: as bytes, one hex() (sealing's hot path)
    h = ((ms & 0xFFFFFFFFFFFF).to_bytes(6, "big") + bytes((0x70 | r[0] & 0x0F, r[1], 0x80 | r[2] & 0x3F))
         + r[3:10]).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds and ``Z``: one spelling, so one hash."""
    if moment.tzinfo is None:
        raise RecordError("record times must be timezone-aware")
    if moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"  # "+00:00" → "Z"


def parse_time(text: str) -> datetime:
    if not isinstance(text, str) or len(text) != 24 or text[-1] != "Z" or text[10] != "T" or text[19] != "." \
            or not text[20:23].isdigit():
        raise RecordError(f"time {text!r} is not RFC 3339 UTC with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ)")
    try:  # fromisoformat is C and ten times faster than strptime; the shape is checked above
        return datetime.fromisoformat(text[:23]).replace(tzinfo=timezone.utc)
    except ValueError:
        raise RecordError(f"time {text!r} is not a valid date and time") from None


_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")


def check_fields(rec: Any, *, own: bool = False) -> bytes:
    """Shape checks a hub does before any cryptography; raises RecordError naming the field.

    ``own``: the board made ``id``, ``board_id``, ``seq`` and ``at`` itself (uuid7, format_time), so only
    what its callers gave is checked. Returns the canonical bytes of ``data``, which the leaf is built from.
    """
    if not isinstance(rec, dict):
        raise RecordError("a record must be a JSON object")
    missing = [k for k in LEAF_FIELDS if k not in rec]
    if missing:
        raise RecordError(f"record is missing {', '.join(missing)}")
    rid = rec.get("id")
    if not own:
        if not isinstance(rid, str) or not _UUID7.match(rid):
            raise RecordError(f"id {rid!r} is not a UUIDv7 (lower-case, hyphenated)")
        if not isinstance(rec["board_id"], str) or not rec["board_id"]:
            raise RecordError(f"record {rid}: board_id must be a non-empty string")
        seq = rec["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise RecordError(f"record {rid}: seq must be a positive integer")
        parse_time(rec["at"])
    if rec["kind"] not in KINDS:
        raise RecordError(f"record {rid}: kind {rec['kind']!r} is not one of {', '.join(KINDS)}")
    if rec["initiator"] not in INITIATORS:
        raise RecordError(f"record {rid}: initiator {rec['initiator']!r} is not one of {', '.join(INITIATORS)}")
    if rec["class_id"] is not None and not isinstance(rec["class_id"], str):
        raise RecordError(f"record {rid}: class_id must be a string or null")
    d = rec["duration_s"]
    if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 86_400:
        raise RecordError(f"record {rid}: duration_s must be an integer from 0 to 86400")
    if not isinstance(rec["data"], dict):
        raise RecordError(f"record {rid}: data must be an object")
    try:
        data = canonical_bytes(rec["data"])
    except CanonicalError as exc:
        raise RecordError(f"record {rid}: data {exc}") from None
    except UnicodeEncodeError:
        raise RecordError(f"record {rid}: data holds text that is not valid Unicode") from None
    if len(data) > MAX_DATA_BYTES:
        raise RecordError(f"record {rid}: data is larger than {MAX_DATA_BYTES} bytes")
    return data


def leaf_bytes(rec: dict[str, Any]) -> bytes:
    """The exact bytes a record's leaf hash covers (and an evidence archive's line holds)."""
    return canonical_bytes({k: rec[k] for k in LEAF_FIELDS})


def _checked_leaf_bytes(rec: dict[str, Any], data: bytes) -> bytes:
    """leaf_bytes of a record check_fields passed, assembled in canonical key order without a second walk.

    The hot path of sealing (bench/store.py); tests/protocol/test_records.py checks it equals leaf_bytes.
    """
    try:
        return b"".join((
            b'{"at":"', rec["at"].encode(), b'","board_id":', _text(rec["board_id"]),
            b',"class_id":', b"null" if rec["class_id"] is None else _text(rec["class_id"]),
            b',"data":', data, b',"duration_s":', str(rec["duration_s"]).encode(),
            b',"id":"', rec["id"].encode(), b'","initiator":"', rec["initiator"].encode(),
            b'","kind":"', rec["kind"].encode(), b'","seq":', str(rec["seq"]).encode(), b"}"))
    except UnicodeEncodeError:
        raise RecordError(f"record {rec['id']}: text that is not valid Unicode (a lone surrogate)") from None


@functools.lru_cache(maxsize=1024)
def _text(value: str) -> bytes:
    """A JSON string; cached, as a board's id and its few class ids recur in every record."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def record_leaf(rec: dict[str, Any]) -> bytes:
    """The record's RFC 9162 leaf hash (32 bytes)."""
    return leaf_hash(leaf_bytes(rec))


def seal(fields: dict[str, Any]) -> dict[str, Any]:
    """Check a record and add ``hash``: the hex leaf hash it enters its board's log with."""
    rec = {k: fields[k] for k in LEAF_FIELDS}
    rec["hash"] = seal_parts(rec)[0].hex()
    return rec


def seal_parts(rec: dict[str, Any], *, own: bool = False) -> tuple[bytes, bytes]:
    """Check a record; its leaf hash and the canonical bytes of its ``data`` (what a store keeps as text).

    ``own``: as in :func:`check_fields`, for the board sealing records it numbered and timed itself.
    """
    data = check_fields(rec, own=own)
    return leaf_hash(_checked_leaf_bytes(rec, data)), data


def encode_batch(records: list[dict[str, Any]], checkpoint: str, history: Sequence[str] = ()) -> bytes:
    """Upload form: gzip of one JSON document, columns per field, and the board's checkpoint.

    ``board_id`` is said once and ``seq`` only for the first record (the rest
    follow it without gaps); nothing the hub can recompute travels. Columns
    (every record's ``id``, then every ``kind``, ...) compress better than rows
    because like values sit together. ``checkpoint`` is the board's signed
    checkpoint at the batch's last record: the hub stores the batch only if the
    log with these records has exactly that root. ``history``: earlier
    checkpoints of at most the batch's last seq the hub has not had yet (those
    the board signed daily while offline), each checked against the log too.
    """
    if not records:
        raise RecordError("an upload batch needs at least one record")
    first = records[0]["seq"]
    if [r["seq"] for r in records] != list(range(first, first + len(records))):
        raise RecordError("a batch's records must be consecutive in seq")
    return encode_columns(records[0]["board_id"], first, {f: [r[f] for r in records] for f in WIRE_FIELDS[:-1]},
                          [canonical_bytes(r["data"]).decode("utf-8") for r in records], checkpoint, history)


def encode_columns(board_id: str, first_seq: int, columns: dict[str, list[Any]], data_json: list[str],
                   checkpoint: str, history: Sequence[str] = ()) -> bytes:
    """encode_batch from columns as a store holds them: ``data_json`` is each record's data as JSON text,
    spliced in unparsed (the board's outbox keeps it canonical), so a drain never decodes and re-encodes it."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    parts = ['{"v":', str(VERSION), ',"board_id":', dumps(board_id), ',"first_seq":', str(first_seq),
             ',"count":', str(len(data_json)), ',"checkpoint":', dumps(checkpoint)]
    if history:
        parts += [',"checkpoints":', dumps(list(history))]
    parts.append(',"columns":{')
    for f in WIRE_FIELDS[:-1]:
        parts += [dumps(f), ":", dumps(columns[f]), ","]
    parts += ['"data":[', ",".join(data_json), "]}}"]
    return gzip.compress("".join(parts).encode("utf-8"), 6, mtime=0)


def decode_batch(payload: bytes, *, max_records: int = MAX_BATCH_RECORDS,
                 max_bytes: int = MAX_BATCH_BYTES) -> tuple[list[dict[str, Any]], str]:
    """Full records (with ``board_id``, ``seq`` and ``hash``) and the checkpoint text, or RecordError."""
    records, checkpoint, _, _ = decode_batch_for_store(payload, max_records=max_records, max_bytes=max_bytes)
    return records, checkpoint


def decode_batch_for_store(payload: bytes, *, max_records: int = MAX_BATCH_RECORDS,
                           max_bytes: int = MAX_BATCH_BYTES) -> tuple[list[dict[str, Any]], str, list[str], list[str]]:
    """decode_batch, plus each record's data as canonical JSON text (what a store keeps), computed once, and
    the earlier checkpoints riding along (``checkpoints``, possibly none)."""
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
    if not isinstance(body, dict) or body.get("v") != VERSION or not isinstance(body.get("columns"), dict):
        raise RecordError(f"batch must be an object with v={VERSION} and columns (protocol {VERSION})")
    count, first, board = body.get("count"), body.get("first_seq"), body.get("board_id")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= max_records:
        raise RecordError(f"batch must hold 1 to {max_records} records, not {count!r}")
    if not isinstance(first, int) or isinstance(first, bool) or first < 1:
        raise RecordError("batch needs first_seq, a positive integer")
    if not isinstance(board, str) or not board:
        raise RecordError("batch needs board_id")
    if not isinstance(body.get("checkpoint"), str):
        raise RecordError("batch needs the board's signed checkpoint (text)")
    history = body.get("checkpoints", [])
    if not isinstance(history, list) or len(history) > MAX_BATCH_CHECKPOINTS or \
            not all(isinstance(t, str) for t in history):
        raise RecordError(f"checkpoints must be a list of at most {MAX_BATCH_CHECKPOINTS} checkpoint texts")
    columns = body["columns"]
    for f in WIRE_FIELDS:
        if not isinstance(columns.get(f), list) or len(columns[f]) != count:
            raise RecordError(f"columns.{f} must be a list of {count} values")
    sealed = _seal_columns(board, first, count, columns)
    if sealed is None:  # some value failed a whole-column check: the record-by-record checks name which and why
        sealed = _seal_each(board, first, count, columns)
    return sealed[0], body["checkpoint"], sealed[1], history


def _seal_each(board: str, first: int, count: int, columns: dict[str, list]) -> tuple[list[dict], list[str]]:
    """Check and seal record by record (check_fields): the reference for _seal_columns, and its error messages."""
    out, texts = [], []
    for i in range(count):
        rec = {f: columns[f][i] for f in WIRE_FIELDS}
        rec["board_id"], rec["seq"] = board, first + i
        try:
            leaf, data = seal_parts(rec)
        except RecordError as exc:
            raise RecordError(f"records[{i}]: {exc}") from None
        rec["hash"] = leaf.hex()
        out.append(rec)
        texts.append(data.decode("utf-8"))
    return out, texts


_KIND_SET, _INITIATOR_SET = frozenset(KINDS), frozenset(INITIATORS)
_UUID7_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_UUID7_LINES = re.compile(rf"(?:{_UUID7_TEXT}\n)*{_UUID7_TEXT}\Z")
_TIME_TEXT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"
_TIME_LINES = re.compile(rf"(?:{_TIME_TEXT}\n)*{_TIME_TEXT}\Z")
_STR_OR_NONE = frozenset((str, type(None)))


def _seal_columns(board: str, first: int, count: int, columns: dict[str, list]) -> tuple[list[dict], list[str]] | None:
    """check_fields for a whole batch at once, column by column (set and regex checks run in C), then the leaves.

    Stricter than check_fields, never looser: whatever it is unsure of (a value of another type, a time
    fromisoformat would take in another spelling) returns None, and _seal_each decides record by record.
    This is the hub's hot path (bench/drain.py); tests/protocol/test_records.py checks both agree.
    """
    ids, kinds, times = columns["id"], columns["kind"], columns["at"]
    class_ids, initiators, durations, datas = (columns["class_id"], columns["initiator"], columns["duration_s"],
                                               columns["data"])
    try:
        if not (_UUID7_LINES.match("\n".join(ids)) and _TIME_LINES.match("\n".join(times))
                and set(kinds) <= _KIND_SET and set(initiators) <= _INITIATOR_SET
                and set(map(type, class_ids)) <= _STR_OR_NONE and set(map(type, durations)) == {int}
                and 0 <= min(durations) and max(durations) <= 86_400 and set(map(type, datas)) == {dict}):
            return None
        for text in times:
            datetime.fromisoformat(text[:23])
    except (TypeError, ValueError):  # a non-string id or time, an unhashable kind, an impossible date
        return None
    out, texts = [], []
    for i in range(count):
        rec = {"id": ids[i], "kind": kinds[i], "at": times[i], "class_id": class_ids[i], "initiator": initiators[i],
               "duration_s": durations[i], "data": datas[i], "board_id": board, "seq": first + i}
        try:
            data = canonical_bytes(rec["data"])
            rec["hash"] = leaf_hash(_checked_leaf_bytes(rec, data)).hex()
        except (CanonicalError, RecordError, UnicodeEncodeError):
            return None
        if len(data) > MAX_DATA_BYTES:
            return None
        out.append(rec)
        texts.append(data.decode("utf-8"))
    return out, texts
