"""TLS against plain: board sync drain and emergency-push latency, as ratios measured in one run.

Drain: a real board (SyncService) empties an outbox of --records into a real
``classboard hub serve`` process, once over plain HTTP (waitress, as before)
and once over HTTPS with the hub's self-made certificate pinned (cheroot, the
default now); the same records, the same batch size.

Push: a signed emergency alert published to a real Mosquitto and received by
a board's subscription, --pushes times one after another: once on the plain
anonymous listener the demo uses, once on the TLS listener the hub generates
(the board's own user and ACL, the pinned certificate). Latency is publish →
arrival in the same process.

Goal: TLS costs ≤ 1.5× the plain drain time and ≤ 2 ms more per push (p50).
Ends with one JSON line. Run: .venv/bin/python bench/tls.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from drain import QUEUE_BATCH, activities  # noqa: E402  (the drain bench's realistic records)
from push import Broker  # noqa: E402  (the push bench's anonymous broker, as the demo runs it)


def drain_seconds(workdir: Path, hub, n: int, **env: str) -> float:
    """Enroll a board with ``hub``, queue ``n`` records, time the sync cycles that empty its outbox."""
    from edge.board import Board
    from edge.sync.service import SyncService
    from tests.conftest import make_config

    board = Board(make_config(workdir, hub__url=hub.url, hub__enrollment_token=hub.token, hub__room="R101",
                              board__class_id="C101", **env))
    try:
        sync = SyncService(board)
        if not sync.cycle()["enrolled"]:
            raise SystemExit(f"the board did not enroll with {hub.url}")
        sync.last_health = time.monotonic() + 1e6  # health reports stay out of the timing
        acts = activities(n)
        for i in range(0, n, QUEUE_BATCH):
            board.usage.record_many(acts[i:i + QUEUE_BATCH])
        start = time.perf_counter()
        for _ in range(n // max(1, sync.batch) + 50):  # bounded
            if not board.usage.outbox_depth():
                break
            sync.cycle()
        elapsed = time.perf_counter() - start
        if board.usage.outbox_depth():
            raise SystemExit("the outbox did not empty")
        return elapsed
    finally:
        board.stop()


def push_latencies(port: int, pushes: int, school: str, listen: dict, publish: dict) -> list[float]:
    """Seconds from publish to arrival, one alert at a time, on the school's alert topic."""
    from protocol.keys import generate_keypair
    from protocol.mqtt import alert_topic, seal_message
    from tests.security.mqtt_clients import Listener

    key, topic = generate_keypair(), alert_topic(school)
    messages = [seal_message(key, school, "alert", alert={"title": "演练", "body": f"第 {i} 次", "level": "drill"})
                for i in range(pushes)]
    board, hub = Listener(port, name="board", **listen), Listener(port, name="hub", **publish)
    try:
        if not (board.accepted() and hub.accepted()):
            raise SystemExit(f"the broker on {port} refused the bench's clients")
        board.subscribe(topic)
        out = []
        for raw in messages:
            start = time.perf_counter()
            hub.client.publish(topic, raw, qos=1)
            board.messages.get(timeout=10)
            out.append(time.perf_counter() - start)
        return out
    finally:
        board.stop()
        hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--pushes", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="2,000 records, 50 pushes")
    args = parser.parse_args()
    records, pushes = (2_000, 50) if args.quick else (args.records, args.pushes)

    import logging
    logging.disable(logging.WARNING)
    from classboard.sample import sample_school
    from tests.security.conftest import Mosquitto, TlsHub, broker_user, wait_listening
    from tests.sync.conftest import HubProcess

    os.environ["CLASSBOARD_BROKER_USER"] = broker_user()  # the generated broker config (see tests/security)
    workdir = Path(tempfile.mkdtemp(prefix="classboard-tls-"))
    running = []
    try:
        school = sample_school()
        (workdir / "plain").mkdir()
        plain_hub = HubProcess(workdir / "plain" / "hub", school)
        running.append(plain_hub)
        plain_s = drain_seconds(workdir / "plain-board", plain_hub, records)

        mqtt_port = __import__("tests.conftest", fromlist=["free_port"]).free_port()
        tls_hub = TlsHub(workdir / "tls" / "hub", school, "--broker-dir", str(workdir / "broker"), "--mqtt-tls",
                         "--mqtt-host", "127.0.0.1", "--mqtt-port", str(mqtt_port))
        running.append(tls_hub)
        broker = Mosquitto(workdir / "broker" / "mosquitto.conf")
        running.append(broker)
        wait_listening(mqtt_port)
        tls_s = drain_seconds(workdir / "tls-board", tls_hub, records, hub__tls_fingerprint=tls_hub.fingerprint)

        from edge.bundle_store import get_setting  # the TLS board's store is the last one opened
        login = json.loads(get_setting("enroll.mqtt"))
        hub_password = (workdir / "broker" / "hub_password").read_text().strip()
        school_id = get_setting("enroll.school_id")
        tls_lat = push_latencies(mqtt_port, pushes, school_id, {"username": login["username"], "password": login["password"],
                                                     "cert_pem": login["cert_pem"]},
                                 {"username": "classboard-hub", "password": hub_password, "cert_pem": login["cert_pem"]})
        plain_broker = Broker(workdir / "plain")
        running.append(plain_broker)
        plain_lat = push_latencies(plain_broker.port, pushes, school_id, {}, {})

        def p(values: list[float], q: float) -> float:
            return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000

        drain_ratio = tls_s / plain_s
        print(f"drain {records:,} records   plain {plain_s:6.2f} s ({records / plain_s:,.0f}/s)   "
              f"TLS {tls_s:6.2f} s ({records / tls_s:,.0f}/s)   ratio TLS/plain {drain_ratio:.2f}×")
        print(f"push  {pushes} alerts       plain p50 {p(plain_lat, 50):.2f} ms p95 {p(plain_lat, 95):.2f} ms   "
              f"TLS p50 {p(tls_lat, 50):.2f} ms p95 {p(tls_lat, 95):.2f} ms   "
              f"ratio p50 {p(tls_lat, 50) / p(plain_lat, 50):.2f}×")
        print(json.dumps({"bench": "tls", "records": records, "pushes": pushes,
                          "drain_plain_s": round(plain_s, 3), "drain_tls_s": round(tls_s, 3),
                          "drain_ratio_tls_over_plain": round(drain_ratio, 3),
                          "push_plain_p50_ms": round(p(plain_lat, 50), 3), "push_tls_p50_ms": round(p(tls_lat, 50), 3),
                          "push_plain_p95_ms": round(p(plain_lat, 95), 3), "push_tls_p95_ms": round(p(tls_lat, 95), 3),
                          "push_ratio_p50_tls_over_plain": round(p(tls_lat, 50) / p(plain_lat, 50), 3)}))
    finally:
        for proc in reversed(running):
            proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
