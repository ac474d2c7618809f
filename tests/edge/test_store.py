import os

import pytest

from edge.store import StoreError, open_store
from edge.store.migrations import SCHEMA_VERSION, SchemaTooNew


def test_store_pragmas_and_schema(tmp_path):
    db, opening = open_store(tmp_path)
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert opening.problems == []
    db.close()
    db, again = open_store(tmp_path)  # reopening migrates nothing and loses nothing
    assert again.schema_version == SCHEMA_VERSION
    db.close()


def test_corrupt_store_is_moved_aside_and_replaced(tmp_path):
    (tmp_path / "board.sqlite3").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    db, opening = open_store(tmp_path)
    assert opening.quarantined is not None and opening.quarantined.exists()
    assert "integrity check" in opening.problems[0] and "re-sync" in opening.problems[0]
    assert db.execute_sql("PRAGMA quick_check").fetchone()[0] == "ok"
    db.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only directories")
def test_read_only_data_dir_is_a_clear_error(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            open_store(tmp_path)
    finally:
        tmp_path.chmod(0o700)


def test_data_dir_that_is_a_file(tmp_path):
    target = tmp_path / "data"
    target.write_text("not a directory")
    with pytest.raises(StoreError, match="data"):
        open_store(target)


def test_store_from_newer_software_is_refused(tmp_path):
    db, _ = open_store(tmp_path)
    db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(SchemaTooNew, match="newer"):
        open_store(tmp_path)


def test_v1_store_migrates_forward_keeping_rows(tmp_path):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "board.sqlite3")
    conn.execute("CREATE TABLE sensorreading (id INTEGER PRIMARY KEY, at DATETIME, sensor TEXT, quantity TEXT, "
                 "value REAL, status TEXT)")
    conn.execute("INSERT INTO sensorreading (at, sensor, quantity, value, status) "
                 "VALUES ('2026-11-01 00:00:00', 'bme280', 'temperature_c', 21.5, 'ok')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db, opening = open_store(tmp_path)
    from edge.store import models as m
    row = m.SensorReading.get()
    assert (row.value, row.span_s) == (21.5, 0) and opening.schema_version == SCHEMA_VERSION
    db.close()
