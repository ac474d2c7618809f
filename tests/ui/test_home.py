from datetime import datetime, timedelta

import pytest

from edge.clock import utc
from edge.store import models as m
from tests.conftest import SHANGHAI
from tests.ui.conftest import no_overflow, page_for, shoot

pytestmark = pytest.mark.integration


def add_readings(board):
    now = utc(board.clock.now()).replace(tzinfo=None)  # the store keeps naive UTC
    rows = []
    for minute in range(0, 24 * 60, 10):
        at = now - timedelta(hours=24) + timedelta(minutes=minute)
        rows += [{"at": at, "sensor": "scd4x", "quantity": "co2_ppm", "value": 600 + (minute % 300) * 3},
                 {"at": at, "sensor": "bme280", "quantity": "temperature_c", "value": 21 + (minute % 120) / 60},
                 {"at": at, "sensor": "bme280", "quantity": "humidity_pct", "value": 55}]
    for i in range(0, len(rows), 300):
        m.SensorReading.insert_many(rows[i:i + 300]).execute()
    m.SensorReading.insert_many([
        {"at": now - timedelta(minutes=1), "sensor": "scd4x",
         "quantity": "co2_ppm", "value": 1320},
    ]).execute()


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_home_shows_the_school_day(browser, screen, board, orientation):
    add_readings(board)
    page = page_for(browser, orientation)
    page.goto(screen.url + "/")
    text = page.inner_text("body")
    current, upcoming = board.timetable.current_and_next(class_id="C101")
    assert "南宁市青秀区示范中学" in text and "高一(1)班" in text and "星期二" in text
    assert current.subject in page.inner_text(".now") and upcoming.subject in page.inner_text(".next")
    assert "还剩 40 分钟" in text  # 10:10, lesson ends 10:50
    assert page.locator(".periods li.current").count() == 1
    assert "期中考试安排" in page.inner_text(".notices")
    assert "请开窗通风" in page.inner_text(".air")  # CO2 1320 ppm → fair band with advice
    assert page.evaluate("""(function () {  // notices shown whole, never a clipped sliver; the rest rotate in
        var box = document.querySelector('.notices'), limit = box.getBoundingClientRect().bottom;
        var shown = Array.from(box.querySelectorAll('.notice')).filter(function (n) { return n.offsetParent; });
        return shown.length >= 1 && shown.every(function (n) { return n.getBoundingClientRect().bottom <= limit; });
    })()""")
    assert no_overflow(page)
    shoot(page, f"home-{orientation}")
    page.context.close()


def test_tap_to_week_notice_and_idle_back_home(browser, board):
    from tests.ui.conftest import Screen
    board.config.ui.idle_timeout_s = 60  # long enough to read the week on a loaded machine
    s = Screen(board)
    page = page_for(browser)
    page.goto(s.url + "/")
    page.click("a.today")
    page.wait_for_url("**/week")
    page.wait_for_selector("table.week th")
    assert page.locator("table.week th").count() >= 8
    shoot(page, "week-landscape")
    board.config.ui.idle_timeout_s = 1  # the page reads its idle time when rendered
    page.reload()
    page.wait_for_url(s.url + "/", timeout=10000)  # idle → home
    page.click(".notice >> nth=0")
    assert "期中考试" in page.inner_text("article")
    page.context.close()
    s.close()


def test_emergency_takes_over_the_screen(browser, screen, board):
    now = board.clock.now().replace(tzinfo=None)
    m.Notice.create(id="E1", title="紧急疏散", body="请沿安全通道到操场集合", starts_at=now - timedelta(minutes=1),
                    ends_at=now + timedelta(minutes=30), emergency=True, priority=100)
    page = page_for(browser)
    page.goto(screen.url + "/")
    assert page.locator("body.alarm").count() == 1 and "紧急疏散" in page.inner_text("h1")
    assert page.locator(".now").count() == 0
    shoot(page, "emergency-landscape")
    page.context.close()


def test_exam_mode_with_seat_lookup(browser, screen, board):
    import json
    now = board.clock.now().replace(tzinfo=None)
    m.Exam.create(id="X1", room="R101", name="高一期中考试 · 数学", starts_at=now - timedelta(minutes=20),
                  ends_at=now + timedelta(minutes=100), rules="1. 携带准考证\n2. 禁止携带手机",
                  seats=json.dumps([{"candidate_no": "2026001", "name": "王小明", "seat": "07"}], ensure_ascii=False))
    page = page_for(browser, "portrait")
    page.goto(screen.url + "/")
    assert "高一期中考试" in page.inner_text("body") and "100" in page.inner_text(".bar")
    page.fill("input[name=candidate_no]", "2026001")
    page.click("form button")
    assert "07" in page.inner_text(".seat")
    shoot(page, "exam-portrait")
    page.context.close()


@pytest.mark.parametrize("orientation", ["portrait"])
def test_culture_and_air_chart_screens(browser, screen, board, orientation):
    import json

    from edge.bundle_store import get_setting, put_setting
    page = page_for(browser, orientation)
    page.goto(screen.url + "/culture")
    assert "班级风采照片将由班主任在管理平台上传" in page.inner_text("main")  # friendly empty state
    page.goto(screen.url + "/air")
    assert "暂无传感器数据" in page.inner_text("main")
    settings = json.loads(get_setting("bundle.settings") or "{}")
    settings["culture"] = [{"title": "校运会团体第一名", "text": "高一(1)班 2026 年秋季校运会"}, "not a dict"]
    put_setting("bundle.settings", json.dumps(settings))
    add_readings(board)
    page.goto(screen.url + "/culture")
    assert "校运会团体第一名" in page.inner_text("main")
    page.goto(screen.url + "/air")
    assert page.locator("main svg").count() == 3 and no_overflow(page)
    shoot(page, f"air-{orientation}")
    page.context.close()
