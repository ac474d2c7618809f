import gzip
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocol.canonical import CanonicalError, canonical_bytes
from protocol.keys import generate_keypair
from protocol.memlog import MemoryLog
from protocol.merkle import leaf_hash
from protocol.records import RecordError, decode_batch, encode_batch, format_time, leaf_bytes, seal, uuid7

KEY = generate_keypair()


def log_of(n: int, board: str = "cb-test") -> MemoryLog:
    log = MemoryLog(board, KEY)
    for seq in range(1, n + 1):
        log.add("checkin", format_time(datetime(2026, 11, 24, 1, 0, seq % 60, tzinfo=timezone.utc)),
                initiator="student", class_id="C101", data={"n": seq})
    return log


def test_a_record_is_an_rfc9162_leaf_of_its_canonical_fields():
    rec = log_of(1).records[0]
    fields = {k: rec[k] for k in rec if k != "hash"}
    assert rec["hash"] == leaf_hash(canonical_bytes(fields)).hex()
    assert leaf_bytes(rec) == canonical_bytes(fields)
    assert "sig" not in rec and "prev" not in rec


def test_any_change_to_a_field_changes_the_leaf():
    rec = log_of(1).records[0]
    for field, value in (("seq", 2), ("kind", "interaction"), ("class_id", "C102"), ("duration_s", 5),
                         ("data", {"n": 2}), ("board_id", "cb-other"), ("initiator", "staff")):
        assert seal({k: rec[k] for k in rec if k != "hash"} | {field: value})["hash"] != rec["hash"], field


def test_batch_round_trip_restores_every_field_and_the_checkpoint():
    log = log_of(50)
    text = log.checkpoint()
    records, checkpoint = decode_batch(encode_batch(log.records, text))
    assert records == log.records and checkpoint == text
    assert checkpoint.startswith("classboard/board/cb-test\n50\n")


def test_a_batch_must_be_one_stretch_of_the_log():
    log = log_of(5)
    with pytest.raises(RecordError, match="consecutive"):
        encode_batch([log.records[0], log.records[2]], log.checkpoint())


def test_uuid7_is_version_7_and_time_ordered():
    import uuid
    a, b = uuid7(1_700_000_000_000), uuid7(1_700_000_000_001)
    assert uuid.UUID(a).version == 7 and a < b


def _batch(**overrides) -> bytes:
    body = {"v": 2, "board_id": "b", "first_seq": 1, "count": 1, "checkpoint": "x",
            "columns": {f: ["?"] for f in ("id", "kind", "at", "class_id", "initiator", "duration_s", "data")}}
    body.update(overrides)
    return gzip.compress(json.dumps(body).encode())


@pytest.mark.parametrize("payload,reason", [
    (b"", "gzip"), (b"not gzip", "gzip"), (gzip.compress(b"[]"), "v=2"),
    (gzip.compress(b'{"v":1,"records":[]}'), "v=2"),
    (_batch(count=0), "1 to"), (_batch(first_seq=0), "first_seq"), (_batch(checkpoint=None), "checkpoint"),
    (_batch(count=2), "columns.id"), (_batch(), "UUIDv7"),
    (gzip.compress(b"\x00" * (17 * 1024 * 1024)), "expands"),
])
def test_malformed_batches_are_refused_clearly(payload, reason):
    with pytest.raises(RecordError, match=reason):
        decode_batch(payload)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_garbage_never_raises_anything_but_record_error(blob):
    with pytest.raises(RecordError):
        decode_batch(blob)


json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**53 + 1, 2**53 - 1) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_canonical_bytes_ignore_key_order_and_round_trip(value):
    reordered = dict(reversed(list(value.items())))
    assert canonical_bytes(value) == canonical_bytes(reordered)
    assert json.loads(canonical_bytes(value)) == value


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_bytes_are_the_sorted_compact_json_of_the_standard_encoder(value):
    """The fast path (a C encoder built once, no path strings) writes what json.dumps writes with JCS's options."""
    expected = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    assert canonical_bytes(value) == expected.encode("utf-8")


@pytest.mark.parametrize("value,path", [({"a": [1, {"b": 0.5}]}, r"\$\.a\[1\]\.b"), ([{"x": 2**60}], r"\$\[0\]\.x"),
                                        ({1: "k"}, "keys must be strings"), ({"s": {1, 2}}, r"\$\.s: set")])
def test_values_json_cannot_hold_canonically_are_refused_with_their_path(value, path):
    with pytest.raises(CanonicalError, match=path):
        canonical_bytes(value)


def test_floats_are_refused_with_a_path():
    with pytest.raises(CanonicalError, match=r"\$\.data\.t"):
        canonical_bytes({"data": {"t": 21.5}})


