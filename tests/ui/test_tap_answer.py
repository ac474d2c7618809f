"""A tap on the board's own reader (its thread, not a screen request) is answered on the screen over its event stream.

The reader thread here is the board's real ``CardTaps`` reading a simulated
reader, so the tap goes through ``handle_tap`` exactly as on a board.
"""
from __future__ import annotations

import pytest

from drivers.cardreader import SimulatedReader
from edge.card_reader import CardTaps
from edge.checkin import card_hash
from edge.store import models as m
from tests.ui.conftest import page_for, shoot

pytestmark = pytest.mark.integration


@pytest.fixture
def reader(board):
    simulated = SimulatedReader(hold_s=0)
    taps = CardTaps(board, "simulated", opener=lambda backend, device: simulated)
    taps.start()
    yield simulated
    taps.stop()
    assert taps.state == "stopped"


def give_card(board, person, uid: str):
    """A student's or a teacher's card: the roster holds its keyed hash, as the hub's bundle would."""
    person.card_hash = card_hash(board.card_key(), uid)
    person.save()
    return person


def home_page(browser, screen):
    page = page_for(browser)
    page.goto(screen.url + "/")
    page.wait_for_selector("main.home")
    page.wait_for_timeout(300)  # the event stream is open
    return page


def test_an_unknown_card_on_the_reader_shows_a_toast(browser, screen, board, reader):
    page = home_page(browser, screen)
    assert page.locator("#toast").count() == 0
    reader.tap("DEADBEEF")
    page.wait_for_selector("#toast", timeout=10_000)
    assert page.inner_text("#toast") == "未识别的卡"
    assert page.url == screen.url + "/"  # a toast over home, nothing else changes
    shoot(page, "tap-unknown-landscape")
    page.context.close()


def test_a_student_already_checked_in_sees_it_on_their_corner(browser, screen, board, reader):
    student = give_card(board, m.Student.get_by_id("S1001"), "04A31B7C")
    page = home_page(browser, screen)
    reader.tap("04A31B7C")  # checked in: the corner opens, no toast
    page.wait_for_url("**/me/*", timeout=10_000)
    assert page.locator("#toast").count() == 0
    reader.tap("04A31B7C")  # again: already checked in
    page.wait_for_selector("#toast", timeout=10_000)
    assert page.inner_text("#toast") == "已签到"
    checkins = m.CheckIn.select().where(m.CheckIn.student_id == student.id).count()
    assert checkins == 1
    page.context.close()


def test_a_teachers_card_on_the_reader_opens_the_teacher_page(browser, screen, board, reader):
    teacher = give_card(board, m.Teacher.get_by_id("T001"), "7788AABB")
    page = home_page(browser, screen)
    reader.tap("7788AABB")
    page.wait_for_url("**/teacher", timeout=10_000)
    assert board.teachers.active().teacher_id == teacher.id
    assert page.locator(".student").count() == 45  # signed in: the roll call, not the PIN pad
    page.go_back()  # the answer is given once: home does not send the teacher page again
    page.wait_for_selector("main.home")
    page.wait_for_timeout(1000)
    assert page.url == screen.url + "/"
    page.context.close()
