"""Screens that never clip: generated school content at the four screen sizes boards have.

Content is generated, not hand-picked: 0–12 notices with titles of 2–60
characters, 0–6 sensors, 0–10 lessons, long teacher and room names, an
emergency, exam mode, 0–6 homework items and countdowns. The cases are a seeded pairwise cover of those factors
(every pair of levels appears in some case) plus the two extremes, so a few
dozen page loads cover what thousands of combinations would; each case is
shown at 1920×1080, 1080×1920, 1366×768 and 1280×800, and on every one:

- every element's box lies inside its card, and every card inside the screen
  (nothing cut off, nothing pushed off the page);
- no card that has something to show is blank;
- when more notices exist than fit, they rotate (the card changes which it shows);
- no request fails (no 404 for an asset, no 500).
"""
from __future__ import annotations

import itertools
import json
import random
from datetime import timedelta

import pytest

from edge.clock import utc
from edge.store import models as m
from tests.conftest import SCHOOL_MORNING, make_config
from tests.ui.conftest import CHROMIUM_ARGS, Screen, shoot

pytestmark = pytest.mark.integration

VIEWPORTS = [(1920, 1080), (1080, 1920), (1366, 768), (1280, 800)]
FACTORS = {
    "notices": [0, 1, 3, 5, 12],
    "title_len": [2, 24, 60],
    "sensors": [0, 1, 4, 6],
    "lessons": [0, 1, 7, 10],
    "long_names": [False, True],
    "mode": ["normal", "emergency", "exam"],
    "class_life": [0, 1, 6],  # homework items shown on home (with 0, 1 or 2 countdowns in the bar)
}
WORDS = "关于做好期末复习工作的通知请各班同学按时参加学校组织的安全教育活动图书馆开放时间调整校运会报名截止"
LONG_TEACHER = "欧阳诸葛司马慕容老师（高级教师、年级组长）"
LONG_ROOM = "综合实验楼三层东侧物理创新实验室（走班）"
# Six sensors: five quantities the screen shows, CO₂ from two sensors (the newer wins).
SENSORS = [("scd4x", "co2_ppm", 1320), ("bme280", "temperature_c", 27.4), ("bme280", "humidity_pct", 72),
           ("pms5003", "pm2_5_ugm3", 48), ("bh1750", "lux", 260), ("scd4x-2", "co2_ppm", 1290)]
# Ten lesson periods: a day with morning, afternoon and evening self-study lessons.
TEN_PERIODS = [(1, "第1节", "07:30", "08:10"), (2, "第2节", "08:20", "09:00"), (3, "第3节", "09:10", "09:50"),
               (4, "第4节", "10:00", "10:40"), (5, "第5节", "10:50", "11:30"), (6, "第6节", "14:00", "14:40"),
               (7, "第7节", "14:50", "15:30"), (8, "第8节", "15:40", "16:20"), (9, "第9节", "19:00", "19:40"),
               (10, "第10节", "19:50", "20:30")]


def pairwise_cases(factors: dict[str, list], seed: int = 18) -> list[dict]:
    """A small set of cases in which every pair of factor levels appears at least once (greedy, seeded)."""
    rng = random.Random(seed)
    names = list(factors)
    uncovered = {(a, x, b, y) for a, b in itertools.combinations(names, 2)
                 for x in range(len(factors[a])) for y in range(len(factors[b]))}
    cases = [{n: len(factors[n]) - 1 for n in names}, {n: 0 for n in names}]  # the two extremes first
    for case in cases:
        uncovered -= {(a, case[a], b, case[b]) for a, b in itertools.combinations(names, 2)}
    while uncovered and len(cases) < 60:
        best, best_gain = None, -1
        for _ in range(40):  # a handful of random candidates seeded from one uncovered pair; keep the best
            a, x, b, y = rng.choice(sorted(uncovered))
            case = {n: rng.randrange(len(factors[n])) for n in names}
            case[a], case[b] = x, y
            gain = sum((p, case[p], q, case[q]) in uncovered for p, q in itertools.combinations(names, 2))
            if gain > best_gain:
                best, best_gain = case, gain
        cases.append(best)
        uncovered -= {(a, best[a], b, best[b]) for a, b in itertools.combinations(names, 2)}
    return [{n: factors[n][i] for n, i in case.items()} for case in cases]


CASES = pairwise_cases(FACTORS)


