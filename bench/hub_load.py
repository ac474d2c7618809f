"""Hub under many simulated boards syncing at once: records/s, request latency, hub RSS.

A real ``classboard hub serve`` process (SQLite, its default waitress threads)
is seeded with a school of --classes classes; --boards lightweight simulated
boards (an Ed25519 key each, no edge runtime) enroll through the board API
with a school enrollment token from ``classboard hub token create``. Their
records are sealed and encoded beforehand exactly as a board does
(``protocol.records.seal`` / ``encode_batch``), so the timed part is the hub's
work plus HTTP. Then every board syncs as ``SyncService.cycle`` does: a
conditional GET of its bundle (``If-None-Match``; the first is unconditional),
then its --batches batches of --batch-size records, oldest first, each a POST
signed with the headers ``edge/sync/client.py`` sends. At most --threads
cycles run at once. A 5xx ends the cycle and the board backs off with the
board's own full-jitter ``Backoff`` before a new cycle, as a real board would;
a board in backoff holds no client thread.

Printed: total records/s over the run, per-request latency p50/p95/max by
request type, the hub process's peak RSS (VmHWM), and a check that the hub
holds every record. Goal from the issue: 200 boards syncing at once.
"""
from __future__ import annotations

import argparse
import json
import heapq
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from drain import Hub  # noqa: E402  (the same hub process helper as bench/drain.py)

TIMEOUT = (5, 60)


DAY = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)  # the school day the simulated records fall on


