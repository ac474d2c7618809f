"""Push: an emergency alert published on the hub until every board holds it. Goal: p95 ≤ 1 s for 50 boards.

A Mosquitto broker on 127.0.0.1 and a real ``classboard hub serve`` process
(``--mqtt-host``) start; --boards simulated boards enroll through the board API
(so the hub pokes each of them, as it does for real boards) and subscribe with
paho-mqtt, QoS 1, to exactly the topics ``edge/sync/push.py`` subscribes to
(their poke and command topics and the school's retained alert topic). On an
alert each board does what the board's PushListener does before it acts:
``protocol.mqtt.open_message`` against the hub key pinned at enrollment, with
school, board, expiry and replay checks. (The real board then writes the alert
into its settings and pokes its scheduler; that local step is not included.)

Each of --rounds rounds publishes an emergency notice through the hub's real
path, the web console (logged-in admin, ``POST /notices`` with
``emergency=on``: the notice is stored, every enrolled board is poked, and the
signed alert is published retained), and measures per board the time from
the moment the POST is sent to the moment that board holds a verified alert.
The notice is then ended (the hub clears the retained alert) before the next
round. Printed: p50/p95/max over all boards and rounds, and per-round maxima.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from drain import Hub, free_port  # noqa: E402  (the same hub process helper as bench/drain.py)

MOSQUITTO = "/usr/sbin/mosquitto"
PASSWORD = "bench-password-1"


class Broker:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.log = open(workdir / "mosquitto.log", "wb")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline and self.proc.poll() is None:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
                time.sleep(0.05)
            raise RuntimeError("mosquitto did not start")
        except BaseException:  # the caller never gets this object to stop, so stop it here
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class SimBoard:
    """A board's push side only: subscribe like PushListener, verify like PushListener."""

    def __init__(self, index: int, broker_port: int, hub_url: str, token: str, room: str, bench) -> None:
        import requests

        from protocol.keys import generate_keypair, load_public, public_text
        from edge.sync.push import RecentIds

        self.id, self.bench = f"push-{index:03d}", bench
        self.key = generate_keypair()
        answer = requests.post(hub_url + "/api/v1/enroll", timeout=(5, 30), json={
            "board_id": self.id, "public_key": public_text(self.key), "name": self.id, "version": "bench",
            "enrollment_token": token, "room": room}).json()
        if answer.get("status") != "enrolled":
            raise RuntimeError(f"{self.id} did not enroll: {answer}")
        self.school_id, self.hub_key = answer["school_id"], load_public(answer["hub_public_key"])
        self.seen = RecentIds()
        self.refused = self.pokes = 0
        self.subscribed = threading.Event()
        self.port = broker_port
        self.client = None

    def topics(self) -> list[str]:
        from protocol.mqtt import alert_topic, board_topic

        return [board_topic(self.school_id, self.id, "poke"), board_topic(self.school_id, self.id, "command"),
                alert_topic(self.school_id)]

    def handle(self, topic: str, raw: bytes) -> None:
        from protocol.mqtt import MessageError, alert_topic, open_message

        now = time.perf_counter()
        if topic == alert_topic(self.school_id) and not raw:
            self.bench.cleared(self)
            return
        try:
            payload = open_message(raw, self.hub_key, seen=self.seen, school_id=self.school_id, board_id=self.id)
        except MessageError:
            self.refused += 1
            return
        if payload["type"] == "alert":
            self.bench.holds(self, payload, now, time.time())
        elif payload["type"] == "poke":
            self.pokes += 1

    def start(self) -> None:
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"board-{self.id}")
        client.reconnect_delay_set(1, 60)
        pending = set()

        def on_connect(c, userdata, flags, reason_code, properties):
            for topic in self.topics():
                pending.add(c.subscribe(topic, qos=1)[1])

        def on_subscribe(c, userdata, mid, reason_codes, properties):
            pending.discard(mid)
            if not pending:
                self.subscribed.set()

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = lambda c, userdata, msg: self.handle(msg.topic, msg.payload)
        client.connect_async("127.0.0.1", self.port, keepalive=30)
        client.loop_start()
        self.client = client

    def stop(self) -> None:
        if self.client is not None:
            self.client.disconnect()  # before loop_stop, so the network thread ends at once

    def join(self) -> None:
        if self.client is not None:
            self.client.loop_stop()


