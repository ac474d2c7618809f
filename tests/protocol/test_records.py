import copy
import gzip
import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocol.canonical import CanonicalError, canonical_bytes
from protocol.keys import generate_keypair
from protocol.records import (GENESIS, RecordError, decode_batch, encode_batch, format_time, seal, uuid7,
                              verify_chain, verify_record)

KEY = generate_keypair()


def chain(n: int, board: str = "cb-test"):
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        rec = seal({"id": uuid7(), "board_id": board, "seq": seq, "kind": "checkin",
                    "at": format_time(datetime(2026, 11, 24, 1, 0, seq % 60, tzinfo=timezone.utc)),
                    "class_id": "C101", "initiator": "student", "duration_s": 0, "data": {"n": seq}}, prev, KEY)
        prev = rec["hash"]
        out.append(rec)
    return out


def test_a_sealed_chain_verifies():
    report = verify_chain(chain(20), KEY.public_key())
    assert report.ok and report.records == 20


def test_deleted_altered_inserted_and_duplicated_records_are_named():
    recs = chain(10)
    deleted = recs[:4] + recs[5:]
    assert any("seq 5..5: deleted" in p for p in verify_chain(deleted, KEY.public_key()).problems)
    altered = copy.deepcopy(recs)
    altered[6]["data"] = {"n": 999}
    assert any("seq 7" in p and "altered" in p for p in verify_chain(altered, KEY.public_key()).problems)
    forger = generate_keypair()
    fake = seal({k: recs[3][k] for k in recs[3] if k not in ("hash", "sig", "prev")} | {"data": {"n": -1}},
                recs[2]["hash"], forger)
    inserted = recs[:3] + [fake] + recs[4:]
    problems = verify_chain(inserted, KEY.public_key()).problems
    assert any("seq 4" in p and "signature" in p for p in problems)
    assert any("seq 5" in p and "link" in p for p in problems)
    duplicated = recs + [recs[2]]
    assert any("duplicated" in p for p in verify_chain(duplicated, KEY.public_key()).problems)


def test_other_boards_key_does_not_verify():
    assert verify_record(chain(1)[0], generate_keypair().public_key())


def test_batch_round_trip_restores_every_field():
    recs = chain(50)
    assert decode_batch(encode_batch(recs)) == recs


def test_uuid7_is_version_7_and_time_ordered():
    import uuid
    a, b = uuid7(1_700_000_000_000), uuid7(1_700_000_000_001)
    assert uuid.UUID(a).version == 7 and a < b


@pytest.mark.parametrize("payload,reason", [
    (b"", "gzip"), (b"not gzip", "gzip"), (gzip.compress(b"[]"), "v=1"),
    (gzip.compress(b'{"v":1,"records":[]}'), "1 to"),
    (gzip.compress(json.dumps({"v": 1, "board_id": "b", "prev": GENESIS,
                               "records": [{"sig": "x", "seq": 1}]}).encode()), "missing"),
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


def test_floats_are_refused_with_a_path():
    with pytest.raises(CanonicalError, match=r"\$\.data\.t"):
        canonical_bytes({"data": {"t": 21.5}})
