"""Evaluations and homework at the board: a signed-in teacher records them; the records name the teacher;
the student sees their own in their corner; the culture screen shows positive highlights of an opted-in class."""
from __future__ import annotations

import json

import pytest

from classboard.sample import board_bundle
from edge.services.class_life import ClassLifeError
from edge.store import models as m
from tests.ui.conftest import page_for, shoot

pytestmark = pytest.mark.integration


def with_class_life(board, school, **class_life):
    school = dict(school, class_life=class_life)
    board.install_bundle(board_bundle(school, board.id, "C101", "2026-11-24T00:00:00Z"), etag="class-life")


def records(kind):
    return [(r, json.loads(r.data)) for r in m.UsageRecord.select().where(m.UsageRecord.kind == kind)]


def test_rules_refuse_bad_input_and_record_nothing(board):
    life = board.class_life
    for bad in [dict(category="不存在", points=1, reason="好"), dict(category="劳动", points=0, reason="好"),
                dict(category="劳动", points=9, reason="好"), dict(category="劳动", points=1, reason=" ")]:
        with pytest.raises(ClassLifeError):
            life.evaluate("T001", "C101", ["S1001"], **bad)
    with pytest.raises(ClassLifeError):
        life.evaluate("T001", "C101", ["S2001"], "劳动", 1, "不是本班学生")  # another class's student
    with pytest.raises(ClassLifeError):
        life.post_homework("T001", "C101", "数学", "练习册", "2026-11-23")  # due yesterday
    assert records("evaluation") == [] and records("homework.posted") == []


def test_teacher_evaluates_at_the_board_and_the_student_sees_it(browser, screen, board, school):
    with_class_life(board, school, evaluation_categories=["课堂表现", "劳动", "科技创新"], highlight_classes=["C101"])
    board.teachers.login_card(m.Teacher.get_by_id("T001"))
    page = page_for(browser)
    page.goto(screen.url + "/teacher/evaluate")
    assert [c.strip() for c in page.locator(".choice span").all_inner_texts()][:3] == ["课堂表现", "劳动", "科技创新"]
    page.check("input[name=student][value=S1001]")
    page.check("input[name=student][value=S1002]")
    page.check("input[name=category][value=劳动]")
    page.check("input[name=points][value='2']")
    page.fill("input[name=reason]", "主动打扫教室")
    page.click("button.primary")
    assert "评价已记录" in page.inner_text("main")
    (record, data), = records("evaluation")
    assert record.initiator == "teacher" and data["teacher_id"] == "T001" and data["students"] == ["S1001", "S1002"]
    assert data["category"] == "劳动" and data["points"] == 2
    page.goto(screen.url + "/culture")  # the class opted in: positive highlights, by category, no names
    text = page.inner_text("main")
    assert "劳动 · 2 次" not in text and "劳动 · 1 次" in text and "主动打扫教室" in text
    assert m.Student.get_by_id("S1001").name not in text
    shoot(page, "culture-highlights")
    student = m.Student.get_by_id("S1001")
    assert board.student_tapped(student.id) is None  # the teacher is still signed in: a tap only checks in
    board.teachers.end()
    token = board.student_tapped(student.id)
    page.wait_for_url(f"**/me/{token}", timeout=10_000)  # the culture page follows the corner that opened
    page.wait_for_selector("main")
    assert "劳动" in page.inner_text("main") and "主动打扫教室" in page.inner_text("main")
    page.context.close()


def test_teacher_posts_homework_and_home_shows_it_with_the_countdown(browser, screen, board, school):
    with_class_life(board, school, countdowns=[{"id": "ZK", "title": "距中考", "date": "2027-06-20"}],
                    homework=[{"id": "H1", "class_id": "C101", "subject": "语文", "text": "背诵《岳阳楼记》",
                               "due": "2026-11-25"}])
    board.teachers.login_card(m.Teacher.get_by_id("T002"))
    page = page_for(browser)
    page.goto(screen.url + "/teacher/homework")
    page.fill("input[name=subject]", "数学")
    page.fill("input[name=text]", "练习册第 12 页")
    page.fill("input[name=due]", "2026-11-26")
    page.click("button.primary")
    assert "作业已发布" in page.inner_text("main")
    (record, data), = records("homework.posted")
    assert record.initiator == "teacher" and data == {"teacher_id": "T002", "subject": "数学", "text": "练习册第 12 页",
                                                      "due": "2026-11-26"}
    page.fill("input[name=subject]", "")  # refused: nothing recorded, the reason said
    page.click("button.primary")
    assert "作业需要科目" in page.inner_text(".warn") and len(records("homework.posted")) == 1
    page.goto(screen.url + "/")  # coming home ends the teacher's session
    assert "距中考还有 208 天" in page.inner_text("header.bar")
    cards = page.inner_text(".notices")
    assert "背诵《岳阳楼记》" in cards or "练习册第 12 页" in cards
    page.context.close()


