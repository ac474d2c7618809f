"""Power cuts: every write not yet synced is lost at a random instant, 200 times on the board's store and 200 times
on a SQLite hub. After each cut the store opens, passes quick_check, its log verifies, and nothing that was
acknowledged before the cut is missing; at the end every acknowledged record is on the hub exactly once."""
from __future__ import annotations

import os
import random
import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.reliability.harness import GrowingLog, Journal, exactly_once, hub_checkpoints, hub_log, log_problems, \
    report
from edge.sync.service import SyncService
from tests.reliability.powercut import PowerCut, apsw_factory

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CUTS = int(os.environ.get("CLASSBOARD_POWER_CUTS", "200"))  # fewer for a quick look while working


class HubThread:
    """A hub app served from a thread on 127.0.0.1; ``swap`` puts a rebooted app behind the same port."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, lambda env, start: self.app(env, start), threaded=False)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def start_hub(data_dir, school):
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.enrollment import create_token
    from hub.school import replace_school

    app = create_app(HubConfig(data_dir=data_dir))
    replace_school(school)
    return app, create_token()


def make_board(data_dir, hub_url, token):
    from edge.board import Board
    from tests.conftest import make_config

    return Board(make_config(data_dir, hub__url=hub_url, hub__enrollment_token=token, hub__room="R101",
                             hub__batch_size="7"))


def pull_the_plug(db) -> None:
    """Close a peewee database's connection whatever state the cut left it in (no checkpoint can succeed)."""
    conn = getattr(db._state, "conn", None)
    if conn is not None:
        try:
            conn.close(True)
        except Exception:
            pass
    db._state.reset()


