"""Drain: N queued records from one board to a real hub process on loopback.

Measures records/s and bytes on the wire per record (both directions, counted
by a small TCP proxy on 127.0.0.1 between board and hub) while the board's real
sync client (``SyncService.cycle`` → ``upload_once``) empties its outbox.
Goal (protocol 2, issue 13): ≥ 10,000 records/s and ≤ 40 bytes/record for
200,000 records; each batch carries the board's signed checkpoint, which the
hub checks against the root of the log it holds. Ends with one line of JSON;
--quick drains 10,000 records (CI: seconds).

Peer in the same run: the same records sent as one xAPI-style JSON statement
per POST over a keep-alive ``requests.Session`` to a minimal local HTTP server
that reads and discards each body; timed on the first --peer-records and
extrapolated per record. The ratios between the two are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
QUEUE_BATCH = 500  # activities per record_many call while filling the outbox


from tests.conftest import free_port  # noqa: E402  the tests' loopback helpers, shared
from tests.sync.conftest import wait_port as wait_http  # noqa: E402


class Hub:
    """``classboard hub serve`` in its own process, seeded with the sample school (as tests/sync does)."""

    def __init__(self, workdir: Path, mqtt_port: int | None = None, classes: int = 2, threads: int = 0,
                 db_url: str = "", seed: bool = True) -> None:
        """``seed=False``: one more process on a hub already seeded in ``workdir`` (same data dir and database)."""
        from classboard.sample import sample_school

        self.data, self.port = workdir / "hub", free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cli = [sys.executable, "-m", "classboard", "hub"]
        where = ["--data", str(self.data)] + (["--db-url", db_url] if db_url else [])
        self.token = ""
        if seed:
            school_file = workdir / "school.json"
            school_file.write_text(json.dumps(sample_school(classes=classes), ensure_ascii=False), encoding="utf-8")
            seeded = subprocess.run(cli + ["seed", *where, "--from-json", str(school_file)],
                                    capture_output=True, text=True, timeout=120)
            if seeded.returncode:
                raise RuntimeError(f"hub seed failed: {seeded.stderr.strip() or seeded.stdout.strip()}")
            self.token = subprocess.run(cli + ["token", "create", *where], check=True,
                                        capture_output=True, text=True, timeout=60).stdout.strip()
        args = cli + ["serve", "--plain-http", *where, "--port", str(self.port)]
        if mqtt_port:
            args += ["--mqtt-host", "127.0.0.1", "--mqtt-port", str(mqtt_port)]
        if threads:
            args += ["--threads", str(threads)]
        self.log_path = workdir / ("hub.log" if seed else f"hub-{self.port}.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_http(self.url + "/api/v1/time")
        except BaseException:  # the caller never gets this object to stop, so stop it here
            self.stop()
            raise

    def count(self, board_id: str | None = None) -> int:
        conn = sqlite3.connect(self.data / "hub.sqlite3", timeout=30)
        try:
            if board_id is None:
                return conn.execute("SELECT COUNT(*) FROM usagerecord").fetchone()[0]
            return conn.execute("SELECT COUNT(*) FROM usagerecord WHERE board_id = ?", (board_id,)).fetchone()[0]
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class CountingProxy:
    """A thread-per-connection TCP relay on 127.0.0.1 that counts bytes each way."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.up = self.down = self.connections = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="proxy", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=10)
            upstream.settimeout(None)
            client.settimeout(None)
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                self._open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, "down"), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                with self._lock:
                    if direction == "up":
                        self.up += len(chunk)
                    else:
                        self.down += len(chunk)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def reset(self) -> None:
        with self._lock:
            self.up = self.down = 0

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(2)
        with self._lock:
            for s in self._open:
                try:
                    s.close()
                except OSError:
                    pass


