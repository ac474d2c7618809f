"""The board's server pushes changes to the page (Server-Sent Events); polling is only the fallback."""
from __future__ import annotations

import http.client
import json

import pytest

from edge.bundle_store import put_setting
from tests.ui.conftest import page_for

pytestmark = pytest.mark.integration
ALERT = {"id": "A1", "expires_at": "2099-01-01T00:00:00.000Z", "title": "地震应急疏散", "body": "请立即到操场集合"}


def read_event(response) -> dict:
    """The next ``home`` event's data from an open SSE response (comments and retry lines skipped)."""
    for _ in range(50):
        line = response.fp.readline().decode()
        if line.startswith("data: "):
            return json.loads(line[6:])
    raise AssertionError("no event in 50 lines")


def test_stream_sends_the_takeover_when_the_board_holds_an_alert(screen, board):
    conn = http.client.HTTPConnection("127.0.0.1", screen.port, timeout=10)
    conn.request("GET", "/api/home/events")
    response = conn.getresponse()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
    first = read_event(response)
    assert first["emergency"] is False
    put_setting("alert.current", json.dumps(ALERT, ensure_ascii=False))  # what PushListener does on an alert
    board.scheduler.poke()
    second = read_event(response)
    assert second["emergency"] is True and second["version"] != first["version"]
    put_setting("alert.current", "")  # the hub cleared it
    board.scheduler.poke()
    assert read_event(response)["version"] == first["version"]  # home again, the same home
    conn.close()


def test_page_paints_the_takeover_from_the_stream_with_polling_blocked(browser, screen, board):
    page = page_for(browser)
    polled = []
    page.route("**/api/home.json", lambda route: (polled.append(route.request.url), route.abort()))
    page.goto(screen.url + "/")
    assert page.locator("main.home").count() == 1
    page.wait_for_timeout(300)  # the stream is open
    put_setting("alert.current", json.dumps(ALERT, ensure_ascii=False))
    board.scheduler.poke()
    page.wait_for_selector("body.alarm", timeout=10_000)  # only the stream can have told it: polling is blocked
    assert "地震应急疏散" in page.inner_text("h1") and polled == []
    put_setting("alert.current", "")
    board.scheduler.poke()
    page.wait_for_selector("main.home", timeout=10_000)
    page.context.close()


def test_page_falls_back_to_polling_without_a_stream(browser, screen, board):
    page = page_for(browser)
    page.route("**/api/home/events", lambda route: route.abort())
    polled = []
    page.on("request", lambda r: polled.append(r.url) if r.url.endswith("/api/home.json") else None)
    page.goto(screen.url + "/")
    page.wait_for_timeout(500)
    assert polled, "the page did not poll when the stream failed"
    put_setting("alert.current", json.dumps(ALERT, ensure_ascii=False))
    page.wait_for_selector("body.alarm", timeout=15_000)  # the next 5 s poll finds it
    page.context.close()