class SimBoard:
    def __init__(self, index: int, room: str) -> None:
        from protocol.keys import generate_keypair

        self.id = f"sim-{index:04d}"
        self.room = room
        self.key = generate_keypair()
        self.payloads: list[bytes] = []
        self.etag = ""
        self.log = None  # the board's MemoryLog: a later day's batches continue its seq and checkpoints
        self.next = self.acked = self.attempts = 0  # next batch to send, records acked, retries so far

    def seal_batches(self, batches: int, size: int, class_id: str | None, day: datetime = DAY) -> None:
        """Each batch as a board uploads it: its records and the signed checkpoint at its last one."""
        from protocol import records as wire
        from protocol.memlog import MemoryLog

        log = self.log = self.log or MemoryLog(self.id, self.key)
        for _ in range(batches):
            first = len(log.records)
            for _ in range(size):
                seq = len(log.records) + 1
                at = day + timedelta(seconds=seq * 7 % 86_400)
                if seq % 25:
                    kind, initiator, dur, data = "checkin", "student", 0, {"student": f"S1{seq % 45 + 1:03d}",
                                                                           "method": "card"}
                else:
                    kind, initiator, dur, data = "attendance.session", "teacher", 2700, {
                        "period": seq // 25 % 8 + 1, "present": 43, "absent": 2, "late": seq % 2}
                log.add(kind, wire.format_time(at), initiator=initiator, class_id=class_id, duration_s=dur,
                        data=data, record_id=wire.uuid7(int(at.timestamp() * 1000)))
            self.payloads.append(wire.encode_batch(log.records[first:], log.checkpoint()))


class Fleet:
    """The board side of a load run: boards enroll, then sync as ``SyncService.cycle`` does, each to its hub URL.

    A cycle is a conditional GET of the board's bundle (``If-None-Match``; the
    first is unconditional), then up to ``batches_per_cycle`` of its batches
    (None: all), oldest first, each a POST signed with the headers
    ``edge/sync/client.py`` sends. At most ``threads`` cycles run at once. A 5xx
    ends the cycle and the board backs off with the board's own full-jitter
    ``Backoff``; a board in backoff holds no client thread.
    """

    def __init__(self, boards: list[SimBoard], url_of, threads: int, retries: int = 10, backoff_base: float = 1.0,
                 batches_per_cycle: int | None = None) -> None:
        self.boards, self.url_of, self.threads = boards, url_of, threads
        self.retries, self.backoff_base, self.batches_per_cycle = retries, backoff_base, batches_per_cycle
        self._local = threading.local()
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Fresh counters for the next run (the boards keep their logs, ETags and enrollment)."""
        self.lat: dict[str, list[float]] = {"bundle 200": [], "bundle 304": [], "records": [], "failed (5xx)": []}
        self.errors: list[str] = []
        self.failures = {"bundle": 0, "records": 0}
        self.backoff_slept = 0.0

    def session(self):
        import requests

        if not hasattr(self._local, "http"):
            self._local.http = requests.Session()
        return self._local.http

    def enroll(self, b: SimBoard, token: str) -> float:
        from protocol.keys import public_text

        body = {"board_id": b.id, "public_key": public_text(b.key), "name": b.id, "version": "bench",
                "enrollment_token": token, "room": b.room}
        t0 = time.perf_counter()
        r = self.session().post(self.url_of(b) + "/api/v1/enroll", json=body, timeout=TIMEOUT)
        r.raise_for_status()
        if r.json().get("status") != "enrolled":
            raise RuntimeError(f"{b.id} did not enroll: {r.text[:200]}")
        return time.perf_counter() - t0

    def enroll_all(self, token: str) -> list[float]:
        """Every board through the board API; the latency of each."""
        with ThreadPoolExecutor(min(self.threads, len(self.boards))) as pool:
            return list(pool.map(lambda b: self.enroll(b, token), self.boards))

    def signed(self, method: str, path: str, b: SimBoard, body: bytes = b"", extra: dict | None = None):
        from protocol.auth import sign_request

        headers = dict(extra or {})
        headers.update(sign_request(b.key, b.id, method, path, body))
        return self.session().request(method, self.url_of(b) + path, data=body or None, headers=headers,
                                      timeout=TIMEOUT)

    def _request(self, kind: str, method: str, path: str, b: SimBoard, body: bytes = b"", extra: dict | None = None,
                 ok: tuple[int, ...] = (200,)):
        """One timed request: (response, "", seconds), or (None, "retry" | "stop", seconds) with the failure counted."""
        import requests

        t0 = time.perf_counter()
        try:
            r = self.signed(method, path, b, body, extra)
        except requests.RequestException:
            r = None
        took = time.perf_counter() - t0
        if r is None or r.status_code >= 500:
            with self.lock:
                self.failures[kind] += 1
                self.lat["failed (5xx)"].append(took)
            return None, "retry", took
        if r.status_code not in ok:
            with self.lock:
                self.errors.append(f"{b.id} {method} {kind} {r.status_code}: {r.text[:120]}")
            return None, "stop", took
        return r, "", took

    def sync_cycle(self, b: SimBoard, deadline: float) -> str:
        """One cycle: a conditional pull, then this board's next batches in order.

        Returns ``done``, ``more`` (batches left for a later cycle), ``retry`` (a 5xx or a broken
        connection: back off) or ``stop`` (a 4xx).
        """
        r, failed, took = self._request("bundle", "GET", f"/api/v1/boards/{b.id}/bundle", b,
                                        extra={"If-None-Match": f'"{b.etag}"'} if b.etag else None, ok=(200, 304))
        if failed:
            return failed
        if r.status_code == 200:
            b.etag = r.headers.get("ETag", "").strip('"')
            r.content  # noqa: B018 - read the body like the board does
        with self.lock:
            self.lat["bundle 200" if r.status_code == 200 else "bundle 304"].append(took)
        path = f"/api/v1/boards/{b.id}/records"
        last = len(b.payloads) if self.batches_per_cycle is None else min(len(b.payloads),
                                                                          b.next + self.batches_per_cycle)
        while b.next < last and time.monotonic() < deadline:
            p, failed, took = self._request("records", "POST", path, b, b.payloads[b.next],
                                            {"Content-Type": "application/gzip"})
            if failed:
                return failed
            with self.lock:
                self.lat["records"].append(took)
                b.acked += len(p.json().get("acked", []))
            b.next += 1
        return "more" if b.next < len(b.payloads) else "done"

    def run(self, time_limit: float) -> float:
        """Every board syncs until its batches are sent (or ``time_limit`` s pass); the seconds it took.

        Boards are independent: one that backs off must not hold a client thread, so backoff is a
        schedule (a heap of "next cycle at"), and ``threads`` only bounds how many cycles run at once.
        """
        from edge.sync.service import Backoff

        boards = self.boards
        deadline = time.monotonic() + time_limit
        ready = [(0.0, i) for i in range(len(boards))]
        heapq.heapify(ready)
        cond = threading.Condition()
        unfinished = [len(boards)]
        backoffs = [Backoff(base=self.backoff_base, rng=random.Random(i)) for i in range(len(boards))]

        def worker() -> None:
            while True:
                with cond:
                    while True:
                        now = time.monotonic()
                        if now > deadline or not unfinished[0]:
                            cond.notify_all()
                            return
                        if ready and ready[0][0] <= now:
                            _, i = heapq.heappop(ready)
                            break
                        cond.wait(min(0.5, ready[0][0] - now) if ready else 0.5)
                b = boards[i]
                outcome = self.sync_cycle(b, deadline)
                with cond:
                    if outcome == "more":  # its next sync: behind the boards already waiting
                        heapq.heappush(ready, (time.monotonic(), i))
                    elif outcome == "retry" and b.attempts < self.retries:
                        b.attempts += 1
                        delay = backoffs[i].next_delay()
                        self.backoff_slept += delay
                        heapq.heappush(ready, (time.monotonic() + delay, i))
                    else:
                        if outcome == "retry":
                            self.errors.append(f"{b.id}: gave up after {self.retries} retries")
                        unfinished[0] -= 1
                    cond.notify_all()

        start = time.perf_counter()
        workers = [threading.Thread(target=worker, daemon=True) for _ in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(time_limit + 120)
        return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def hub_memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            fields[line.split(":")[0]] = int(line.split()[1])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--batches", type=int, default=5, help="batches per board, sent in order")
    parser.add_argument("--batch-size", type=int, default=200, help="records per batch")
    parser.add_argument("--threads", type=int, default=48, help="client threads sending at once")
    parser.add_argument("--hub-threads", type=int, default=8, help="waitress threads in the hub (its default: 8)")
    parser.add_argument("--classes", type=int, default=20,
                        help="classes (and home rooms) in the seeded school; at most 22 (marker ids stop at 999)")
    parser.add_argument("--retries", type=int, default=10,
                        help="retries per board after a 5xx, with the board's full-jitter backoff (0: give up)")
    parser.add_argument("--backoff-base", type=float, default=1.0,
                        help="backoff base in seconds (the board's: 1.0; smaller shows raw hub capacity)")
    parser.add_argument("--time-limit", type=float, default=180.0,
                        help="stop starting new requests after this many seconds of load (boards still in backoff "
                             "then count as unfinished)")
    parser.add_argument("--quick", action="store_true", help="10 boards × 2 batches × 50 records (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.batches, args.batch_size, args.threads = 10, 2, 50, 4

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (finally below) on kill as on Ctrl-C
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="classboard-hubload-"))
    hub = None
    try:
        hub = Hub(workdir, classes=args.classes, threads=args.hub_threads)
        school = json.loads((workdir / "school.json").read_text(encoding="utf-8"))
        rooms = [c["home_room_id"] for c in school["classes"]]
        room_class = {c["home_room_id"]: c["id"] for c in school["classes"]}
        boards = [SimBoard(i, rooms[i % len(rooms)]) for i in range(args.boards)]

        start = time.perf_counter()
        for b in boards:
            b.seal_batches(args.batches, args.batch_size, room_class[b.room])
        seal_s = time.perf_counter() - start
        payload_bytes = sum(len(p) for b in boards for p in b.payloads)

        fleet = Fleet(boards, lambda b: hub.url, args.threads, args.retries, args.backoff_base)
        start = time.perf_counter()
        enroll_lat = fleet.enroll_all(hub.token)
        enroll_s = time.perf_counter() - start
        rss_idle, _ = hub_memory_kb(hub.proc.pid)

        peak_seen = [0]
        sampling = threading.Event()

        def sample_rss() -> None:  # VmHWM is the real peak; this shows when it was reached
            while not sampling.wait(0.25):
                try:
                    peak_seen[0] = max(peak_seen[0], hub_memory_kb(hub.proc.pid)[0])
                except OSError:
                    return

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        elapsed = fleet.run(args.time_limit)
        acked = sum(b.acked for b in boards)
        lat, errors, failures = fleet.lat, fleet.errors, fleet.failures
        sampling.set()
        sampler.join(2)
        rss_now, hwm = hub_memory_kb(hub.proc.pid)
        held = hub.count()
        expected = args.boards * args.batches * args.batch_size
        requests_made = sum(len(v) for v in lat.values())

        print(f"machine                      {os.cpu_count()} cores, load average {load_before:.2f} before the run "
              f"(other processes compete for the same cores)")
        print(f"hub                          waitress, {args.hub_threads} threads, SQLite; "
              f"school of {args.classes} classes")
        print(f"boards                       {args.boards} enrolled in {enroll_s:.1f} s "
              f"(p95 {percentile(enroll_lat, 95) * 1000:.0f} ms each)")
        print(f"load                         {args.boards} boards × {args.batches} batches × {args.batch_size} records "
              f"= {expected:,} records, {args.threads} client threads, backoff base {args.backoff_base:g} s")
        print(f"  sealed beforehand          {seal_s:.1f} s on the client side, "
              f"{payload_bytes / expected:.1f} gzip bytes/record")
        print(f"  acked                      {acked:,} records in {elapsed:.1f} s = {acked / elapsed:,.0f} records/s, "
              f"{requests_made / elapsed:,.0f} requests/s")
        print("  latency (ms)               " + f"{'n':>6} {'p50':>8} {'p95':>8} {'max':>8}")
        for name, values in lat.items():
            if values:
                print(f"    {name:<24} {len(values):6d} {statistics.median(values) * 1000:8.1f} "
                      f"{percentile(values, 95) * 1000:8.1f} {max(values) * 1000:8.1f}")
        print(f"  failed requests (5xx)      {failures['bundle']} bundle GETs, {failures['records']} record POSTs; "
              f"backoff delays scheduled: {fleet.backoff_slept:.0f} s in total")
        print(f"hub RSS                      {rss_idle / 1024:.1f} MB after enrollment, "
              f"{peak_seen[0] / 1024:.1f} MB highest sampled, peak (VmHWM) {hwm / 1024:.1f} MB, "
              f"{rss_now / 1024:.1f} MB at the end")
        finished = sum(1 for b in boards if b.next == len(b.payloads))
        print(f"hub holds                    {held:,} records "
              f"({'OK' if held == acked else 'MISMATCH'}: {acked:,} acked); {finished} of {args.boards} boards "
              f"drained all {expected:,} records" if finished == args.boards else
              f"hub holds                    {held:,} records "
              f"({'OK' if held == acked else 'MISMATCH'}: {acked:,} acked); only {finished} of {args.boards} boards "
              f"drained fully within --time-limit {args.time_limit:g} s ({acked / expected:.0%} of {expected:,})")
        for e in errors[:5]:
            print(f"  error: {e.splitlines()[0]}")
        if errors or failures["bundle"] or failures["records"]:
            tail = (workdir / "hub.log").read_text(errors="replace").splitlines()
            errs = Counter(line.strip() for line in tail if "Error: " in line)
            print(f"  {len(errors)} boards stopped early; hub log errors, most frequent first:")
            for line, count in errs.most_common(5):
                print(f"    {count:6d} × {line[:150]}")
        all_lat = [v for values in lat.values() for v in values]
        print(f"hub_load: {args.boards} boards, {acked:,} records in {elapsed:.1f} s = {acked / elapsed:,.0f} records/s; "
              f"request latency p50 {statistics.median(all_lat) * 1000:.0f} ms, "
              f"p95 {percentile(all_lat, 95) * 1000:.0f} ms, max {max(all_lat) * 1000:.0f} ms; "
              f"records POST p95 {percentile(lat['records'], 95) * 1000:.0f} ms; "
              f"{failures['bundle'] + failures['records']} requests failed (5xx); hub peak RSS {hwm / 1024:.0f} MB")
        print(json.dumps({"bench": "hub_load", "boards": args.boards, "records_expected": expected, "acked": acked,
                          "held": held, "elapsed_s": round(elapsed, 2), "records_per_s": round(acked / elapsed, 1),
                          "request_p50_ms": round(statistics.median(all_lat) * 1000, 1),
                          "request_p95_ms": round(percentile(all_lat, 95) * 1000, 1),
                          "failed_5xx": failures["bundle"] + failures["records"], "errors": len(errors),
                          "hub_peak_rss_mb": round(hwm / 1024, 1)}))
    finally:
        if hub is not None:
            hub.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
