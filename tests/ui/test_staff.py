from datetime import timedelta

import pytest

from edge.services.teacher_session import hash_pin
from edge.store import models as m
from tests.ui.conftest import Screen, page_for, shoot

pytestmark = pytest.mark.integration


def type_pin(page, pin):
    for digit in pin:
        page.click(f".key[data-key='{digit}']")
    page.click(".key[data-key='OK']")


def test_teacher_pin_roll_call_and_summary(browser, board):
    teacher = m.Teacher.get_by_id("T001")
    teacher.pin_hash = hash_pin("2468")
    teacher.save()
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/teacher")
    type_pin(page, "1111")
    assert "PIN 不正确" in page.inner_text("body")
    type_pin(page, "2468")
    students = page.locator(".student")
    assert students.count() == 45
    students.nth(0).click()                      # present → late
    students.nth(1).click(); students.nth(1).click()  # → absent
    students.nth(2).click(); students.nth(2).click(); students.nth(2).click()  # → leave
    shoot(page, "attendance-landscape")
    page.click("button.primary")
    assert "考勤已保存" in page.inner_text("body") and "迟到 1" in page.inner_text("body")
    session = m.AttendanceSession.get()
    statuses = {c.student_id: c.status for c in session.checkins}
    assert len(statuses) == 45 and sorted(statuses.values()).count("present") == 42
    assert m.UsageRecord.select().where(m.UsageRecord.kind == "attendance.session").count() == 1
    summary = page.locator("table.summary")
    summary.scroll_into_view_if_needed()  # below the grid, reachable by scrolling the page
    box = summary.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 1080 and "1 次点名" in summary.inner_text()
    page.click("text=退出")
    assert m.UsageRecord.select().where(m.UsageRecord.kind == "teacher.session").count() == 1
    page.goto(s.url + "/teacher")
    type_pin(page, "2468")
    page.goto(s.url + "/")  # back home (a tap on 返回, or the idle timer) ends the session
    page.goto(s.url + "/teacher")
    assert page.locator(".keys").count() == 1
    assert m.UsageRecord.select().where(m.UsageRecord.kind == "teacher.session").count() == 2
    page.context.close()
    s.close()


def test_pin_lockout_after_repeated_failures(browser, board):
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/teacher")
    for _ in range(5):
        type_pin(page, "0000")
    assert "尝试次数过多" in page.inner_text("body")
    board.clock.advance(61)
    page.goto(s.url + "/teacher")
    assert page.locator(".keys").count() == 1
    page.context.close()
    s.close()


def test_admin_screen_facts_and_claim_qr(browser, board):
    from edge.bundle_store import put_setting
    board.config.ui.admin_pin = "8888"
    put_setting("enroll.claim_code", "K7MP-2QXR")
    tests_run = []
    s = Screen(board, hooks={"screen_test": lambda: tests_run.append("screen") or "屏幕测试完成"})
    page = page_for(browser)
    page.goto(s.url + "/admin")
    type_pin(page, "8888")
    text = page.inner_text("body")
    assert board.id in text and "K7MP-2QXR" in text and "未注册" in text
    assert "人脸签到不可用" in text and "face_detection_yunet_2023mar.onnx" in text  # no model files here
    assert page.locator(".card:not(.checkpoint) .qr svg").count() == 1
    assert board.log.fingerprint() in text and f"classboard/board/{board.id}" in text
    # a reviewer's photo of the checkpoint QR reads back as the board's own signed checkpoint
    import cv2
    import numpy as np
    from drivers.vision.markers import detect_qr
    from protocol.checkpoint import verify_checkpoint
    shot = page.locator(".checkpoint .qr").screenshot()
    texts = detect_qr(cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR))
    assert verify_checkpoint(texts[0], board.key.public_key(), board.id).size == board.log.size()
    assert page.locator("button:has-text('扬声器测试')").is_disabled()
    page.click("button:has-text('屏幕测试')")
    assert tests_run == ["screen"] and "屏幕测试完成" in page.inner_text("body")
    shoot(page, "admin-landscape")
    page.context.close()
    s.close()


def test_card_tap_endpoint(board, screen):
    import json
    import urllib.request
    from edge.checkin import card_hash
    student = m.Student.get_by_id("S1001")
    student.card_hash = card_hash(board.card_key(), "04A31B7C")
    student.save()
    request = urllib.request.Request(screen.url + "/checkin/tap", data=b"uid=04a31b7c", method="POST")
    answer = json.loads(urllib.request.urlopen(request, timeout=5).read())
    assert answer["outcome"] == "checked_in" and student.name in answer["message"]
