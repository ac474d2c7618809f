"""Both sides SIGKILLed at random points, the hub also inside its ingest transactions, on SQLite and PostgreSQL:
every record acknowledged to its caller reaches the hub exactly once, in order, and the hub's copy verifies."""
from __future__ import annotations

import random
import threading
import time

import pytest

from hub.db import TEST_PAUSE_ENV, TEST_TRACE_ENV
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.harness import HubRunner, Journal, board_id_of, board_key, exactly_once, hub_log, \
    killed_inside_transaction, log_problems, report, seed_hub, write_trace

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BOARD_KILLS, HUB_KILLS = 100, 50


@pytest.fixture(scope="module")
def postgres():
    from tests.pgserver import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_sigkill_of_board_and_hub_at_random_points_loses_and_doubles_nothing(tmp_path, school, request, database):
    from tests.reliability.children import board_writer, forkserver

    data = tmp_path / "hub" / "data"
    if database == "sqlite":
        db_url = f"sqlite:///{data / 'hub.sqlite3'}"
    else:
        db_url = request.getfixturevalue("postgres").fresh_database(f"kills_{int(time.time() * 1000)}")
    started = time.monotonic()
    token = seed_hub(data, db_url, school)
    trace = tmp_path / "write-trace"
    # the hub sleeps 40 ms inside every ingest transaction, after its writes and before its commit
    hub = HubRunner(data, db_url, env={TEST_PAUSE_ENV: "0.04", TEST_TRACE_ENV: str(trace)})
    hub.start()
    proxy = FaultProxy(hub.port, faults=())  # no faults: it only counts retries of batches already committed
    board_dir, journal, stop = tmp_path / "board" / "data", tmp_path / "journal", tmp_path / "stop"
    board_dir.parent.mkdir()
    rng = random.Random(f"kills-{database}")
    ctx, url = forkserver(), f"http://127.0.0.1:{proxy.port}"
    life, board = 0, None
    board_kills = hub_kills = board_kills_after_writes = hub_kills_mid_transaction = hub_kills_after_commits = 0

    def start_board():
        nonlocal board
        board = ctx.Process(target=board_writer, args=(str(board_dir), url, token, str(journal), life),
                            kwargs={"stop_file": str(stop)}, daemon=True)
        board.start()

    def kill_hub_now_and_then() -> None:  # its own thread: hub kills overlap the board's
        nonlocal hub_kills, hub_kills_mid_transaction, hub_kills_after_commits
        while hub_kills < HUB_KILLS and time.monotonic() < deadline and not stop.exists():
            pid = hub.proc.pid
            if hub_rng.random() < 0.5:  # aimed: wait until this hub committed a batch and is inside another
                until = time.monotonic() + 5
                while time.monotonic() < until:
                    seen = write_trace(trace)
                    if seen[("committed", pid)] and killed_inside_transaction(seen, pid):
                        break
                    time.sleep(0.002)
            else:
                time.sleep(hub_rng.uniform(0.05, 0.5))
            hub.kill()
            hub_kills += 1
            seen = write_trace(trace)
            hub_kills_mid_transaction += killed_inside_transaction(seen, pid)
            hub_kills_after_commits += seen[("committed", pid)] > 0
            hub.start(wait=hub_rng.random() < 0.5)

    hub_rng = random.Random(f"hub-kills-{database}")
    deadline = time.monotonic() + 240
    killer = threading.Thread(target=kill_hub_now_and_then, daemon=True)
    try:
        start_board()
        killer.start()
        while board_kills < BOARD_KILLS and time.monotonic() < deadline:
            aim = rng.random()
            if aim < 0.3:  # aimed: right after the hub committed a batch, before the board heard (a retry follows)
                committed = sum(n for (word, _), n in write_trace(trace).items() if word == "committed")
                until = time.monotonic() + 3
                while time.monotonic() < until and sum(
                        n for (word, _), n in write_trace(trace).items() if word == "committed") == committed:
                    time.sleep(0.001)
            else:
                if aim < 0.8:  # after this life acknowledged a record; the rest anywhere, starting up included
                    until = time.monotonic() + 5
                    while time.monotonic() < until and Journal.read(journal).done_in(life) == 0:
                        time.sleep(0.01)
                time.sleep(rng.uniform(0.01, 0.2))
            board.kill()
            board.join(10)
            board_kills += 1
            board_kills_after_writes += Journal.read(journal).done_in(life) > 0
            life += 1
            start_board()
        killer.join(max(1.0, deadline - time.monotonic()))
        stop.touch()  # no more kills: the last board drains its outbox
        board.join(180)
        assert board.exitcode == 0, "the board could not drain its outbox after the kills"
    finally:
        if board is not None and board.is_alive():
            board.kill()
        proxy.close()
        hub.stop()

    figures = {"board_kills": board_kills, "hub_kills": hub_kills, "board_kills_after_writes": board_kills_after_writes,
               "hub_kills_inside_ingest_transaction": hub_kills_mid_transaction,
               "hub_kills_after_commits": hub_kills_after_commits,
               "retries_of_committed_batches": proxy.retries_acked_again, "uploads": proxy.uploads}
    assert (board_kills, hub_kills) == (BOARD_KILLS, HUB_KILLS), figures
    assert board_kills_after_writes >= BOARD_KILLS * 0.7, figures  # kills landed after records were acknowledged
    assert hub_kills_mid_transaction >= HUB_KILLS * 0.2, figures  # inside ingest transactions, proved by the hook's trace
    assert hub_kills_after_commits >= HUB_KILLS * 0.2, figures  # and after that hub had committed batches
    assert proxy.retries_acked_again >= 5, figures  # batches the hub had committed came again and were acked again
    rows, checkpoints = hub_log(db_url, board_id_of(board_dir))
    verdict = exactly_once(Journal.read(journal), rows)
    assert (verdict.lost, verdict.duplicates, verdict.strays, verdict.out_of_order) == (0, 0, 0, 0)
    assert verdict.in_flight_kept <= board_kills  # at most the one record in flight at each kill, each once
    assert verdict.acknowledged >= 500
    assert log_problems(rows, board_key(board_dir).public_key(), checkpoints) == []
    report(f"kills_{database}", {"seconds": round(time.monotonic() - started)} | figures | verdict.as_json())
