"""Real processes for sync tests: a hub server and a Mosquitto broker, on 127.0.0.1 only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import free_port


def wait_port(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class HubProcess:
    def __init__(self, data: Path, school: dict, mqtt_port: int | None = None) -> None:
        self.data, self.port = data, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        school_file = data.parent / "school.json"
        school_file.write_text(json.dumps(school, ensure_ascii=False), encoding="utf-8")
        cli = [sys.executable, "-m", "classboard", "hub"]
        subprocess.run(cli + ["seed", "--data", str(data), "--from-json", str(school_file)], check=True,
                       capture_output=True)
        self.token = subprocess.run(cli + ["token", "create", "--data", str(data)], check=True, capture_output=True,
                                    text=True).stdout.strip()
        args = cli + ["serve", "--plain-http", "--data", str(data), "--port", str(self.port)]
        if mqtt_port:
            args += ["--mqtt-host", "127.0.0.1", "--mqtt-port", str(mqtt_port)]
        self.args, self.log = args, open(data.parent / "hub.log", "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.url + "/api/v1/time")

    def create_user(self, name: str, role: str, password: str = "long-password") -> None:
        """A console account, made with the hub's own command."""
        made = subprocess.run([sys.executable, "-m", "classboard", "hub", "create-user", name, "--role", role,
                               "--password", password, "--data", str(self.data)], capture_output=True, text=True,
                              timeout=60)
        assert made.returncode == 0, made.stderr

    def sign_in(self, page, name: str, password: str = "long-password") -> None:
        """Sign in on the console's login page, as a person would (Playwright page)."""
        page.goto(self.url + "/login")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", password)
        page.click("button")

    def restart(self) -> None:
        """Start the hub again on the same port and data (after it was stopped or killed)."""
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.url + "/api/v1/time")

    def records(self, board_id: str | None = None) -> list[tuple]:
        import sqlite3
        conn = sqlite3.connect(self.data / "hub.sqlite3")
        try:
            query = "SELECT id, board_id, seq, hash, kind, at, class_id, initiator, duration_s, data FROM usagerecord"
            rows = conn.execute(query + (" WHERE board_id = ?" if board_id else "") + " ORDER BY board_id, seq",
                                (board_id,) if board_id else ()).fetchall()
        finally:
            conn.close()
        return rows

    def log_of(self, board_id: str) -> list[dict]:
        """The board's records as the hub holds them, in wire form (leaf fields and leaf hash)."""
        from protocol.records import format_time
        return [{"id": r[0], "board_id": r[1], "seq": r[2], "hash": r[3], "kind": r[4],
                 "at": format_time(datetime.fromisoformat(r[5]).replace(tzinfo=timezone.utc)), "class_id": r[6],
                 "initiator": r[7], "duration_s": r[8], "data": json.loads(r[9])} for r in self.records(board_id)]

    def checkpoints(self, board_id: str) -> list[str]:
        import sqlite3
        conn = sqlite3.connect(self.data / "hub.sqlite3")
        try:
            return [t for (t,) in conn.execute("SELECT text FROM boardcheckpoint WHERE board_id = ? ORDER BY size",
                                               (board_id,))]
        finally:
            conn.close()

    def verify_log(self, board_id: str, public_key) -> list[dict]:
        """Assert that the hub holds the board's log whole: every leaf hash recomputes and the newest
        checkpoint the board signed names exactly the root of all of them. Returns the records."""
        from protocol.checkpoint import verify_checkpoint
        from protocol.merkle import root
        from protocol.records import record_leaf

        records = self.log_of(board_id)
        leaves = [record_leaf(r) for r in records]
        assert [leaf.hex() for leaf in leaves] == [r["hash"] for r in records]
        newest = verify_checkpoint(self.checkpoints(board_id)[-1], public_key, board_id)
        assert newest.size == len(records) and newest.root == root(leaves)
        return records

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)
        self.log.close()


@pytest.fixture
def mosquitto(tmp_path):
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    import socket
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def hub_server(tmp_path, school, request):
    mqtt_port = request.getfixturevalue("mosquitto") if "mosquitto" in request.fixturenames else None
    hub = HubProcess(tmp_path / "hub", school, mqtt_port)
    yield hub
    hub.stop()


def board_for(tmp_path: Path, hub: HubProcess, name: str = "board", room: str = "R101", clock=None, **env):
    from edge.board import Board
    from tests.conftest import make_config

    config = make_config(tmp_path / name, hub__url=hub.url, hub__enrollment_token=hub.token, hub__room=room, **env)
    return Board(config, clock=clock)
