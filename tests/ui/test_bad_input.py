"""Hostile and awkward content renders sensibly: nothing runs, nothing overflows."""
from datetime import timedelta

import pytest

from edge.store import models as m
from kiosk_ui.i18n import CATALOGUE
from kiosk_ui.sanitize import notice_html
from tests.ui.conftest import Screen, no_overflow, page_for, shoot

pytestmark = pytest.mark.integration

HOSTILE = ('<p onclick="alert(1)">点我</p><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
           '<iframe src="http://127.0.0.1:1/"></iframe><form action="/x"><input></form>'
           '<a href="javascript:window.pwned=3">链接</a><style>body{display:none}</style><b>加粗</b>')


def test_sanitiser_removes_everything_executable():
    cleaned = notice_html(HOSTILE, "html")
    for bad in ("<script", "onclick", "onerror", "<iframe", "<form", "javascript:", "<style", "<img"):
        assert bad not in cleaned
    assert "<b>加粗</b>" in cleaned and "点我" in cleaned
    assert "<script" not in notice_html("# 标题\n<script>x</script>", "markdown")


def add_notice(board, nid, body, fmt="html", title=None):
    now = board.clock.now().replace(tzinfo=None)
    m.Notice.create(id=nid, title=title or nid, body=body, format=fmt, starts_at=now - timedelta(minutes=5),
                    ends_at=now + timedelta(hours=1), priority=50)


def test_hostile_long_and_mixed_notices(browser, board):
    add_notice(board, "evil", HOSTILE)
    add_notice(board, "long", "很长的通知。" * 900, "text",
               title="📢 超长通知 Very long notice title with mixed scripts العربية русский " * 3)
    add_notice(board, "emoji", "🎉🎉 运动会 🏃‍♀️🏅 Sports day! " * 20, "markdown")
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/")
    assert no_overflow(page)
    page.goto(s.url + "/notices/evil")
    page.click("text=链接") if page.locator("a:has-text('链接')").count() else None
    assert page.evaluate("window.pwned === undefined")
    page.goto(s.url + "/notices/long")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "notice-long")
    page.context.close()
    s.close()


def test_no_lessons_today_and_before_term(browser, board, clock):
    from datetime import datetime
    from tests.conftest import SHANGHAI
    s = Screen(board)
    page = page_for(browser, "portrait")
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))  # Saturday
    page.goto(s.url + "/")
    assert "今天没有课" in page.inner_text(".today") and no_overflow(page)
    page.goto("about:blank")  # else home, pushed the change, reloads itself while we navigate
    clock.set(datetime(2026, 8, 20, 9, 0, tzinfo=SHANGHAI))
    page.goto(s.url + "/")
    assert "本学期尚未开始" in page.inner_text(".today")
    assert "暂无传感器数据" in page.inner_text(".air")  # missing readings are said, not hidden
    page.context.close()
    s.close()


def test_seventy_students_and_an_overlong_teacher_name(browser, board):
    teacher = m.Teacher.get_by_id("T001")
    teacher.name = "欧阳" * 20 + "老师"
    teacher.save()
    for i in range(25):
        m.Student.create(id=f"X{i:03d}", name=f"新同学{i:02d}", class_group="C101")
    from edge.services.teacher_session import hash_pin
    teacher.pin_hash = hash_pin("2468")
    teacher.save()
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/")
    assert no_overflow(page)
    page.goto(s.url + "/teacher")
    for digit in "2468":
        page.click(f".key[data-key='{digit}']")
    page.click(".key[data-key='OK']")
    assert page.locator(".student").count() == 70
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()
    s.close()


def test_english_screens_and_catalogue_parity(browser, board):
    assert set(CATALOGUE["zh-CN"]) == set(CATALOGUE["en"])
    board.config.board.language = "en"
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/")
    text = page.inner_text("body")
    assert "Tuesday" in text and "Now" in text and "Notices" in text
    page.context.close()
    s.close()
