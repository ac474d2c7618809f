"""Nothing lost, nothing counted twice: SIGKILLs at random points, and a hostile network."""
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sync.conftest import board_for
from tests.sync.faultproxy import FaultProxy

pytestmark = pytest.mark.integration
CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]


def board_records(data_dir: Path) -> list[tuple[str, int]]:
    import sqlite3
    conn = sqlite3.connect(data_dir / "board.sqlite3")
    try:
        return conn.execute("SELECT id, seq FROM usagerecord ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path, hub_server):
    data = tmp_path / "crashing-board"
    rng = random.Random(20261124)
    kills = 0
    for _ in range(100):
        child = subprocess.Popen([sys.executable, str(CHILD), str(data), hub_server.url, hub_server.token, "1000"],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.25, 0.9))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        child.wait(10)
    assert kills >= 90
    finish = subprocess.run([sys.executable, str(CHILD), str(data), hub_server.url, hub_server.token, "40"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "done" in finish.stdout, finish.stderr[-2000:]
    local = board_records(data)
    from edge.board import board_id_for  # the child's board id comes from its key
    from protocol.keys import load_private, public_raw
    key = load_private(data / "board_key.pem")
    board_id = board_id_for(public_raw(key))
    chain = hub_server.verify_log(board_id, key.public_key())
    assert [r["id"] for r in chain] == [rid for rid, _ in local]  # every record, once, in order
    assert [r["seq"] for r in chain] == list(range(1, len(local) + 1))


def test_faulty_network_still_delivers_every_record_once(tmp_path, hub_server):
    proxy = FaultProxy(hub_server.port, seed=7, fault_rate=0.5)
    try:
        from tests.conftest import make_config
        from edge.board import Board
        from edge.services.usage import Activity
        from edge.sync.service import SyncService

        board = Board(make_config(tmp_path / "b", hub__url=f"http://127.0.0.1:{proxy.port}",
                                  hub__enrollment_token=hub_server.token, hub__room="R101", hub__batch_size="50"))
        sync = SyncService(board)
        board.usage.record_many([Activity("interaction", "student", "C101", 90, {"n": i}) for i in range(600)])
        deadline = time.monotonic() + 90
        for _ in range(300):
            if time.monotonic() > deadline:
                break
            try:
                sync.cycle(max_batches=2)
            except Exception:
                pass
            if board.usage.outbox_depth() == 0 and len(hub_server.records(board.id)) == 600:
                break
        assert board.usage.outbox_depth() == 0
        chain = hub_server.verify_log(board.id, board.key.public_key())
        assert [r["seq"] for r in chain] == list(range(1, 601))
        assert sum(v for k, v in proxy.counts.items() if k != "pass") >= 10  # the faults really happened
        board.stop()
    finally:
        proxy.close()