texts = st.text(min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(board=texts, class_id=st.none() | texts, data=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
       seq=st.integers(1, 2**53 - 1), duration=st.integers(0, 86_400))
def test_the_fast_sealing_path_hashes_exactly_the_canonical_bytes(board, class_id, data, seq, duration):
    fields = {"id": uuid7(), "board_id": board, "seq": seq, "kind": "interaction", "at": "2026-11-24T01:02:03.004Z",
              "class_id": class_id, "initiator": "student", "duration_s": duration, "data": data}
    try:
        sealed = seal(fields)
    except RecordError:
        with pytest.raises((CanonicalError, UnicodeEncodeError, RecordError)):
            from protocol.records import check_fields
            check_fields(fields)
            leaf_bytes(fields)
        return
    assert sealed["hash"] == leaf_hash(canonical_bytes(fields)).hex()


def test_uuid7_carries_its_millisecond_version_variant_and_74_random_bits():
    import uuid
    ms = 0x0190_A5B6_C7D8
    assert uuid7(ms, bytes(10)) == "0190a5b6-c7d8-7000-8000-000000000000"
    assert uuid7(ms, b"\xff" * 10) == "0190a5b6-c7d8-7fff-bfff-ffffffffffff"
    made = uuid.UUID(uuid7(ms, bytes(range(10))))
    assert made.int >> 80 == ms and made.version == 7 and made.variant == uuid.RFC_4122


def test_uuid7_text_is_what_the_uuid_module_writes():
    import uuid
    for _ in range(100):
        text = uuid7()
        assert str(uuid.UUID(text)) == text and uuid.UUID(text).version == 7


def test_the_schemas_describe_what_the_code_writes(tmp_path):
    """record, batch and witness schemas against real records, a real batch body and a real witness export."""
    import zlib

    from jsonschema import Draft202012Validator

    from protocol.bundle import schema

    log = log_of(3)
    record = Draft202012Validator(schema("record"))
    for rec in log.records:
        assert not list(record.iter_errors({k: v for k, v in rec.items() if k != "hash"}))
    assert list(record.iter_errors(dict(log.records[0], sig="x")))  # protocol 1's fields are gone
    body = json.loads(zlib.decompress(encode_batch(log.records, log.checkpoint()), 16 + zlib.MAX_WBITS))
    assert not list(Draft202012Validator(schema("batch")).iter_errors(body))
    from hub.witness.registry import Registry as Witness
    from protocol.keys import public_text
    witness = Witness(tmp_path / "w.sqlite3")
    witness.register("cb-test", public_text(KEY), "school", "2026-09-01T00:00:00Z")
    witness.add_checkpoint("cb-test", log.checkpoint(), 0, [])
    assert not list(Draft202012Validator(schema("witness")).iter_errors(witness.export()))
    witness.close()


def _columns(records: list[dict]) -> dict[str, list]:
    return {f: [r[f] for r in records] for f in ("id", "kind", "at", "class_id", "initiator", "duration_s", "data")}


def test_the_column_checks_seal_exactly_as_the_record_checks():
    from protocol.records import _seal_columns, _seal_each
    log = log_of(40)
    log.add("attendance.session", format_time(datetime(2026, 11, 24, 2, tzinfo=timezone.utc)), class_id=None,
            duration_s=86_400, data={"名单": ["S1", {"late": True, "n": None}], "k": -(2**53 - 1)})
    columns = _columns(log.records)
    fast = _seal_columns("cb-test", 1, len(log.records), columns)
    assert fast is not None and fast == _seal_each("cb-test", 1, len(log.records), columns)
    assert fast[0] == log.records


@pytest.mark.parametrize("field,value,reason", [
    ("id", "0190A000-0000-7000-8000-000000000000", "UUIDv7"), ("id", 7, "UUIDv7"),
    ("kind", "nap", "kind"), ("kind", ["checkin"], "kind"), ("initiator", "robot", "initiator"),
    ("class_id", 101, "class_id"), ("duration_s", True, "duration_s"), ("duration_s", 86_401, "duration_s"),
    ("duration_s", 1.0, "duration_s"), ("at", "2026-13-24T01:00:00.000Z", "valid date"),
    ("at", "2026-11-24 01:00:00.000Z", "RFC 3339"), ("data", {"x": 0.5}, "floats"), ("data", [], "object"),
    ("data", {"x": "y" * 3000}, "larger than"), ("data", {"x": 2**60}, "interoperable"),
])
def test_a_bad_value_anywhere_leaves_the_column_checks_to_the_record_checks(field, value, reason):
    from protocol.records import _seal_columns
    log = log_of(6)
    records = [dict(r) for r in log.records]
    records[4][field] = value
    assert _seal_columns("cb-test", 1, 6, _columns(records)) is None
    body = {"v": 2, "board_id": "cb-test", "first_seq": 1, "count": 6, "checkpoint": "x", "columns": _columns(records)}
    with pytest.raises(RecordError, match=rf"records\[4\]: .*{reason}"):
        decode_batch(gzip.compress(json.dumps(body).encode()))


def test_a_time_only_the_record_checks_take_is_still_taken():
    """ISO week dates pass parse_time (fromisoformat): the column check must not refuse what the hub took before."""
    from protocol.records import _seal_columns, _seal_each
    records = [dict(r) for r in log_of(3).records]
    records[1]["at"] = "2026-W48-2T01:00:00.000Z"
    assert _seal_columns("cb-test", 1, 3, _columns(records)) is None
    assert _seal_each("cb-test", 1, 3, _columns(records))[0][1]["at"] == "2026-W48-2T01:00:00.000Z"


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
       st.sampled_from([0, 8 * 60, -5 * 60, 5 * 60 + 45]))
def test_format_time_is_utc_with_milliseconds_whatever_the_zone(moment, offset_min):
    from datetime import timedelta
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset_min)))
    utc = aware.astimezone(timezone.utc).replace(tzinfo=None)
    assert format_time(aware) == utc.isoformat(timespec="milliseconds") + "Z"
    with pytest.raises(RecordError):
        format_time(moment)