def school_for(case: dict, today) -> dict:
    from classboard.sample import sample_school

    school = sample_school(today=today)
    now = SCHOOL_MORNING
    iso = lambda d: utc(d).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    rng = random.Random(case["notices"] * 100 + case["title_len"])
    school["notices"] = [
        {"id": f"G{i}", "title": (WORDS * 2)[i:i + max(2, case["title_len"] - (i % 3) * 5)],
         "body": WORDS[: rng.randrange(5, len(WORDS))] * rng.randrange(1, 4), "format": "text",
         "priority": rng.randrange(0, 6), "audience": {"scope": "school"},
         "starts_at": iso(now - timedelta(hours=1 + i)), "ends_at": iso(now + timedelta(days=3)), "emergency": False}
        for i in range(case["notices"])]
    if case["mode"] == "emergency":
        school["notices"].append({"id": "EMERG", "title": ("紧急疏散演练：" + WORDS)[:case["title_len"] or 2],
                                  "body": "请各班立即沿安全通道到操场集合。" * 6, "format": "text", "priority": 100,
                                  "audience": {"scope": "school"}, "starts_at": iso(now - timedelta(minutes=2)),
                                  "ends_at": iso(now + timedelta(hours=1)), "emergency": True})
    if case["mode"] == "exam":
        school["exams"] = [{"id": "X1", "room_id": "R101", "name": "高一期中考试 · " + WORDS[:case["title_len"]],
                            "starts_at": iso(now - timedelta(minutes=20)), "ends_at": iso(now + timedelta(minutes=100)),
                            "rules": "\n".join(f"{k}. {WORDS[:20 + k]}" for k in range(1, 9)),
                            "seats": [{"candidate_no": "2026001", "name": "王小明", "seat": "07"}]}]
    subjects_hw = ["数学", "语文", "英语", "物理", "化学", "信息技术"]
    school["class_life"] = {
        "homework": [{"id": f"H{i}", "class_id": "C101", "subject": subjects_hw[i],
                      "text": (WORDS * 3)[i * 7: i * 7 + 20 + 30 * (i % 3)],
                      "due": (SCHOOL_MORNING.date() + timedelta(days=i % 3)).isoformat()}
                     for i in range(case["class_life"])],
        "countdowns": [{"id": f"D{i}", "title": title, "date": (SCHOOL_MORNING.date() + timedelta(days=days)).isoformat()}
                       for i, (title, days) in enumerate([("距中考", 200), ("距期末考试（全年级统一安排）", 45)])
                       if i < min(2, case["class_life"])]}
    periods = [{"index": i, "name": n, "start": s, "end": e, "kind": "lesson"} for i, n, s, e in TEN_PERIODS]
    school["bell_schedules"][0]["periods"] = periods
    weekday = SCHOOL_MORNING.isoweekday()
    others = [x for x in school["lessons"] if not (x["class_id"] == "C101" and x["weekday"] == weekday)]
    if case["long_names"]:
        school["teachers"] = [dict(t, name=LONG_TEACHER) for t in school["teachers"]]
        school["rooms"] = [dict(r, name=LONG_ROOM) for r in school["rooms"]]
    subjects = ["语文", "数学", "信息技术", "物理", "思想政治", "英语", "体育与健康", "化学", "生物", "地理"]
    school["lessons"] = others + [
        {"id": f"T-{p}", "class_id": "C101", "weekday": weekday, "period": p, "subject": subjects[p - 1],
         "teacher_id": "T001", "room_id": "LAB1" if p % 3 == 0 else "R101", "weeks": "all"}
        for p in range(1, case["lessons"] + 1)]
    return school


def install(board, case: dict) -> None:
    from classboard.sample import board_bundle

    school = school_for(case, SCHOOL_MORNING.date())
    board.install_bundle(board_bundle(school, board.id, "C101", "2026-11-24T00:00:00Z"), etag=json.dumps(case))
    for i in range(case["class_life"] * 2):  # the student's own evaluations for their corner
        board.class_life.evaluate("T001", "C101", ["S1001"], "课堂表现", 1 + i % 3, WORDS[i: i + 10 + 8 * (i % 4)])
    m.SensorReading.delete().execute()
    at = utc(board.clock.now()).replace(tzinfo=None)
    m.SensorReading.insert_many([{"at": at - timedelta(minutes=2 + i), "sensor": sensor, "quantity": q, "value": v}
                                 for i, (sensor, q, v) in enumerate(SENSORS[:case["sensors"]])]).execute()


@pytest.fixture(scope="module")
def layout_board(tmp_path_factory):
    from edge.board import Board
    from edge.clock import FakeClock

    b = Board(make_config(tmp_path_factory.mktemp("layout") / "board", board__class_id="C101",
                          ui__notice_rotate_ms="1000"), clock=FakeClock(SCHOOL_MORNING))
    screen = Screen(b)
    yield b, screen
    screen.close()
    b.stop()


