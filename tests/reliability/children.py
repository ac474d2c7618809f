"""The processes the reliability suite starts and kills: a board that writes and syncs, and a hub.

They run in processes forked from a multiprocessing *forkserver* that has
already imported the board and the hub, so that a hundred restarts cost
milliseconds each instead of a second of imports; each one is still a whole
process that a SIGKILL ends at any instruction.

The board keeps an independent journal of what its caller was told: a line
``begin LIFE I`` before ``board.usage.record(...)`` and ``done LIFE I ID``
only after it returned. The record's data carries ``life`` and ``i``, so the
hub's copy can be matched to the journal without trusting the board's tables.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

PRELOAD = ["edge.board", "edge.sync.service", "hub.app", "hub.cli", "waitress.server", "tests.reliability.children"]
_context = None


def forkserver():
    """The shared forkserver context; its server imports PRELOAD once."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _quiet(log_path: str) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def board_writer(data_dir: str, hub_url: str, token: str, journal: str, life: int, *, stop_file: str,
                 every: int = 3, batch_size: int = 5, read_timeout: float = 5.0, drain_s: float = 120.0,
                 max_records: int = 10**9, pace_s: float = 0.0, max_backlog: int = 10**9) -> None:
    """Record one activity at a time (journalled), sync every ``every`` records, until ``stop_file``
    exists; then drain the outbox and exit 0 (exit 3 if it could not drain in ``drain_s``)."""
    _quiet(str(Path(data_dir).parent / "board.log"))
    import edge.sync.client as client
    from edge.board import Board
    from edge.config import load_config
    from edge.sync.service import SyncService

    client.TIMEOUT = (2, read_timeout)  # the proxy's delay fault outlasts exactly this
    config = load_config(paths=[], env={
        "CLASSBOARD_BOARD__DATA_DIR": data_dir, "CLASSBOARD_HUB__URL": hub_url,
        "CLASSBOARD_HUB__ENROLLMENT_TOKEN": token, "CLASSBOARD_HUB__ROOM": "R101",
        "CLASSBOARD_HUB__BATCH_SIZE": str(batch_size)})
    board = Board(config)
    sync = SyncService(board)
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    i = 0
    while not os.path.exists(stop_file) and i < max_records:
        if board.usage.outbox_depth() > max_backlog:  # a slow hostile network: let uploads catch up first
            try:
                sync.cycle(max_batches=1)
            except Exception:
                time.sleep(0.01)
            continue
        os.write(fd, f"begin {life} {i}\n".encode())
        record = board.usage.record("checkin", initiator="student", class_id="C101", data={"life": life, "i": i})
        os.write(fd, f"done {life} {i} {record.id}\n".encode())
        i += 1
        if i % every == 0:
            try:
                sync.cycle(max_batches=1)
            except Exception:  # the hub may be down or the network hostile: go on, like the real loop
                pass
        if pace_s:
            time.sleep(pace_s)
    deadline = time.monotonic() + drain_s
    while time.monotonic() < deadline:
        try:
            sync.cycle(max_batches=50)
            if board.usage.outbox_depth() == 0:
                board.stop()
                os._exit(0)
        except Exception:
            time.sleep(0.1)
    os._exit(3)


def hub_server(data_dir: str, db_url: str, port: int, env: dict[str, str]) -> None:
    """The hub as ``classboard hub serve --plain-http`` runs it (the fault proxy speaks HTTP), with the test
    hook's variables in ``env``."""
    _quiet(str(Path(data_dir).parent / "hub.log"))
    os.environ.update(env)
    from hub.cli import serve

    serve.main(["--data", data_dir, "--db-url", db_url, "--port", str(port), "--threads", "4", "--plain-http"],
               standalone_mode=False)


if __name__ == "__main__":  # by hand: python -m tests.reliability.children DATA HUB_URL TOKEN JOURNAL STOP_FILE
    board_writer(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], 0, stop_file=sys.argv[5])
