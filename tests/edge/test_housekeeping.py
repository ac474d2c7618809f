from datetime import datetime, timedelta

from peewee import OperationalError

from edge.store import models as m
from edge.store.housekeeping import ensure_space, write_or_make_room


def fill_history(n: int) -> None:
    base = datetime(2026, 11, 1)
    rows = [{"at": base + timedelta(minutes=i), "sensor": "scd4x", "quantity": "co2_ppm", "value": 400 + i % 50}
            for i in range(n)]
    for start in range(0, n, 1000):
        m.SensorReading.insert_many(rows[start:start + 1000]).execute()


def test_low_space_drops_oldest_sensor_history_only(board):
    fill_history(50_000)
    board.usage.record("attendance.session", initiator="teacher", class_id="C101")
    free = iter([0, 0, 10**12])
    assert ensure_space(board.db, board.config.data_path, min_free=1, free_bytes=lambda p: next(free))
    assert m.SensorReading.select().count() == 10_000
    oldest = m.SensorReading.select().order_by(m.SensorReading.at).first()
    assert oldest.at == datetime(2026, 11, 1) + timedelta(minutes=40_000)
    assert m.UsageRecord.select().count() == 1 and board.usage.outbox_depth() == 1


def test_nothing_left_to_drop_is_reported(board):
    assert not ensure_space(board.db, board.config.data_path, min_free=1, free_bytes=lambda p: 0)


def test_disk_full_write_is_retried_after_dropping_history(board):
    fill_history(10)
    calls = []

    def write():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database or disk is full")
        return "written"

    assert write_or_make_room(board.db, write) == "written"
    assert m.SensorReading.select().count() == 0
