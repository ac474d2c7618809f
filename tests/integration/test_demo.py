"""`classboard demo`: real processes on real ports; a notice on the hub reaches both boards; nothing left behind."""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
import requests

from tests.conftest import free_port

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode()


def test_demo_runs_hub_broker_and_boards_and_stops_cleanly(tmp_path):
    hub, mqtt, b1, b2 = (free_port() for _ in range(4))
    proc = subprocess.Popen(
        [sys.executable, "-m", "classboard", "demo", "--hub-port", str(hub), "--mqtt-port", str(mqtt),
         "--board-ports", f"{b1},{b2}", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "data and logs" in line:
                break
        text = "".join(lines)
        assert "running" in text, text
        for port in (b1, b2):  # the screen answers at once; the school arrives with the first sync
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "南宁市青秀区示范中学" not in get(f"http://127.0.0.1:{port}/")[1]:
                time.sleep(0.2)
            status, body = get(f"http://127.0.0.1:{port}/")
            assert status == 200 and "南宁市青秀区示范中学" in body
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 4  # broker, hub, two boards

        console = requests.Session()
        page = console.get(f"http://127.0.0.1:{hub}/login", timeout=5).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        console.post(f"http://127.0.0.1:{hub}/login", data={"username": "admin", "password": "classboard",
                                                            "csrf": csrf}, timeout=5)
        page = console.get(f"http://127.0.0.1:{hub}/notices", timeout=5).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        published = time.monotonic()
        console.post(f"http://127.0.0.1:{hub}/notices", data={"title": "明天校运会", "body": "请穿运动服",
                                                             "scope": "school", "csrf": csrf}, timeout=5)
        seen = set()
        while time.monotonic() - published < 30 and len(seen) < 2:
            for port in (b1, b2):
                if "明天校运会" in get(f"http://127.0.0.1:{port}/")[1]:
                    seen.add(port)
            time.sleep(0.2)
        assert seen == {b1, b2}, "the notice did not reach both boards"
        print(f"notice on both boards {time.monotonic() - published:.1f} s after publishing")
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert left == [], f"processes left behind: {left}"
