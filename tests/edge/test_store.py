import os
import shutil
from pathlib import Path

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


def test_read_only_data_dir_is_a_clear_error():
    """Root writes into read-only directories, so as root the check runs in a forked child that became ``nobody``
    (imports done, it needs no file of the project); as anyone else it runs here."""
    import pwd
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="classboard-ro-"))  # in /tmp, so ``nobody`` can reach it
    target.chmod(0o555)
    try:
        if os.geteuid() != 0:
            with pytest.raises(StoreError, match="not writable"):
                open_store(target)
            return
        nobody = pwd.getpwnam("nobody")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop to nobody, try, say what happened, and leave without pytest's cleanup
            os.close(read)
            try:
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
                open_store(target)
                outcome = "opened"
            except StoreError as exc:
                outcome = f"StoreError: {exc}"
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
                outcome = f"{type(exc).__name__}: {exc}"
            os.write(write, outcome.encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            outcome = pipe.read()
        os.waitpid(pid, 0)
        assert outcome.startswith("StoreError") and "not writable" in outcome, outcome
        assert list(target.iterdir()) == []  # and nothing was written
    finally:
        target.chmod(0o700)
        shutil.rmtree(target)


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
