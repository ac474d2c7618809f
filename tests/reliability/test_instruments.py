"""The instruments of the reliability suite can fail: the verdict sees losses, doubles and disorder, and the
power-cut VFS really loses what was not synced (a commit without fsync is gone, one with fsync stays)."""
from __future__ import annotations

import pytest

from tests.reliability.harness import Journal, exactly_once
from tests.reliability.powercut import PowerCut, apsw_factory


def _journal(n: int) -> Journal:
    journal = Journal()
    for i in range(n):
        journal.begun.add((0, i))
        journal.done[(0, i)] = f"id-{i}"
    return journal


def _rows(keys):
    return [{"id": f"id-{i}", "data": {"life": 0, "i": i}} for i in keys]


def test_the_verdict_names_lost_doubled_stray_and_reordered_records():
    journal = _journal(5)
    assert vars(exactly_once(journal, _rows(range(5)))) == {
        "acknowledged": 5, "held": 5, "duplicates": 0, "lost": 0, "in_flight_kept": 0, "strays": 0,
        "out_of_order": 0}
    assert exactly_once(journal, _rows([0, 1, 3, 4])).lost == 1
    assert exactly_once(journal, _rows([0, 1, 1, 2, 3, 4])).duplicates == 2  # the key and the id both repeat
    assert exactly_once(journal, _rows([0, 2, 1, 3, 4])).out_of_order == 1
    journal.begun.add((0, 5))  # begun, never acknowledged (the writer died): may be held, once
    assert exactly_once(journal, _rows(range(6))).in_flight_kept == 1
    assert exactly_once(journal, _rows(list(range(6)) + [9])).strays == 1


@pytest.mark.parametrize("synchronous, survives", [("off", False), ("full", True)])
def test_the_power_cut_loses_exactly_what_was_not_synced(tmp_path, synchronous, survives):
    vfs = PowerCut(f"powercut-instrument-{synchronous}")
    make = apsw_factory(vfs)
    db = make(tmp_path / "t.sqlite3", pragmas={"journal_mode": "wal", "synchronous": synchronous},
              thread_safe=False)
    db.execute_sql("CREATE TABLE t (x INTEGER)")
    vfs.arm(10**6)  # armed but far away: nothing is cut yet
    db.execute_sql("INSERT INTO t VALUES (1)")  # committed: synced only with synchronous=full
    vfs.fuse = 1
    with pytest.raises(Exception):
        db.execute_sql("INSERT INTO t VALUES (2)")  # the power goes during this write
    try:
        db._state.conn.close(True)
    except Exception:
        pass
    db._state.reset()
    vfs.reboot()
    again = make(tmp_path / "t.sqlite3", pragmas={"journal_mode": "wal"}, thread_safe=False)
    if survives:
        assert again.execute_sql("SELECT x FROM t").fetchall() == [(1,)]
    else:  # nothing was ever synced: not even the table survived
        assert again.execute_sql("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone() == (0,)
    assert again.execute_sql("PRAGMA quick_check").fetchone() == ("ok",)
    again._state.conn.close(True)
    again._state.reset()
