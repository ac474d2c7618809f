"""Time bounds from checkpoints: what an append-only log says about when each record was written."""
from datetime import datetime, timedelta, timezone

import pytest

from protocol.checkpoint import CheckpointError, parse_checkpoint, verify_checkpoint
from protocol.keys import generate_keypair
from protocol.memlog import MemoryLog
from protocol.records import format_time
from protocol.timebounds import CLOCK_TOLERANCE, ordered, record_times, time_bound_problems

DAY1 = datetime(2026, 10, 12, 8, 0, tzinfo=timezone.utc)


def _log(days: int = 3, per_day: int = 2) -> tuple[MemoryLog, list]:
    """A board that writes ``per_day`` records each morning and signs its whole log each evening."""
    log, points = MemoryLog("cb-t", generate_keypair()), []
    for d in range(days):
        for i in range(per_day):
            log.add("checkin", format_time(DAY1 + timedelta(days=d, minutes=i)))
        points.append(parse_checkpoint(log.checkpoint(at=DAY1 + timedelta(days=d, hours=10)))[0])
    return log, points


def _problems(log: MemoryLog, points) -> list[str]:
    return time_bound_problems("cb-t", [record_times(r) for r in log.records], points)


def test_an_honest_log_is_within_every_bound():
    log, points = _log()
    assert _problems(log, points) == []


def test_a_record_added_days_later_with_an_old_date_is_backdated():
    log, points = _log()
    late = log.add("attendance.session", format_time(DAY1 + timedelta(hours=1)), duration_s=300)
    found = _problems(log, points)
    assert len(found) == 1 and f"seq {late['seq']}: backdated" in found[0]
    assert format_time(DAY1 + timedelta(hours=1)) in found[0]
    assert format_time(DAY1 + timedelta(days=2, hours=10)) in found[0]  # the latest checkpoint before it


def test_a_record_dated_after_a_checkpoint_that_held_it_is_forward_dated():
    log, _ = _log(days=0)
    log.add("checkin", format_time(DAY1))
    log.add("attendance.session", format_time(DAY1 + timedelta(days=5)))  # written in advance
    point = parse_checkpoint(log.checkpoint(at=DAY1 + timedelta(hours=1)))[0]
    found = _problems(log, [point])
    assert len(found) == 1 and "seq 2: forward-dated" in found[0] and "signed 2026-10-12T09:00:00.000Z" in found[0]


def test_the_clock_tolerance_and_a_sessions_length_are_allowed():
    log, points = _log(days=1)
    last = points[-1]
    started = DAY1 + timedelta(hours=9, minutes=30)  # a session begun before the evening checkpoint, ended after
    log.add("teacher.session", format_time(started), duration_s=3600)
    log.add("checkin", format_time(DAY1 + timedelta(hours=10) - CLOCK_TOLERANCE + timedelta(seconds=1)))
    assert _problems(log, [last]) == []
    log.add("checkin", format_time(DAY1 + timedelta(hours=10) - CLOCK_TOLERANCE - timedelta(seconds=1)))
    assert len(_problems(log, [last])) == 1


def test_a_checkpoint_signed_for_an_earlier_size_says_how_much_the_log_held():
    log, _ = _log(days=0)
    for i in range(5):
        log.add("checkin", format_time(DAY1 + timedelta(minutes=i)))
    text = log.checkpoint(3, at=DAY1 + timedelta(hours=1), held=5)
    point = verify_checkpoint(text, log.key.public_key(), "cb-t")
    assert point.size == 3 and point.log_held == 5 and "\nheld 5\n" in text
    assert _problems(log, [point]) == []  # seq 4 and 5 were in the log already: no "entered after" bound
    assert parse_checkpoint(log.checkpoint(3))[0].log_held == 3 and "held" not in log.checkpoint(3, held=3)
    with pytest.raises(CheckpointError, match="held"):
        parse_checkpoint(text.replace("held 5", "held 2"))


def test_the_witness_can_tell_a_checkpoint_signed_before_one_it_extends():
    _, points = _log()
    assert ordered(points[0], points[1]) and ordered(points[1], points[1])
    assert ordered(points[1], points[0])  # a smaller log signed earlier contradicts nothing
    log, _ = _log(days=1)
    early = parse_checkpoint(log.checkpoint(at=DAY1 + timedelta(days=3)))[0]
    log.add("checkin", format_time(DAY1 + timedelta(days=3, minutes=1)))
    turned_back = parse_checkpoint(log.checkpoint(at=DAY1))[0]  # more records, signed days earlier
    assert not ordered(early, turned_back)


def test_many_violations_are_counted_not_listed():
    log, points = _log(days=1)
    for i in range(30):
        log.add("checkin", format_time(DAY1 - timedelta(days=2, minutes=i)))
    found = _problems(log, points)
    assert len(found) == 21 and found[-1] == "board cb-t: 10 more records backdated"
