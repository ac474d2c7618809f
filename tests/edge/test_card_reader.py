"""The board's reader thread: taps from each backend reach the check-in and the student's corner; unplugging is survived."""
from __future__ import annotations

import errno
import os
import time

import pytest

from drivers.cardreader import EvdevReader, SimulatedReader, create_card_reader
from edge.card_reader import CardTaps, handle_tap
from edge.checkin import card_hash
from edge.store import models as m
from tests.drivers.reader_replay import RecordedDevice, load_evtest


def give_card(board, uid: str, student_id: str = "S1001") -> m.Student:
    student = m.Student.get_by_id(student_id)
    student.card_hash = card_hash(board.card_key(), uid)
    student.save()
    return student


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def checked_in(student_id: str) -> bool:
    return m.CheckIn.select().where(m.CheckIn.student_id == student_id).exists()


def test_handle_tap_checks_in_opens_the_corner_and_signs_teachers_in(board):
    student = give_card(board, "0012345678")
    tap = handle_tap(board, "0012345678")
    assert tap.result.outcome == "checked_in" and tap.corner_token
    assert board.corner.current().student_id == student.id
    teacher = m.Teacher.get()
    teacher.card_hash = card_hash(board.card_key(), "99AA")
    teacher.save()
    assert handle_tap(board, "99aa").result.outcome == "teacher" and board.teachers.active().teacher_id == teacher.id
    assert handle_tap(board, "0012345678").corner_token is None  # a teacher is signed in: the tap only checks in


def test_handle_tap_refuses_a_bad_uid_and_changes_nothing(board):
    for bad in ("", "   ", "1" * 33):
        with pytest.raises(ValueError, match="1 to 32 characters"):
            handle_tap(board, bad)
    assert handle_tap(board, "DEADBEEF").result.outcome == "unknown"
    assert m.CheckIn.select().count() == 0 and m.UsageRecord.select().count() == 0 and board.corner.current() is None


def test_simulated_reader_taps_reach_the_corner_through_the_thread(board):
    student = give_card(board, "04A31B7C")
    taps = CardTaps(board, "simulated")
    taps.start()
    try:
        assert wait_for(lambda: taps.state == "reading")
        taps.reader.tap("04:a3:1b:7c")
        assert wait_for(lambda: taps.taps == 1)
        assert checked_in(student.id) and board.corner.current().student_id == student.id
    finally:
        taps.stop()
    assert taps.state == "stopped"


def test_recorded_usb_reader_taps_reach_the_check_in(board):
    """The evdev backend with a recorded keyboard-wedge reader (see reader_replay): both cards are checked in."""
    first, second = give_card(board, "0012345678", "S1001"), give_card(board, "3735928559", "S1002")
    read_end, write_end = os.pipe()
    device = RecordedDevice(read_end)
    taps = CardTaps(board, "evdev", "/dev/input/by-id/usb-Sycreader_USB_Reader-event-kbd",
                    opener=lambda backend, path: EvdevReader(device))
    taps.start()
    try:
        os.write(write_end, b"".join(e.raw for e in load_evtest("sycreader-evtest.txt")))
        assert wait_for(lambda: checked_in(first.id) and checked_in(second.id) and taps.taps == 2)
        time.sleep(0.3)
        assert device.grabbed and taps.taps == 2  # the held card's repeat was one tap
        assert board.corner.current().student_id == second.id  # the last tap's corner is on the screen
    finally:
        taps.stop()
        os.close(write_end)
    assert not device.grabbed


def test_serial_reader_on_a_pty_reaches_the_check_in(board):
    """The real serial backend (pyserial) on a pty, opened by path as the board would open /dev/serial/by-id/…."""
    student = give_card(board, "0004A31B7C")
    master, slave = os.openpty()
    taps = CardTaps(board, "serial", os.ttyname(slave))
    taps.start()
    try:
        assert wait_for(lambda: taps.state == "reading")
        os.write(master, b"0004A31B7C\r\n")
        assert wait_for(lambda: checked_in(student.id))
    finally:
        taps.stop()
        os.close(master)
        os.close(slave)


class Unplugging(SimulatedReader):
    """Reads one card, then fails as a pulled USB reader does (ENODEV)."""

    def read(self, timeout: float):
        uid = super().read(min(timeout, 0.05))
        if uid is None and getattr(self, "pulled", False):
            raise OSError(errno.ENODEV, "No such device")
        return uid