def activities(n: int, class_id: str = "C101") -> list:
    """A school day's worth of realistic usage, repeated: mostly card check-ins, some sessions."""
    from edge.services.usage import Activity

    base = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        at = base + timedelta(seconds=i * 3 % 86_400, milliseconds=i % 1000)
        r = i % 50
        if r < 44:
            out.append(Activity("checkin", "student", class_id, 0,
                                {"student": f"S{(i % 45) + 1:03d}", "method": "card" if r % 9 else "face"}, at))
        elif r < 46:
            out.append(Activity("attendance.session", "teacher", class_id, 2700,
                                {"period": (i // 50) % 8 + 1, "present": 43 - i % 3, "absent": 2 + i % 3,
                                 "late": i % 2}, at))
        elif r < 48:
            out.append(Activity("teacher.session", "teacher", class_id, 2400 + i % 300,
                                {"teacher": f"T{i % 12 + 1:02d}"}, at))
        elif r < 49:
            out.append(Activity("notice.ack", "student", class_id, 0, {"notice": f"N{i % 30}"}, at))
        else:
            out.append(Activity("interaction", "student", class_id, 35 + i % 60, {"app": "quiz", "score": i % 11},
                                at))
    return out


def make_board(workdir: Path, hub_url: str, token: str):
    from edge.board import Board
    from edge.config import load_config

    env = {"CLASSBOARD_BOARD__DATA_DIR": str(workdir / "board"), "CLASSBOARD_BOARD__CLASS_ID": "C101",
           "CLASSBOARD_HUB__URL": hub_url, "CLASSBOARD_HUB__ENROLLMENT_TOKEN": token,
           "CLASSBOARD_HUB__ROOM": "R101"}
    return Board(load_config(paths=[], env=env))


def drain(board, sync, proxy: CountingProxy, n: int, time_limit: float) -> tuple[float, int, int, int]:
    """Run sync cycles until the outbox is empty; returns (seconds, uploaded, bytes up, bytes down)."""
    proxy.reset()
    uploaded, cycles = 0, 0
    start = time.perf_counter()
    max_cycles = n // max(1, sync.batch) + 100
    while board.usage.outbox_depth() and cycles < max_cycles and time.perf_counter() - start < time_limit:
        uploaded += sync.cycle()["uploaded"]
        cycles += 1
    elapsed = time.perf_counter() - start
    return elapsed, uploaded, proxy.up, proxy.down


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def xapi_statement(rec: dict, school: str = "https://school.example.cn") -> dict:
    """One usage record as an xAPI-style statement, the way an LRS-bound client would send it."""
    verbs = {"checkin": "http://adlnet.gov/expapi/verbs/attended",
             "attendance.session": "http://adlnet.gov/expapi/verbs/completed",
             "teacher.session": "http://adlnet.gov/expapi/verbs/launched",
             "notice.ack": "http://adlnet.gov/expapi/verbs/experienced",
             "interaction": "http://adlnet.gov/expapi/verbs/interacted"}
    who = rec["data"].get("student") or rec["data"].get("teacher") or rec["initiator"]
    statement = {
        "id": rec["id"],
        "actor": {"objectType": "Agent", "account": {"homePage": school, "name": who}},
        "verb": {"id": verbs.get(rec["kind"], "http://adlnet.gov/expapi/verbs/experienced"),
                 "display": {"en-US": rec["kind"]}},
        "object": {"objectType": "Activity", "id": f"{school}/classes/{rec['class_id']}/{rec['kind']}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/meeting"}},
        "timestamp": rec["at"],
        "context": {"platform": "classboard", "extensions": {f"{school}/board": rec["board_id"],
                                                             f"{school}/seq": rec["seq"]}},
        "result": {"duration": f"PT{rec['duration_s']}S", "extensions": {f"{school}/data": rec["data"]}},
    }
    return statement


