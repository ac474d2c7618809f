"""The teacher's allowance on the board: during a lesson 亲情留言 wait, unless the teacher signed in lets them open.

In Chromium: the teacher page (PIN) shows when messages open and a button; after it the child's own card tap
opens and reads the message in the lesson; the next lesson holds them again. The fake clock starts at 10:10,
in 第3节 (10:05–10:50) of class C101.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime

import pytest

from edge.services.teacher_session import hash_pin
from edge.store import models as m
from tests.conftest import SHANGHAI
from tests.ui.conftest import page_for, shoot
from tests.ui.test_corner import give_card, tap
from tests.ui.test_staff import type_pin

pytestmark = pytest.mark.integration

MESSAGE = {"id": "00000001-0000-4000-8000-000000000001", "student_id": "S1001", "from": "妈妈",
           "text": "中午带你去看牙医", "sent_at": "2026-11-24T01:00:00Z"}


def post(url: str, data: bytes = b"") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_the_teacher_allows_family_messages_for_this_lesson_from_the_teacher_page(browser, screen, board, school,
                                                                                  clock):
    from classboard.sample import board_bundle

    board.install_bundle(board_bundle(school, board.id, "C101", "2026-11-24T00:00:00Z")
                         | {"family_messages": [MESSAGE]}, etag="family-allow")
    board.family().arrive(fetch=None)
    give_card(board, "S1001", "0FA11FA1")
    open_url = f"{screen.url}/family/open/{MESSAGE['id']}"
    assert post(open_url, b"student_id=S1001")[0] == 409  # in the lesson, nobody allowed it

    # without a teacher signed in, the allowance is not given: the teacher page asks for the PIN
    urllib.request.urlopen(urllib.request.Request(screen.url + "/teacher/family/allow", data=b"", method="POST"),
                           timeout=10).read()
    assert board.family().allowance()[1] is False

    teacher = m.Teacher.get_by_id("T001")
    teacher.pin_hash = hash_pin("2468")
    teacher.save()
    page = page_for(browser)
    page.goto(screen.url + "/teacher")
    type_pin(page, "2468")
    card = page.locator("form.family-allow")
    assert "上课时间" in card.inner_text() and "10:50 下课后才能看" in card.inner_text()
    shoot(page, "teacher-family-held-landscape")
    card.locator("button", has_text="本节课允许学生看留言").click()
    page.wait_for_selector(".card.ok", timeout=10_000)
    assert "本节课已允许学生看家长留言（到 10:50 下课）" in page.inner_text("body")
    assert page.locator("form.family-allow button").count() == 0  # given: no button to press again
    shoot(page, "teacher-family-allow-landscape")
    page.click("text=退出")  # the teacher leaves; the allowance stays for the lesson
    page.wait_for_url(screen.url + "/", timeout=10_000)  # signed out before the child's card is read
    assert board.teachers.active() is None

    child = page_for(browser)
    answer = tap(screen, "0fa11fa1")
    assert answer["corner"], answer
    child.goto(screen.url + answer["corner"])
    child.click("a.open-family")
    child.wait_for_url("**/me/*/family", timeout=10_000)
    assert MESSAGE["text"] in child.inner_text("main") and "下课后可以看" not in child.inner_text("main")
    child.click(".family-message form[action^='/family/open'] button")
    child.wait_for_selector(".family-message.read", timeout=10_000)
    records = [json.loads(r.data)["event"] for r in m.UsageRecord.select().where(
        m.UsageRecord.kind == "family.message").order_by(m.UsageRecord.seq)]
    assert records == ["delivered", "read"]

    clock.set(datetime(2026, 11, 24, 11, 5, tzinfo=SHANGHAI))  # 第4节 (11:00–11:45): held again
    assert post(open_url, b"student_id=S1001")[0] == 409
    page.goto(screen.url + "/teacher")
    type_pin(page, "2468")
    assert "11:45 下课后才能看" in page.locator("form.family-allow").inner_text()
    assert page.locator("form.family-allow button").count() == 1
    clock.set(datetime(2026, 11, 24, 11, 50, tzinfo=SHANGHAI))  # the break: nothing to allow, no card
    page.goto(screen.url + "/teacher")
    if page.locator(".keys").count():
        type_pin(page, "2468")
    assert page.locator(".roster").count() == 1 and page.locator("form.family-allow").count() == 0
    child.context.close()
    page.context.close()
