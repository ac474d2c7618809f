"""`classboard demo` starts real processes on real ports and leaves none behind."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.integration


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read()


def test_demo_serves_hub_and_two_boards_and_stops_cleanly(tmp_path):
    ports = [free_port() for _ in range(3)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "classboard", "demo", "--hub-port", str(ports[0]),
         "--board-ports", f"{ports[1]},{ports[2]}", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "data and logs" in line:
                break
        text = "".join(lines)
        assert "running" in text, text
        for port in ports[1:]:
            assert f"http://127.0.0.1:{port}/" in text
            status, body = get(f"http://127.0.0.1:{port}/")
            assert status == 200 and "南宁市青秀区示范中学" in body.decode()
        children = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 3
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert left == [], f"processes left behind: {left}"