def peer(records: list[dict]) -> tuple[float, int, int]:
    """POST one statement per record through a counting proxy; returns (seconds, bytes up, bytes down)."""
    import requests

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    proxy = CountingProxy(server.server_address[1])
    try:
        url = f"http://127.0.0.1:{proxy.port}/xAPI/statements"
        headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
        with requests.Session() as http:
            start = time.perf_counter()
            for rec in records:
                body = json.dumps(xapi_statement(rec), ensure_ascii=False, separators=(",", ":")).encode()
                http.post(url, data=body, headers=headers, timeout=(5, 30)).raise_for_status()
            elapsed = time.perf_counter() - start
        return elapsed, proxy.up, proxy.down
    finally:
        proxy.close()
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000, help="records queued on the board (default 200000)")
    parser.add_argument("--batch", type=int, default=0, help="upload batch size (default: the board's hub.batch_size)")
    parser.add_argument("--peer-records", type=int, default=20_000,
                        help="records sent by the xAPI-style peer, extrapolated per record (default 20000)")
    parser.add_argument("--time-limit", type=float, default=600.0, help="give up the drain after this many seconds")
    parser.add_argument("--quick", action="store_true", help="10,000 records, 2,000 for the peer (CI: seconds)")
    args = parser.parse_args()
    if args.quick:
        args.records, args.peer_records = min(args.records, 10_000), min(args.peer_records, 2_000)

    from edge.sync.enroll import enroll
    from edge.sync.service import SyncService
    from edge.sync.upload import next_batch

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (finally below) on kill as on Ctrl-C
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="classboard-drain-"))
    hub = proxy = board = None
    try:
        hub = Hub(workdir)
        proxy = CountingProxy(hub.port)
        board = make_board(workdir, f"http://127.0.0.1:{proxy.port}", hub.token)
        if enroll(board) != "enrolled":
            raise SystemExit("the board did not enroll with the hub")
        sync = SyncService(board)
        if args.batch:
            sync.batch = args.batch
        sync.cycle()  # first pull (bundle) and health report, outside the timed drain
        sync.last_health = time.monotonic() + 10 * args.time_limit  # keep health reports out of the timed drain

        acts = activities(args.records)
        start = time.perf_counter()
        for i in range(0, len(acts), QUEUE_BATCH):
            board.usage.record_many(acts[i:i + QUEUE_BATCH])
        queue_s = time.perf_counter() - start
        depth = board.usage.outbox_depth()
        sample = next_batch(board, min(args.peer_records, args.records))
        del acts

        # Where the drain's time goes, measured on one batch outside the run: read + encode on the board.
        from protocol.records import decode_batch, encode_batch
        probe = next_batch(board, sync.batch)
        t0 = time.perf_counter()
        for _ in range(3):
            next_batch(board, sync.batch)
        read_each = (time.perf_counter() - t0) / 3 / len(probe)
        t0 = time.perf_counter()
        payload = encode_batch(probe, board.log.checkpoint_at(probe[-1]["seq"]))
        encode_each = (time.perf_counter() - t0) / len(probe)
        t0 = time.perf_counter()
        decode_batch(payload)
        decode_each = (time.perf_counter() - t0) / len(probe)

        elapsed, uploaded, up, down = drain(board, sync, proxy, args.records, args.time_limit)
        left = board.usage.outbox_depth()
        on_hub = hub.count(board.id)
        wire_bytes = up + down
        rate = uploaded / elapsed if elapsed else float("nan")
        per_rec = wire_bytes / uploaded if uploaded else float("nan")

        p_elapsed, p_up, p_down = peer(sample)
        p_rate = len(sample) / p_elapsed
        p_per_rec = (p_up + p_down) / len(sample)

        print(f"machine                      {os.cpu_count()} cores, load average {load_before:.2f} before the run "
              f"(other processes compete for the same cores)")
        print(f"queued                       {depth:,} records in {queue_s:.1f} s "
              f"({depth / queue_s:,.0f} records/s, record_many × {QUEUE_BATCH})")
        print(f"drain                        {uploaded:,} records in {elapsed:.1f} s, batches of {sync.batch}, "
              f"{proxy.connections} TCP connection(s)")
        print(f"  records/s                  {rate:10,.0f}   (goal ≥ 10,000)")
        print(f"  bytes/record on the wire   {per_rec:10.1f}   (goal ≤ 40; up {up / max(uploaded, 1):.1f}, "
              f"down {down / max(uploaded, 1):.1f})")
        print(f"  board: read outbox         {read_each * 1e6:10.1f} µs/record")
        print(f"  board: encode_batch        {encode_each * 1e6:10.1f} µs/record (checkpoint + gzip JSON columns)")
        print(f"  hub:   decode_batch        {decode_each * 1e6:10.1f} µs/record (+ root check and store, not split out)")
        print(f"  outbox left / hub holds    {left:,} / {on_hub:,}   "
              f"({'OK' if left == 0 and on_hub == args.records else 'MISMATCH'}: expected 0 / {args.records:,})")
        print(f"xAPI-style peer              {len(sample):,} statements, one POST each, keep-alive")
        print(f"  records/s                  {p_rate:10,.0f}")
        print(f"  bytes/record on the wire   {p_per_rec:10.1f}   (up {p_up / len(sample):.1f}, "
              f"down {p_down / len(sample):.1f})")
        print(f"ratio                        {rate / p_rate:10.1f}× faster, {p_per_rec / per_rec:.1f}× fewer bytes")
        print(f"drain: {uploaded:,} records in {elapsed:.1f} s = {rate:,.0f} records/s, {per_rec:.1f} bytes/record "
              f"on the wire; xAPI-style peer: {p_rate:,.0f} records/s, {p_per_rec:.0f} bytes/record; "
              f"ratio {rate / p_rate:.1f}× faster, {p_per_rec / per_rec:.1f}× fewer bytes")
        print(json.dumps({"bench": "drain", "records": uploaded, "seconds": round(elapsed, 2),
                          "records_per_s": round(rate), "bytes_per_record": round(per_rec, 1),
                          "up_bytes_per_record": round(up / max(uploaded, 1), 1),
                          "down_bytes_per_record": round(down / max(uploaded, 1), 1), "batch": sync.batch,
                          "complete": left == 0 and on_hub == args.records, "peer_records_per_s": round(p_rate),
                          "peer_bytes_per_record": round(p_per_rec, 1), "load_average": round(load_before, 2)}))
    finally:
        if board is not None:
            board.stop()
        if proxy is not None:
            proxy.close()
        if hub is not None:
            hub.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