def open_handles(folder) -> list[str]:
    """This process's open handles on the store's database and WAL files (the -shm index is SQLite's own)."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)) and not target.endswith("-shm"):
            names.append(target)
    return names


def board_log(board) -> list[dict]:
    from edge.services.usage import as_wire
    from edge.store import models as m

    return [as_wire(r, board.id) for r in m.UsageRecord.select().order_by(m.UsageRecord.seq)]


def board_checkpoints() -> list[str]:
    from edge.store import models as m

    return [row.text for row in m.LogCheckpoint.select(m.LogCheckpoint.text).order_by(m.LogCheckpoint.size)]


def acked_by_hub(board) -> set[str]:
    """Records the board no longer keeps in its outbox: the hub acknowledged them."""
    from edge.store import models as m

    waiting = {o.record_id for o in m.Outbox.select(m.Outbox.record)}
    return {r.id for r in m.UsageRecord.select(m.UsageRecord.id)} - waiting


def write_until_the_cut(board, journal: Journal, life: int, vfs_dead, every: int = 3, limit: int = 400) -> None:
    sync = SyncService(board)
    for i in range(limit):
        if vfs_dead():
            return
        journal.begun.add((life, i))
        try:
            record = board.usage.record("checkin", initiator="student", class_id="C101", data={"life": life, "i": i})
        except Exception:
            return
        journal.done[(life, i)] = record.id
        if i % every == every - 1:
            try:
                sync.cycle(max_batches=2)
            except Exception:
                pass


def test_power_cut_on_the_board_store_loses_nothing_acknowledged(tmp_path, school, monkeypatch):
    import edge.store.db as store_db

    app, token = start_hub(tmp_path / "hub", school)  # the hub runs on ordinary SQLite here
    hub = HubThread(app)
    vfs = PowerCut("powercut-board")
    monkeypatch.setattr(store_db, "SqliteDatabase", apsw_factory(vfs))
    rng, journal, data = random.Random(20261201), Journal(), tmp_path / "board"
    opened_clean = checked = 0
    started = time.monotonic()
    try:
        board = make_board(data, hub.url, token)  # enrolled with its bundle before the cuts begin
        SyncService(board).cycle()
        log = GrowingLog(board.key.public_key(), newest_covers_all=False)
        pull_the_plug(board.db)
        for life in range(CUTS + 1):
            board = make_board(data, hub.url, token)  # the reboot: opens, checks and migrates the store
            opened_clean += board.opening.quarantined is None and not board.opening.problems
            assert board.db.execute_sql("PRAGMA quick_check").fetchone()[0] == "ok"
            records = board_log(board)
            held = {r["id"] for r in records}
            assert not [k for k, rid in journal.done.items() if rid not in held], "acknowledged records were lost"
            assert log.problems(records, board_checkpoints()) == []
            checked += 1
            if life == CUTS:
                break
            vfs.arm(rng.randint(1, 120))
            write_until_the_cut(board, journal, life, lambda: vfs.dead)
            assert vfs.dead, "the fuse never burnt down"
            pull_the_plug(board.db)
            vfs.unplug()
            vfs.reboot()
        for _ in range(50):  # power stays on: the board drains to the hub
            SyncService(board).cycle()
            if board.usage.outbox_depth() == 0:
                break
        assert board.usage.outbox_depth() == 0
        board_id, key = board.id, board.key
        pull_the_plug(board.db)
    finally:
        hub.stop()
        vfs.unplug()
    assert open_handles(data) == [], "the cuts left file handles open (each test run would leak hundreds)"
    assert (vfs.cuts, opened_clean, checked) == (CUTS, CUTS + 1, CUTS + 1)
    rows, checkpoints = hub_log(f"sqlite:///{tmp_path / 'hub' / 'hub.sqlite3'}", board_id)
    verdict = exactly_once(journal, rows)
    assert (verdict.lost, verdict.duplicates, verdict.strays, verdict.out_of_order) == (0, 0, 0, 0)
    assert verdict.acknowledged >= CUTS  # the cuts landed after writes, not only while opening
    assert log_problems(rows, key.public_key(), checkpoints) == []
    report("power_cuts_board", {"cuts": vfs.cuts, "store_opened_clean": opened_clean,
                                "seconds": round(time.monotonic() - started)} | verdict.as_json())


def test_power_cut_on_a_sqlite_hub_loses_nothing_it_acknowledged(tmp_path, school, monkeypatch):
    import hub.db as hub_db
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.models import database

    vfs = PowerCut("powercut-hub")
    make = apsw_factory(vfs)
    monkeypatch.setattr(hub_db, "connect", lambda url, pragmas=None, **kw: make(
        url[len("sqlite:///"):], pragmas=pragmas, thread_safe=False))
    app, token = start_hub(tmp_path / "hub", school)
    hub = HubThread(app)
    rng, journal, started = random.Random(20261202), Journal(), time.monotonic()
    board = make_board(tmp_path / "board", hub.url, token)  # the board runs on ordinary SQLite here
    checked, log = 0, GrowingLog(board.key.public_key())
    try:
        for life in range(CUTS + 1):
            assert database.execute_sql("PRAGMA quick_check").fetchone()[0] == "ok"
            from hub.report.source import wire_records
            records = list(wire_records(board.id))
            lost = acked_by_hub(board) - {r["id"] for r in records}
            assert not lost, f"after cut {life}: {len(lost)} records the hub had acknowledged are gone"
            assert log.problems(records, hub_checkpoints(board.id)) == []
            checked += 1
            if life == CUTS:
                break
            vfs.arm(rng.randint(1, 40))
            write_until_the_cut(board, journal, life, lambda: vfs.dead, every=2)
            assert vfs.dead, "the fuse never burnt down"
            pull_the_plug(database.obj)
            vfs.unplug()
            vfs.reboot()
            hub.app = create_app(HubConfig(data_dir=tmp_path / "hub"))  # the hub's reboot
        for _ in range(50):
            SyncService(board).cycle()
            if board.usage.outbox_depth() == 0:
                break
        assert board.usage.outbox_depth() == 0
        rows, checkpoints = list(wire_records(board.id)), hub_checkpoints(board.id)
    finally:
        hub.stop()
        board.stop()
        pull_the_plug(database.obj)
        vfs.unplug()
    assert (vfs.cuts, checked) == (CUTS, CUTS + 1)
    verdict = exactly_once(journal, rows)
    assert (verdict.lost, verdict.duplicates, verdict.strays, verdict.out_of_order) == (0, 0, 0, 0)
    assert verdict.held == verdict.acknowledged  # the board was never cut: nothing was in flight
    assert log_problems(rows, board.key.public_key(), checkpoints) == []
    report("power_cuts_hub_sqlite", {"cuts": vfs.cuts, "seconds": round(time.monotonic() - started)}
           | verdict.as_json())
