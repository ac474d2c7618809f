"""A hostile network between a board and its hub: every fault kind fires, and every record arrives once."""
from __future__ import annotations

import time

import pytest

from tests.reliability.faultproxy import FAULTS, FaultProxy
from tests.reliability.harness import Journal, board_id_of, board_key, exactly_once, hub_log, log_problems, \
    report, seed_hub, HubRunner

pytestmark = [pytest.mark.integration, pytest.mark.slow]
EACH_AT_LEAST = 4
READ_TIMEOUT = 1.5


def test_every_network_fault_fires_and_each_acknowledged_record_arrives_once(tmp_path, school):
    from tests.reliability.children import board_writer, forkserver

    data = tmp_path / "hub" / "data"
    db_url = f"sqlite:///{data / 'hub.sqlite3'}"
    token = seed_hub(data, db_url, school)
    hub = HubRunner(data, db_url)
    hub.start()
    proxy = FaultProxy(hub.port, seed=20261201, client_timeout=READ_TIMEOUT)
    board_dir, journal, stop = tmp_path / "board" / "data", tmp_path / "journal", tmp_path / "stop"
    board_dir.parent.mkdir()
    writer = forkserver().Process(target=board_writer, args=(str(board_dir), f"http://127.0.0.1:{proxy.port}",
                                                             token, str(journal), 0),
                                  kwargs={"stop_file": str(stop), "read_timeout": READ_TIMEOUT, "pace_s": 0.005,
                                          "max_backlog": 40})
    try:
        writer.start()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and writer.is_alive():
            if proxy.fired_at_least(EACH_AT_LEAST) and proxy.retries_acked_again >= EACH_AT_LEAST:
                break
            time.sleep(0.2)
        stop.touch()  # the writer stops writing and drains its outbox through the same hostile proxy
        writer.join(180)
        assert writer.exitcode == 0, "the board could not drain its outbox through the proxy"
    finally:
        if writer.is_alive():
            writer.kill()
        proxy.close()
        hub.stop()

    fired = proxy.summary()["fired"]
    assert all(fired[kind] >= EACH_AT_LEAST for kind in FAULTS), fired
    assert proxy.retries_acked_again >= EACH_AT_LEAST  # batches the hub had committed really came again
    rows, checkpoints = hub_log(db_url, board_id_of(board_dir))
    verdict = exactly_once(Journal.read(journal), rows)
    assert verdict.acknowledged > 50
    assert (verdict.lost, verdict.duplicates, verdict.strays, verdict.out_of_order) == (0, 0, 0, 0)
    assert verdict.held == verdict.acknowledged  # nobody was killed: nothing may be in flight
    assert log_problems(rows, board_key(board_dir).public_key(), checkpoints) == []
    report("network_faults", {"fired": fired, "uploads": proxy.uploads,
                              "retries_of_committed_batches": proxy.retries_acked_again} | verdict.as_json())
