"""A student's own corner: a card tap opens it for 15 s; given name only, their data only; it closes itself."""
from __future__ import annotations

import json
import urllib.request

import pytest

from edge.checkin import card_hash
from edge.services.student_corner import given_name
from edge.store import models as m
from tests.ui.conftest import page_for, shoot

pytestmark = pytest.mark.integration


def tap(screen, uid: str) -> dict:
    request = urllib.request.Request(screen.url + "/checkin/tap", data=f"uid={uid}".encode(), method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


def give_card(board, student_id: str, uid: str) -> m.Student:
    student = m.Student.get_by_id(student_id)
    student.card_hash = card_hash(board.card_key(), uid)
    student.save()
    return student


def test_given_name_only():
    assert given_name("王小明") == "小明" and given_name("欧阳娜娜") == "娜娜" and given_name("李") == "李"
    assert given_name("Li Lei") == "Li" and given_name("  ") == ""


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_tap_opens_the_corner_on_the_screen_and_it_closes_by_itself(browser, screen, board, clock, orientation):
    student = give_card(board, "S1001", "04A31B7C")
    page = page_for(browser, orientation)
    page.goto(screen.url + "/")
    page.wait_for_timeout(300)  # the event stream is open
    answer = tap(screen, "04a31b7c")
    assert answer["outcome"] == "checked_in" and answer["corner"].startswith("/me/")
    page.wait_for_url("**/me/*", timeout=10_000)  # told over the event stream, not by the tap's answer
    text = page.inner_text("body")
    assert given_name(student.name) in text and student.name not in text  # given name only
    assert "今日已签到 10:10" in text
    others = [s.name for s in m.Student.select() if s.id != student.id]
    assert not any(name in text for name in others)  # nobody else's data
    today = board.timetable.lessons_on(clock.now().date(), class_id="C101")
    assert all(x.subject in page.inner_text(".mylessons") for x in today)
    moved = [x for x in today if x.moved]
    assert moved and all(x.room_name in text for x in moved) and "走班" in text  # the rooms a 走班 lesson is in
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    shoot(page, f"corner-{orientation}")
    clock.advance(16)  # the window passes: the board closes it, the page goes home
    page.wait_for_selector("main.home", timeout=10_000)
    records = list(m.UsageRecord.select().where(m.UsageRecord.kind == "student.session"))
    assert len(records) == 1 and records[0].initiator == "student" and records[0].duration_s == 15
    page.context.close()


def test_a_tap_during_attendance_only_checks_in(screen, board):
    give_card(board, "S1002", "0badcafe")
    board.teachers.login_card(m.Teacher.get_by_id("T001"))
    answer = tap(screen, "0badcafe")
    assert answer["outcome"] == "checked_in" and answer["corner"] is None
    assert board.corner.current() is None
    assert m.CheckIn.select().where(m.CheckIn.student_id == "S1002").count() == 1


def test_an_expired_or_made_up_token_goes_home(screen, board, clock):
    give_card(board, "S1003", "c0ffee01")
    token = tap(screen, "c0ffee01")["corner"]
    with urllib.request.urlopen(screen.url + token, timeout=10) as r:
        assert r.geturl().endswith(token) and "你好" in r.read().decode()
    with urllib.request.urlopen(screen.url + "/me/not-a-token", timeout=10) as r:
        assert r.geturl() == screen.url + "/"
    clock.advance(15)
    with urllib.request.urlopen(screen.url + token, timeout=10) as r:
        assert r.geturl() == screen.url + "/"


def test_the_corner_links_the_students_family_messages_and_only_theirs(browser, screen, board, school, clock):
    """家长留言 waiting: the corner's card opens the family corner for this student; reading it happens in place."""
    from classboard.sample import board_bundle

    def message(n, student_id, text):
        return {"id": f"{n:08d}-0000-4000-8000-{n:012d}", "student_id": student_id, "from": "妈妈", "text": text,
                "sent_at": "2026-11-24T01:00:00Z"}
    content = board_bundle(school, board.id, "C101", "2026-11-24T00:00:00Z")
    content["family_messages"] = [message(1, "S1001", "放学后去奶奶家"), message(2, "S1002", "别人的留言")]
    board.install_bundle(content, etag="family-corner")
    clock.advance(42 * 60)  # 10:52, the break after the 10:05 lesson: messages are held during lessons (issue #16)
    give_card(board, "S1001", "0FA11FA1")
    page = page_for(browser)
    page.goto(screen.url + tap(screen, "0fa11fa1")["corner"])
    page.click("a.open-family")
    page.wait_for_url("**/me/*/family", timeout=10_000)
    text = page.inner_text("main")
    assert "放学后去奶奶家" in text and "别人的留言" not in text
    page.click(".family-message form[action^='/family/open'] button")
    page.wait_for_selector(".family-message.read", timeout=10_000)
    assert page.url.endswith("/family")  # answered in place, the page did not turn into JSON
    assert board.family().unread_count("S1001") == 0 and board.family().unread_count("S1002") == 1
    page.click("header a.back")
    assert "没有新的家长留言" in page.inner_text(".corner")
    with urllib.request.urlopen(screen.url + "/me/made-up/family", timeout=10) as r:
        assert r.geturl() == screen.url + "/"  # no open corner, no family corner
    page.context.close()
