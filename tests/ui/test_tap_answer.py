"""A tap on the board's own reader (its thread, not a screen request) is answered on the screen over its event stream.

The reader thread here is the board's real ``CardTaps`` reading a simulated
reader, so the tap goes through ``handle_tap`` exactly as on a board.
"""
from __future__ import annotations

import time

import pytest

from drivers.cardreader import SimulatedReader
from edge.card_reader import CardTaps
from edge.checkin import card_hash
from edge.services.student_corner import given_name
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


# -- every page that can be on screen listens (issue #18): one test per page kind -----------------------------

def open_page(browser, screen, path: str, ready: str):
    page = page_for(browser)
    page.goto(screen.url + path)
    page.wait_for_selector(ready)
    page.evaluate("window.stayed = true")  # gone if the page reloads or leaves
    return page


def toast_after_tap(page, reader, uid: str) -> str:
    reader.tap(uid)
    page.wait_for_selector("#toast", timeout=10_000)
    return page.inner_text("#toast")


def test_on_the_teachers_page_a_students_tap_checks_in_with_a_toast_and_the_page_stays(browser, screen, board, reader):
    student = give_card(board, m.Student.get_by_id("S1001"), "04A31B7C")
    teacher = give_card(board, m.Teacher.get_by_id("T001"), "7788AABB")
    board.teachers.login_card(teacher)
    page = open_page(browser, screen, "/teacher", ".student")
    assert toast_after_tap(page, reader, "04A31B7C") == "已签到 · " + given_name(student.name)
    assert m.CheckIn.select().where(m.CheckIn.student_id == student.id).count() == 1
    assert board.corner.current() is None and page.url == screen.url + "/teacher"
    assert page.evaluate("window.stayed") is True  # the roll call the teacher is filling in is not reloaded
    shoot(page, "tap-teacher-page-landscape")
    page.wait_for_selector("#toast", state="detached", timeout=10_000)
    assert toast_after_tap(page, reader, "7788AABB") == "教师已登录 · " + teacher.name  # already there: not reopened
    assert page.evaluate("window.stayed") is True
    page.context.close()


@pytest.mark.parametrize("path", ["/", "/exam/seat?candidate_no=2026001"])
def test_on_an_exam_a_tap_checks_in_with_a_toast_in_the_header_and_opens_no_corner(browser, screen, board, reader,
                                                                                     path):
    import json
    from datetime import timedelta

    from edge.clock import utc

    now = utc(board.clock.now()).replace(tzinfo=None)  # the store keeps naive UTC
    m.Exam.create(id="X1", room=board.room_id, name="高一期中考试 · 数学", starts_at=now - timedelta(minutes=20),
                  ends_at=now + timedelta(minutes=100), rules="1. 携带准考证\n2. 禁止携带手机",
                  seats=json.dumps([{"candidate_no": "2026001", "name": "王小明", "seat": "07"}], ensure_ascii=False))
    student = give_card(board, m.Student.get_by_id("S1001"), "04A31B7C")
    page = open_page(browser, screen, path, "main.exam")
    exam_box = page.locator("main.exam").bounding_box()
    assert toast_after_tap(page, reader, "04A31B7C") == "已签到 · " + given_name(student.name)
    assert m.CheckIn.select().where(m.CheckIn.student_id == student.id).count() == 1
    assert board.corner.current() is None and page.url == screen.url + path and page.evaluate("window.stayed")
    toast = page.locator("#toast").bounding_box()
    assert page.locator(".bar #toast").count() == 1  # in the header, between the exam's name and its time
    assert toast["y"] + toast["height"] <= exam_box["y"]  # above the exam: nothing of it is covered
    assert page.locator("main.exam").bounding_box() == exam_box  # and the exam did not move
    shoot(page, "tap-exam-landscape")
    page.context.close()


@pytest.mark.parametrize("where", ["list", "video"])
def test_during_on_demand_media_a_tap_checks_in_with_a_toast_and_the_media_goes_on(browser, screen, board, school,
                                                                                    reader, tmp_path, where):
    import hashlib

    from tests.ui.test_class_life import with_class_life
    from tests.video_files import make_video

    clip = make_video(tmp_path / "clip.webm", seconds=20)
    sha = hashlib.sha256(clip).hexdigest()
    with_class_life(board, school, media=[{"id": "MD-V1", "title": "升旗仪式", "sha256": sha, "kind": "video"}])
    (board.config.data_path / "media").mkdir(parents=True, exist_ok=True)
    (board.config.data_path / "media" / sha).write_bytes(clip)
    student = give_card(board, m.Student.get_by_id("S1001"), "04A31B7C")
    board.teachers.login_card(m.Teacher.get_by_id("T004"))
    if where == "list":
        page = open_page(browser, screen, "/teacher/media", "form.line")
    else:
        page = open_page(browser, screen, "/teacher/media/watch/MD-V1", "#libraryvideo")
        page.wait_for_function("document.getElementById('libraryvideo').readyState >= 2", timeout=10_000)
    here = page.url
    assert toast_after_tap(page, reader, "04A31B7C") == "已签到 · " + given_name(student.name)
    assert m.CheckIn.select().where(m.CheckIn.student_id == student.id).count() == 1
    assert page.url == here and page.evaluate("window.stayed") and board.corner.current() is None
    if where == "video":
        assert page.evaluate("document.getElementById('libraryvideo').ended") is False  # still playing
    page.context.close()


def test_an_emergency_takes_the_teachers_page_and_a_tap_then_covers_nothing(browser, screen, board, reader):
    import json

    from edge.bundle_store import put_setting
    from tests.ui.test_push import ALERT

    student = give_card(board, m.Student.get_by_id("S1001"), "04A31B7C")
    board.teachers.login_card(m.Teacher.get_by_id("T001"))
    page = open_page(browser, screen, "/teacher", ".student")
    put_setting("alert.current", json.dumps(ALERT, ensure_ascii=False))
    board.scheduler.poke()
    page.wait_for_selector("body.alarm", timeout=10_000)  # the teacher's page gives way to the takeover
    reader.tap("04A31B7C")
    deadline = time.monotonic() + 10
    while not m.CheckIn.select().where(m.CheckIn.student_id == student.id).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert m.CheckIn.select().where(m.CheckIn.student_id == student.id).count() == 1  # the tap still checks in
    page.wait_for_timeout(1500)  # the stream would have told the page by now
    assert page.locator("#toast").count() == 0 and page.locator("body.alarm").count() == 1
    assert board.corner.current() is None and page.url == screen.url + "/"
    page.context.close()


def test_on_a_students_page_a_tap_opens_their_corner_and_a_teachers_card_the_teacher_page(browser, screen, board,
                                                                                           reader):
    give_card(board, m.Student.get_by_id("S1001"), "04A31B7C")
    give_card(board, m.Teacher.get_by_id("T001"), "7788AABB")
    page = open_page(browser, screen, "/week", "table.week")
    reader.tap("04A31B7C")
    page.wait_for_url("**/me/*", timeout=10_000)
    board.corner.close()  # as its 15 s would, sooner
    page.goto(screen.url + "/week")
    page.wait_for_selector("table.week")
    reader.tap("7788AABB")
    page.wait_for_url("**/teacher", timeout=10_000)
    assert page.locator(".student").count() == 45
    page.context.close()