def test_teacher_plays_library_media_already_on_the_board(browser, board, school):
    import hashlib

    from tests.ui.conftest import Screen
    data = b"RIFF" + b"\x01" * 64
    sha = hashlib.sha256(data).hexdigest()
    with_class_life(board, school, media=[{"id": "MD-1", "title": "校歌", "sha256": sha},
                                          {"id": "MD-2", "title": "还没下载", "sha256": "a" * 64}])
    (board.config.data_path / "media").mkdir(parents=True, exist_ok=True)
    (board.config.data_path / "media" / sha).write_bytes(data)
    played = []
    s = Screen(board, hooks={"play_media": lambda item, teacher_id: played.append((item["id"], teacher_id)) or True})
    board.teachers.login_card(m.Teacher.get_by_id("T004"))
    page = page_for(browser)
    page.goto(s.url + "/teacher/media")
    assert "校歌" in page.inner_text("main") and "还没下载" not in page.inner_text("main")  # only what is here
    page.click("form.line button")
    assert played == [("MD-1", "T004")] and "正在播放" in page.inner_text("main")
    page.context.close()
    s.close()


def test_an_evaluation_made_in_the_console_reaches_the_students_corner(screen, board, school, clock):
    """The console's evaluations come in the bundle (hub/classlife); the corner and culture screen show them."""
    import urllib.request
    from datetime import timedelta

    today = clock.now().astimezone(board.zone).date()

    def made_in_console(eid, student, reason, on):
        return {"id": eid, "class_id": "C101", "students": [student], "category": "作业", "points": 3,
                "reason": reason, "teacher": "zhang", "on": on.isoformat()}
    with_class_life(board, school, highlight_classes=["C101"], evaluations=[
        made_in_console("EV-1", "S1001", "订正认真", today),
        made_in_console("EV-2", "S1002", "别人的评价", today),
        made_in_console("EV-3", "S1001", "上上周的评价", today - timedelta(days=14))])
    token = board.student_tapped("S1001")
    with urllib.request.urlopen(screen.url + f"/me/{token}", timeout=10) as answer:
        corner = answer.read().decode()
    assert "订正认真" in corner and "+3" in corner
    assert "别人的评价" not in corner and "上上周的评价" not in corner  # their own, this week's only
    with urllib.request.urlopen(screen.url + "/culture", timeout=10) as answer:
        culture = answer.read().decode()
    assert "订正认真" in culture and "别人的评价" in culture and m.Student.get_by_id("S1001").name not in culture


def test_teacher_plays_a_library_video_on_the_screen_hash_checked(browser, board, school, tmp_path):
    """A video plays in the screen's <video>, recorded with the teacher; a rotten file is refused; an alert wins."""
    import hashlib
    import urllib.error
    import urllib.request

    from edge.bundle_store import put_setting
    from tests.ui.conftest import Screen
    from tests.ui.test_push import ALERT
    from tests.video_files import make_video

    good = make_video(tmp_path / "good.webm", seconds=3)
    rotten = make_video(tmp_path / "rotten.webm", fourcc="VP90")
    shas = [hashlib.sha256(data).hexdigest() for data in (good, rotten)]
    with_class_life(board, school, media=[{"id": "MD-V1", "title": "升旗仪式", "sha256": shas[0], "kind": "video"},
                                          {"id": "MD-V2", "title": "坏了的视频", "sha256": shas[1], "kind": "video"}])
    (board.config.data_path / "media").mkdir(parents=True, exist_ok=True)
    (board.config.data_path / "media" / shas[0]).write_bytes(good)
    (board.config.data_path / "media" / shas[1]).write_bytes(rotten[:-10] + b"\x00" * 10)  # the SD card rotted it
    s = Screen(board)  # no speaker hook: sounds cannot play, videos still can
    board.teachers.login_card(m.Teacher.get_by_id("T004"))
    page = page_for(browser)
    page.goto(s.url + "/teacher/media")
    page.click("form.line:has-text('坏了的视频') button")
    assert page.locator(".warn").count() == 1 and records("media.played") == []  # refused, nothing recorded
    page.click("form.line:has-text('升旗仪式') button")
    page.wait_for_url("**/teacher/media/watch/MD-V1", timeout=10_000)
    page.wait_for_function("document.getElementById('libraryvideo').readyState >= 2", timeout=10_000)
    assert page.evaluate("document.getElementById('libraryvideo').videoWidth") == 160  # Chromium decoded it
    (record, data), = records("media.played")
    assert record.initiator == "teacher" and record.duration_s == 3
    assert data == {"media": "MD-V1", "teacher_id": "T004", "kind": "video"}
    with pytest.raises(urllib.error.HTTPError):  # only library videos whose hash matches are served
        urllib.request.urlopen(s.url + f"/media/video/{shas[1]}", timeout=10)
    put_setting("alert.current", json.dumps(ALERT, ensure_ascii=False))  # an emergency takes the screen
    board.scheduler.poke()
    page.wait_for_selector("body.alarm", timeout=10_000)
    page.context.close()
    s.close()
