"""Teacher log-in: argon2 PIN hashes, lockout that doubles and survives a restart, sessions that end."""
from __future__ import annotations

from datetime import timedelta

import pytest

from edge.services.teacher_session import LockedOut, TeacherDesk, hash_pin
from edge.store import models as m


@pytest.fixture
def desk(board):
    teacher = m.Teacher.get_by_id("T001")
    teacher.pin_hash = hash_pin("2468")
    teacher.save()
    return board.teachers


def test_pin_hash_is_an_argon2id_phc_string():
    encoded = hash_pin("2468")
    assert encoded.startswith("$argon2id$") and "2468" not in encoded
    assert hash_pin("2468") != encoded  # salted


def test_right_pin_opens_a_session_wrong_pin_does_not(desk):
    assert desk.login_pin("1357") is None
    assert desk.login_pin("24a8") is None  # not digits: refused without hashing
    session = desk.login_pin("2468")
    assert session is not None and session.teacher_id == "T001" and session.method == "pin"
    assert desk.active() is session


def test_lockout_after_five_failures_doubles_and_survives_restart(desk, board, clock):
    for _ in range(5):
        assert desk.login_pin("0000") is None
    with pytest.raises(LockedOut) as locked:
        desk.login_pin("2468")  # even the right PIN waits
    assert locked.value.until - clock.now() == timedelta(minutes=1)
    again = TeacherDesk(clock, board.usage, "C101")  # a restarted board remembers the lock
    assert again.locked_until() == locked.value.until
    clock.advance(61)
    for _ in range(5):
        desk.login_pin("0000")
    assert desk.locked_until() - clock.now() == timedelta(minutes=2)
    clock.advance(121)
    assert desk.login_pin("2468") is not None  # success resets the count
    assert desk._state() == {"failures": 0, "until": None, "locks": 0}


def test_session_ends_on_logout_and_on_idle_with_a_usage_record(desk, clock):
    desk.login_pin("2468")
    clock.advance(90)
    desk.end()
    desk.login_pin("2468")
    desk.touch()
    clock.advance(desk.idle.total_seconds() + 1)
    assert desk.active() is None
    records = [r for r in m.UsageRecord.select() if r.kind == "teacher.session"]
    assert len(records) == 2
    assert sorted(r.duration_s for r in records) == [0, 90]  # idle time is not counted


def test_card_login(desk):
    session = desk.login_card(m.Teacher.get_by_id("T001"))
    assert session.method == "card" and desk.active() is session