def test_a_reader_unplugged_and_plugged_in_again_is_used_again(board):
    student, other = give_card(board, "11111111", "S1001"), give_card(board, "22222222", "S1002")
    plugged: list[tuple[str, str]] = []
    opened: list[Unplugging] = []

    def opener(backend, device):
        opened.append(Unplugging())
        return opened[-1]

    taps = CardTaps(board, "auto", auto=True, opener=opener, find=lambda: list(plugged), first_pause_s=0.05)
    taps.start()
    try:
        assert wait_for(lambda: taps.state == "waiting" and "no reader" in taps.problem)
        assert taps.fault() is None  # no reader on auto is not a fault: a board may have none
        plugged.append(("serial", "/dev/serial/by-id/usb-RFID_Reader-if00-port0"))  # plugged in after boot
        assert wait_for(lambda: taps.state == "reading")
        opened[-1].tap("11111111")
        assert wait_for(lambda: checked_in(student.id))
        opened[-1].pulled = True
        assert wait_for(lambda: len(opened) == 2 and taps.state == "reading")
        assert taps.lost == 1
        opened[-1].tap("22222222")
        assert wait_for(lambda: checked_in(other.id))
        assert taps.device == "/dev/serial/by-id/usb-RFID_Reader-if00-port0"
    finally:
        taps.stop()


def test_a_reader_that_cannot_be_opened_is_tried_again_not_fatal(board):
    attempts = []

    def opener(backend, device):
        attempts.append(device)
        return create_card_reader("evdev", device)  # no such file here

    taps = CardTaps(board, "evdev", "/nonexistent/event-kbd", opener=opener, first_pause_s=0.02)
    taps.start()
    try:
        assert wait_for(lambda: len(attempts) >= 3)
        assert taps.state == "waiting" and "cannot open /nonexistent/event-kbd" in taps.problem
        assert taps.fault().startswith("card reader: cannot open /nonexistent/event-kbd")
    finally:
        taps.stop()


def test_every_tap_leaves_its_answer_for_the_screen_and_it_goes_stale(board):
    from edge.tap_answer import SHOW_S, TapAnswers

    now = [100.0]
    board.tap_answers = TapAnswers(notify=board.changes.notify, monotonic=lambda: now[0])
    seen = board.changes.count
    handle_tap(board, "DEADBEEF")
    unknown = board.tap_answers.current()
    assert (unknown.say, unknown.open) == ("unknown", None) and board.changes.count > seen  # the stream wakes
    give_card(board, "0012345678")
    handle_tap(board, "0012345678")
    assert board.tap_answers.current() is unknown  # a first check-in opens the corner: no toast
    handle_tap(board, "0012345678")
    already = board.tap_answers.current()
    assert already.say == "already" and already.id != unknown.id
    teacher = m.Teacher.get_by_id("T001")
    teacher.card_hash = card_hash(board.card_key(), "7788AABB")
    teacher.save()
    handle_tap(board, "7788AABB")
    assert board.tap_answers.current().open == "teacher" and board.teachers.active().teacher_id == "T001"
    now[0] += SHOW_S + 0.1
    assert board.tap_answers.current() is None  # a page loaded later shows no stale answer
    with pytest.raises(ValueError):
        handle_tap(board, "")
    assert board.tap_answers.current() is None  # bad input changes nothing


def test_a_tap_that_opens_no_corner_gets_a_toast_with_the_given_name_and_none_over_an_emergency(board):
    """A teacher's page or an exam keeps the screen: 已签到 and the given name; an emergency's takeover gets nothing."""
    import json
    from datetime import timedelta

    from edge.clock import utc

    from edge.bundle_store import put_setting
    from edge.services.student_corner import given_name
    from tests.ui.test_push import ALERT

    student = give_card(board, "0012345678")
    board.teachers.login_card(m.Teacher.get_by_id("T001"))
    assert board.screen_held() == "teacher"
    tap = handle_tap(board, "0012345678")
    answer = board.tap_answers.current()
    assert tap.result.outcome == "checked_in" and tap.corner_token is None and checked_in(student.id)
    assert (answer.say, answer.name, answer.open) == ("checked_in", given_name(student.name), None)
    assert answer.name != student.name  # the given name only, as the corner shows it
    board.teachers.end()
    now = utc(board.clock.now()).replace(tzinfo=None)  # the store keeps naive UTC
    m.Exam.create(id="X1", room=board.room_id, name="期中考试", starts_at=now - timedelta(minutes=5),
                  ends_at=now + timedelta(minutes=60), rules="", seats="[]")
    assert board.screen_held() == "exam"
    handle_tap(board, "0012345678")
    again = board.tap_answers.current()
    assert (again.say, again.name) == ("already", given_name(student.name)) and again.id != answer.id
    assert board.corner.current() is None  # an exam never opens a corner
    put_setting("alert.current", json.dumps(ALERT, ensure_ascii=False))
    assert board.screen_held() == "emergency"
    for uid in ("0012345678", "DEADBEEF"):
        handle_tap(board, uid)
        assert board.tap_answers.current() is again  # nothing covers the takeover
