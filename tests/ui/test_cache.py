"""Home is reused only while nothing it shows could have changed: a write, the minute, a notice's start or end."""
from __future__ import annotations

import threading
from datetime import timedelta

from edge.store import models as m


def _notice(board, nid, title, starts_in_s=-60, ends_in_s=None):
    now = board.clock.now().astimezone(board.zone).replace(tzinfo=None) - timedelta(hours=8)
    m.Notice.create(id=nid, title=title, starts_at=now + timedelta(seconds=starts_in_s),
                    ends_at=now + timedelta(seconds=ends_in_s) if ends_in_s else None)


def test_home_is_rebuilt_after_writes_minutes_and_notice_changes(board, clock):
    from kiosk_ui.app import create_app

    client = create_app(board).test_client()
    assert "午餐菜单" not in client.get("/").get_data(as_text=True)
    _notice(board, "N-this-thread", "午餐菜单")                    # written on this thread's connection
    assert "午餐菜单" in client.get("/").get_data(as_text=True)
    other = threading.Thread(target=_notice, args=(board, "N-other", "运动会报名"))  # another connection
    other.start(), other.join()
    assert "运动会报名" in client.get("/").get_data(as_text=True)
    _notice(board, "N-soon", "社团招新", starts_in_s=20)
    state = client.get("/api/home.json").get_json()
    assert 0 < state["next_change_s"] <= 20
    before = client.get("/").get_data(as_text=True)
    assert "社团招新" not in before and "10:10" in before
    clock.advance(25)                                                # same minute, but the notice has started
    assert "社团招新" in client.get("/").get_data(as_text=True)
    clock.advance(40)                                                # the minute turned
    assert "10:11" in client.get("/").get_data(as_text=True)
    assert client.get("/api/home.json").get_json()["version"] != state["version"]
