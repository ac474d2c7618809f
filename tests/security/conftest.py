"""Real processes for the attacks: a hub over HTTPS, a Mosquitto with the hub's generated config; 127.0.0.1 only."""
from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

CLI = [sys.executable, "-m", "classboard", "hub"]


def wait_tls(port: int, timeout: float = 30.0) -> None:
    """Until a TLS handshake on 127.0.0.1:port succeeds (any certificate: this only waits)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as raw, context.wrap_socket(raw):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered TLS on {port} within {timeout} s")


def wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on {port} within {timeout} s")


class TlsHub:
    """``classboard hub serve`` over HTTPS with its self-made certificate, seeded with the sample school."""

    def __init__(self, data: Path, school: dict, *extra: str) -> None:
        self.data, self.port = data, free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        data.mkdir(parents=True, exist_ok=True)
        school_file = data.parent / f"{data.name}-school.json"
        school_file.write_text(json.dumps(school, ensure_ascii=False), encoding="utf-8")
        subprocess.run(CLI + ["seed", "--data", str(data), "--from-json", str(school_file)], check=True,
                       capture_output=True)
        self.token = self.cli("token create").strip()
        self.log = open(data.parent / f"{data.name}.log", "wb")
        self.proc = subprocess.Popen(CLI + ["serve", "--data", str(data), "--port", str(self.port), *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_tls(self.port)
        self.fingerprint = self.cli("fingerprint").strip()

    def cli(self, command: str, *args: str) -> str:
        """``hub <command> --data DATA <args>``; ``command`` may be two words (``token create``)."""
        return subprocess.run(CLI + command.split() + ["--data", str(self.data), *args], check=True,
                              capture_output=True, text=True).stdout

    def access_log(self) -> list[tuple[str, str, int]]:
        import sqlite3
        conn = sqlite3.connect(self.data / "hub.sqlite3")
        try:
            return conn.execute("SELECT event, actor, ok FROM accesslog ORDER BY id").fetchall()
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)
        self.log.close()


@pytest.fixture
def tls_hub(tmp_path, school):
    hub = TlsHub(tmp_path / "hub", school)
    yield hub
    hub.stop()


class Mosquitto:
    """A real broker run from the config file the hub wrote (its own pid file, so the hub can SIGHUP it)."""

    def __init__(self, conf: Path) -> None:
        self.log = open(conf.parent / "mosquitto.log", "wb")
        self.proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(conf)], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def broker_user() -> str:
    """Mosquitto started as root drops to user 'mosquitto', who could not read the test's files: stay root."""
    return "root" if os.geteuid() == 0 else ""


def browser_session(hub: TlsHub):
    """A requests session that trusts exactly the hub's certificate (as a board does)."""
    import requests

    from edge.sync.client import PinnedAdapter

    session = requests.Session()
    session.mount("https://", PinnedAdapter(hub.fingerprint))
    return session


def csrf_from(page: str) -> str:
    import re
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def try_login(session, hub: TlsHub, username: str, password: str, next_: str | None = None):
    token = csrf_from(session.get(hub.url + "/login").text)
    return session.post(hub.url + "/login", params={"next": next_} if next_ is not None else None,
                        data={"username": username, "password": password, "csrf": token}, allow_redirects=False)


from tests.hub.conftest import client, enrolled, hub_app, pg_server, token  # noqa: E402,F401  (the in-process hub)