class Round:
    def __init__(self, title: str, boards: int) -> None:
        self.title, self.boards = title, boards
        self.sent = self.answered = 0.0
        self.held: dict[str, tuple[float, float]] = {}  # board → (perf_counter, wall-clock latency from issued_at)
        self.cleared: set[str] = set()
        self.all_held = threading.Event()
        self.all_cleared = threading.Event()


class Bench:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.round: Round | None = None
        self.stray = 0

    def holds(self, board: SimBoard, payload: dict, at: float, wall: float) -> None:
        issued = datetime.strptime(payload["issued_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        with self.lock:
            r = self.round
            if r is None or payload.get("alert", {}).get("title") != r.title:
                self.stray += 1
                return
            r.held.setdefault(board.id, (at, wall - issued.timestamp()))
            if len(r.held) == r.boards:
                r.all_held.set()

    def cleared(self, board: SimBoard) -> None:
        with self.lock:
            r = self.round
            if r is not None and r.held:
                r.cleared.add(board.id)
                if len(r.cleared) == r.boards:
                    r.all_cleared.set()


class Console:
    """The hub's web console as an admin uses it: log in, publish an emergency notice, end it."""

    def __init__(self, hub: Hub) -> None:
        import requests

        self.hub, self.http = hub, requests.Session()
        subprocess.run([sys.executable, "-m", "classboard", "hub", "create-user", "--data", str(hub.data),
                        "bench-admin", "--role", "admin", "--password", PASSWORD], check=True,
                       capture_output=True, timeout=60)
        csrf = self._csrf("/login")
        r = self.http.post(hub.url + "/login", data={"username": "bench-admin", "password": PASSWORD, "csrf": csrf},
                           allow_redirects=False, timeout=(5, 30))
        if r.status_code != 302:
            raise RuntimeError(f"console login failed: {r.status_code}")
        self.csrf = self._csrf("/notices")

    def _csrf(self, path: str) -> str:
        page = self.http.get(self.hub.url + path, timeout=(5, 30)).text
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def publish(self, title: str) -> None:
        r = self.http.post(self.hub.url + "/notices", allow_redirects=False, timeout=(5, 30), data={
            "csrf": self.csrf, "title": title, "body": "请立即按疏散路线撤离到操场。Evacuate to the sports ground now.",
            "format": "text", "scope": "school", "priority": "100", "emergency": "on"})
        if r.status_code != 302:
            raise RuntimeError(f"publishing the notice failed: {r.status_code}")

    def end(self, title: str) -> None:
        conn = sqlite3.connect(self.hub.data / "hub.sqlite3", timeout=30)
        try:
            row = conn.execute("SELECT id FROM notice WHERE title = ?", (title,)).fetchone()
        finally:
            conn.close()
        if row is None:
            raise RuntimeError(f"notice {title!r} is not in the hub database")
        r = self.http.post(f"{self.hub.url}/notices/{row[0]}/end", data={"csrf": self.csrf}, allow_redirects=False,
                           timeout=(5, 30))
        if r.status_code != 302:
            raise RuntimeError(f"ending the notice failed: {r.status_code}")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for every board each round")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between rounds")
    parser.add_argument("--quick", action="store_true", help="5 boards, 3 rounds (CI: seconds)")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.rounds, args.pause = 5, 3, 0.1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (finally below) on kill as on Ctrl-C
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="classboard-push-"))
    broker = hub = None
    boards: list[SimBoard] = []
    try:
        broker = Broker(workdir)
        hub = Hub(workdir, mqtt_port=broker.port)
        bench = Bench()
        rooms = [c["home_room_id"] for c in json.loads((workdir / "school.json").read_text("utf-8"))["classes"]]
        for i in range(args.boards):
            boards.append(SimBoard(i, broker.port, hub.url, hub.token, rooms[i % len(rooms)], bench))
        for b in boards:
            b.start()
        deadline = time.monotonic() + 30
        for b in boards:
            if not b.subscribed.wait(max(0.0, deadline - time.monotonic())):
                raise RuntimeError(f"{b.id} did not subscribe within 30 s")
        console = Console(hub)

        rounds: list[Round] = []
        for n in range(args.rounds):
            r = Round(f"紧急疏散演练 bench round {n + 1}", args.boards)
            with bench.lock:
                bench.round = r
            r.sent = time.perf_counter()
            console.publish(r.title)
            r.answered = time.perf_counter()
            r.all_held.wait(args.wait)
            rounds.append(r)
            console.end(r.title)
            r.all_cleared.wait(args.wait)
            time.sleep(args.pause)
        with bench.lock:
            bench.round = None

        lat = [at - r.sent for r in rounds for at, _ in r.held.values()]
        from_issue = [wall for r in rounds for _, wall in r.held.values()]
        post = [r.answered - r.sent for r in rounds]
        missed = sum(args.boards - len(r.held) for r in rounds)
        per_round_max = [max(at for at, _ in r.held.values()) - r.sent for r in rounds if r.held]
        print(f"machine                      {os.cpu_count()} cores, load average {load_before:.2f} before the run "
              f"(other processes compete for the same cores)")
        print(f"setup                        mosquitto + hub on 127.0.0.1, {args.boards} boards subscribed (QoS 1), "
              f"{args.rounds} rounds")
        print(f"console POST /notices        p50 {statistics.median(post) * 1000:7.1f} ms, "
              f"max {max(post) * 1000:7.1f} ms (store, poke {args.boards} boards, publish alert)")
        print(f"publish → board holds        p50 {statistics.median(lat) * 1000:7.1f} ms, "
              f"p95 {percentile(lat, 95) * 1000:7.1f} ms, max {max(lat) * 1000:7.1f} ms   (goal p95 ≤ 1000 ms)")
        print(f"hub signed → board holds     p50 {statistics.median(from_issue) * 1000:7.1f} ms, "
              f"p95 {percentile(from_issue, 95) * 1000:7.1f} ms (from the envelope's issued_at, ms resolution)")
        print(f"last board, per round (ms)   " + " ".join(f"{m * 1000:.0f}" for m in per_round_max))
        print(f"held / expected              {len(lat)} / {args.boards * args.rounds}"
              f"{'' if not missed else f'  ({missed} missed within {args.wait:.0f} s)'}; "
              f"refused {sum(b.refused for b in boards)}, pokes {sum(b.pokes for b in boards)}, stray {bench.stray}")
        print(f"push: {args.boards} boards × {args.rounds} rounds, emergency alert publish → board holds: "
              f"p50 {statistics.median(lat) * 1000:.0f} ms, p95 {percentile(lat, 95) * 1000:.0f} ms, "
              f"max {max(lat) * 1000:.0f} ms (goal p95 ≤ 1 s)")
        print(json.dumps({"bench": "push", "boards": args.boards, "rounds": args.rounds,
                          "p50_ms": round(statistics.median(lat) * 1000, 1),
                          "p95_ms": round(percentile(lat, 95) * 1000, 1), "max_ms": round(max(lat) * 1000, 1),
                          "post_p50_ms": round(statistics.median(post) * 1000, 1), "held": len(lat),
                          "expected": args.boards * args.rounds, "complete": missed == 0,
                          "load_before": round(load_before, 2)}))
    finally:
        for b in boards:
            b.stop()
        for b in boards:
            b.join()
        if hub is not None:
            hub.stop()
        if broker is not None:
            broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
