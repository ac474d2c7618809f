"""The witness registry: append-only, one key per board, only consistent checkpoints; and the hub forwarding to it."""
import sqlite3
from datetime import datetime, timezone

import pytest
import requests

from protocol.keys import generate_keypair, public_text
from protocol.memlog import MemoryLog
from protocol.merkle import consistency_proof
from protocol.records import format_time

AT = format_time(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc))


def grown(log: MemoryLog, n: int) -> MemoryLog:
    for _ in range(n):
        log.add("teacher.session", AT, class_id="C101", duration_s=300)
    return log


@pytest.fixture
def registry(tmp_path):
    from hub.witness.registry import Registry

    reg = Registry(tmp_path / "w.sqlite3")
    yield reg
    reg.close()


def test_a_board_keeps_the_key_it_enrolled_with(registry):
    from hub.witness.registry import Refused

    key = public_text(generate_keypair())
    assert registry.register("cb-1", key, "school-1", "2026-09-01T00:00:00Z") is True
    assert registry.register("cb-1", key, "school-1", "2026-09-01T00:00:00Z") is False
    with pytest.raises(Refused, match="refusing another key") as refused:
        registry.register("cb-1", public_text(generate_keypair()), "school-1", "2026-12-01T00:00:00Z")
    assert refused.value.status == 409
    assert registry.entry("cb-1")["public_key"] == key


def test_the_registry_cannot_be_rewritten_even_with_sql(registry, tmp_path):
    registry.register("cb-1", public_text(generate_keypair()), "school-1", "2026-09-01T00:00:00Z")
    conn = sqlite3.connect(tmp_path / "w.sqlite3")
    for statement in ("UPDATE board SET public_key = 'x'", "DELETE FROM board"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
    conn.close()


def test_only_checkpoints_consistent_with_the_held_head_are_taken(registry):
    from hub.witness.registry import Refused

    key = generate_keypair()
    registry.register("cb-1", public_text(key), "school-1", "2026-09-01T00:00:00Z")
    log = grown(MemoryLog("cb-1", key), 5)
    assert registry.add_checkpoint("cb-1", log.checkpoint(), 0, []) is True
    assert registry.head("cb-1") == (5, log.root().hex())
    grown(log, 4)
    with pytest.raises(Refused, match="from the witness's head of 5") as wrong_size:
        registry.add_checkpoint("cb-1", log.checkpoint(), 3, [])
    assert wrong_size.value.extra == {"size": 5}
    proof = [p.hex() for p in consistency_proof(log.leaves, 5, 9)]
    assert registry.add_checkpoint("cb-1", log.checkpoint(), 5, proof) is True
    # the same key signing another history (a fork) is refused at a larger size and at the same size
    fork = grown(MemoryLog("cb-1", key), 12)
    with pytest.raises(Refused, match="not consistent"):
        registry.add_checkpoint("cb-1", fork.checkpoint(), 9, [p.hex() for p in consistency_proof(fork.leaves, 9)])
    with pytest.raises(Refused, match="forked"):
        registry.add_checkpoint("cb-1", fork.checkpoint(9), 9, [])
    # another board's checkpoint, or another key's, is not this board's
    other = generate_keypair()
    registry.register("cb-2", public_text(other), "school-1", "2026-09-01T00:00:00Z")
    with pytest.raises(Refused, match="not 'cb-2'"):
        registry.add_checkpoint("cb-2", log.checkpoint(), 0, [])
    with pytest.raises(Refused, match="no signature"):
        registry.add_checkpoint("cb-1", grown(MemoryLog("cb-1", other), 10).checkpoint(), 9, [])
    assert registry.head("cb-1") == (9, log.root().hex()) and len(registry.entry("cb-1")["checkpoints"]) == 2


def test_the_hub_forwards_enrollments_and_checkpoints_to_a_running_witness(hub_app, client, token, witness):
    from tests.hub.conftest import FakeBoard
    from tests.hub.test_bundle_and_records import upload

    hub_app.config["HUB"].witness_url = witness.url
    board = FakeBoard(client, "cb-witnessed")
    assert board.enroll(enrollment_token=token, room="R101").get_json()["status"] == "enrolled"
    entry = requests.get(f"{witness.url}/v1/boards/cb-witnessed", timeout=5).json()
    assert entry["public_key"] == public_text(board.key) and entry["checkpoints"] == []
    log = MemoryLog(board.id, board.key)
    for batch in (3, 4, 2):
        grown(log, batch)
        assert upload(board, log.records[-batch:], log.checkpoint()).status_code == 200
    held = requests.get(f"{witness.url}/v1/boards/cb-witnessed/head", timeout=5).json()
    assert held == {"size": 9, "root": log.root().hex()}
    from hub.models import BoardCheckpoint
    with hub_app.app_context():
        assert BoardCheckpoint.select().where(BoardCheckpoint.witnessed_at.is_null()).count() == 0
    # a hub that re-keys the board cannot get the new key past the witness
    answer = requests.post(f"{witness.url}/v1/boards", json={
        "board_id": "cb-witnessed", "public_key": public_text(generate_keypair()), "school": "x",
        "enrolled_at": "2026-12-01T00:00:00Z"}, timeout=5)
    assert answer.status_code == 409 and "refusing another key" in answer.json()["detail"]


def test_a_witness_that_is_away_delays_nothing_and_catches_up(hub_app, client, token, tmp_path):
    from tests.conftest import free_port
    from tests.hub.conftest import FakeBoard, WitnessProcess
    from tests.hub.test_bundle_and_records import upload

    port = free_port()
    hub_app.config["HUB"].witness_url = f"http://127.0.0.1:{port}"
    board = FakeBoard(client, "cb-patient")
    board.enroll(enrollment_token=token, room="R101")
    log = grown(MemoryLog(board.id, board.key), 3)
    assert upload(board, log.records, log.checkpoint()).status_code == 200  # witness down: stored anyway
    witness = WitnessProcess(tmp_path / "late-witness", port)
    try:
        grown(log, 2)
        assert upload(board, log.records[3:], log.checkpoint()).status_code == 200
        entry = requests.get(f"{witness.url}/v1/boards/cb-patient", timeout=5).json()
        assert [c.split("\n")[1] for c in entry["checkpoints"]] == ["3", "5"]
    finally:
        witness.stop()