@pytest.fixture(scope="module")
def layout_page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, device_scale_factor=1)
    page = context.new_page()
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    # a stream cut by the page's own navigation is not a failure; anything else is
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") and r.url.endswith("/events")
            else failures.append(f"failed {r.url} {r.failure}"))
    yield page, failures
    context.close()


# Every element inside its card, every card inside the screen, no card with content left blank.
CHECK = """() => {
  var problems = [], W = window.innerWidth, H = window.innerHeight;
  var shown = function (el) { var r = el.getBoundingClientRect();
    return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  var name = function (el) { return el.tagName.toLowerCase() + '.' + String(el.className).replace(/ /g, '.'); };
  document.querySelectorAll('.card, header.bar, nav.dock, main.emergency').forEach(function (card) {
    if (!shown(card)) { return; }
    var c = card.getBoundingClientRect();
    if (c.left < -1 || c.top < -1 || c.right > W + 1 || c.bottom > H + 1) {
      problems.push(name(card) + ' off screen ' + JSON.stringify([c.left, c.top, c.right, c.bottom]));
    }
    var any = false;
    card.querySelectorAll('*').forEach(function (el) {
      if (!shown(el)) { return; }
      any = any || (el.textContent.trim().length > 0);
      var b = el.getBoundingClientRect();
      if (b.left < c.left - 1 || b.top < c.top - 1 || b.right > c.right + 1 || b.bottom > c.bottom + 1) {
        problems.push(name(el) + ' cut in ' + name(card) + ': ' + el.textContent.trim().slice(0, 30) + ' '
                      + JSON.stringify([b.top - c.top, c.bottom - b.bottom, b.left - c.left, c.right - b.right]));
      }
    });
    if (!any && card.textContent.trim().length > 0) { problems.push(name(card) + ' blank'); }
  });
  if (document.documentElement.scrollWidth > W || document.documentElement.scrollHeight > H) { problems.push('page scrolls'); }
  return problems;
}"""

VISIBLE_NOTICES = """() => Array.from(document.querySelectorAll('.notices .notice'))
  .filter(function (n) { return n.getClientRects().length > 0; }).map(function (n) { return n.textContent; })"""


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_no_screen_clips(layout_board, layout_page, case):
    board, screen = layout_board
    page, failures = layout_page
    page.goto("about:blank")  # else the last case's page, told of the new content, reloads under our feet
    install(board, case)
    failures.clear()
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(screen.url + "/", wait_until="load")
        where = f"{case} at {width}x{height}"
        problems = page.evaluate(CHECK)
        if problems:
            shoot(page, f"layout-fail-{width}x{height}")
        assert problems == [], where
        if case["mode"] == "emergency":
            assert page.locator("body.alarm").count() == 1, where
            continue
        if case["mode"] == "exam":
            assert page.locator("main.exam").count() == 1, where
            continue
        shown = page.evaluate(VISIBLE_NOTICES)
        items = case["notices"] + case["class_life"]  # notices and homework share the card
        assert len(shown) >= min(1, items), where  # never an empty notice card while notices are live
        if case["class_life"]:
            assert "距中考还有 200 天" in page.inner_text("header.bar"), where
        if len(shown) < items:  # more than fit: the card must rotate (every ui.notice_rotate_ms = 1 s)
            later = shown  # a loaded machine delays page timers: look for the turn for up to 8 rotations
            for _ in range(40):
                page.wait_for_timeout(200)
                later = page.evaluate(VISIBLE_NOTICES)
                if later != shown:
                    break
            assert later and later != shown, f"notices do not rotate: {where}"
            assert page.evaluate(CHECK) == [], where
        lessons = page.locator(".periods li:visible").count()
        assert lessons >= min(case["lessons"], 1), where
        if case["lessons"] and page.locator(".periods li.current").count():  # the current lesson is never dropped
            assert page.locator(".periods li.current:visible").count() == 1, where
        assert page.locator(".now .subject").count() == 1, where
        page.goto("about:blank")  # a student's corner, with the same content, never clips either
        page.goto(screen.url + "/me/" + board.student_tapped("S1001"), wait_until="load")
        assert page.locator("main.corner").count() == 1 and page.evaluate(CHECK) == [], f"corner: {where}"
        page.goto("about:blank")
        board.corner.close()
    assert failures == [], case


def test_cases_are_a_pairwise_cover():
    """The generator does its job: every pair of levels of every two factors is in some case."""
    names = list(FACTORS)
    for a, b in itertools.combinations(names, 2):
        for x, y in itertools.product(FACTORS[a], FACTORS[b]):
            assert any(c[a] == x and c[b] == y for c in CASES), (a, x, b, y)
    assert len(CASES) <= 40
