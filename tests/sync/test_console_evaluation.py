"""An evaluation a teacher records in the hub console reaches the class's board: a poke over MQTT, a pull,
and the student sees it in their own corner (issue #18: evaluations "in the console")."""
import subprocess
import sys
import time

import pytest
import requests

from edge.sync.service import SyncService
from tests.hub.test_console import csrf_of
from tests.sync.conftest import board_for

pytestmark = pytest.mark.integration


def test_console_evaluation_reaches_the_students_corner(tmp_path, mosquitto, hub_server):
    board = board_for(tmp_path, hub_server)
    sync = SyncService(board)
    sync.cycle()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not sync.push.client.is_connected():
        time.sleep(0.05)
    subprocess.run([sys.executable, "-m", "classboard", "hub", "create-user", "li", "--role", "teacher", "--data",
                    str(hub_server.data), "--password", "long-password"], check=True, capture_output=True)
    console = requests.Session()
    token = csrf_of(console.get(hub_server.url + "/login").content)
    console.post(hub_server.url + "/login", data={"username": "li", "password": "long-password", "csrf": token})
    page = console.get(hub_server.url + "/console/class-life?class=C101").content
    assert b'value="S1001"' in page
    sync._wake.clear()
    answer = console.post(hub_server.url + "/console/class-life/evaluation", allow_redirects=False,
                          data={"csrf": csrf_of(page), "class_id": "C101", "student": ["S1001"], "category": "劳动",
                                "points": "3", "reason": "帮同学搬书"})
    assert answer.status_code == 302
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not sync._wake.is_set():
        time.sleep(0.05)
    assert sync._wake.is_set(), "the poke did not arrive"
    assert sync.cycle()["bundle"] == "installed"
    (made,) = [e for e in board.class_life.evaluations_of("S1001", "C101")]
    assert made == {"category": "劳动", "points": 3, "reason": "帮同学搬书"}
    assert board.class_life.evaluations_of("S1002", "C101") == []
    sync.stop()
    board.stop()
