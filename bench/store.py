"""Usage records written per second through the service vs raw sqlite3 executemany.

Both sides write the same sealed rows into the same schema with the same
pragmas (WAL, synchronous=FULL) in batches of BATCH; the service side also
seals (hashes and signs) each record, which raw SQL does not, so the store-only
ratio is printed too. Also: `classboard --help` wall time, board start to first
HTTP 200, and the board process's peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BATCH = 500


def service_rate(n: int, workdir: Path) -> tuple[float, list[dict], float]:
    from edge.board import Board
    from edge.config import load_config
    from edge.services.usage import Activity
    from edge.store import models as m

    board = Board(load_config(paths=[], env={"CLASSBOARD_BOARD__DATA_DIR": str(workdir / "svc")}))
    acts = [Activity("checkin", "student", "C101", 0, {"student": f"S{i % 45}", "method": "card"},
                     datetime(2026, 11, 24, 0, 0, i % 60, tzinfo=timezone.utc)) for i in range(n)]
    start = time.perf_counter()
    for i in range(0, n, BATCH):
        board.usage.record_many(acts[i:i + BATCH])
    elapsed = time.perf_counter() - start
    rows = [dict(r) for r in m.UsageRecord.select().dicts()]
    seal_start = time.perf_counter()
    from protocol import records as wire
    for r in rows[:2000]:
        wire.seal({k: r[k] for k in ("id", "seq", "kind", "class_id", "initiator", "duration_s")} |
                  {"board_id": board.id, "at": "2026-11-24T00:00:00.000Z", "data": json.loads(r["data"])},
                  r["prev"], board.key)
    seal_each = (time.perf_counter() - seal_start) / min(len(rows), 2000)
    board.stop()
    return n / elapsed, rows, seal_each


def raw_rate(rows: list[dict], workdir: Path) -> float:
    path = workdir / "raw.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=full")
    conn.execute("CREATE TABLE usagerecord (id TEXT PRIMARY KEY, seq INTEGER UNIQUE, kind TEXT, at TEXT, "
                 "class_id TEXT, initiator TEXT, duration_s INTEGER, data TEXT, prev TEXT, hash TEXT, sig TEXT)")
    conn.execute("CREATE INDEX ix_kind ON usagerecord(kind)")
    conn.execute("CREATE INDEX ix_at ON usagerecord(at)")
    conn.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, record_id TEXT UNIQUE, seq INTEGER, attempts INTEGER)")
    conn.execute("CREATE INDEX ix_outbox_seq ON outbox(seq)")
    cols = ("id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data", "prev", "hash", "sig")
    tuples = [tuple(str(r[c]) if c == "at" else r[c] for c in cols) for r in rows]
    start = time.perf_counter()
    for i in range(0, len(tuples), BATCH):
        with conn:
            conn.executemany(f"INSERT INTO usagerecord VALUES ({','.join('?' * len(cols))})", tuples[i:i + BATCH])
            conn.executemany("INSERT INTO outbox (record_id, seq, attempts) VALUES (?, ?, 0)",
                             [(t[0], t[1]) for t in tuples[i:i + BATCH]])
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def startup(workdir: Path) -> tuple[float, float, float]:
    exe = str(ROOT / ".venv" / "bin" / "classboard")
    start = time.perf_counter()
    subprocess.run([exe, "--help"], check=True, capture_output=True)
    help_s = time.perf_counter() - start
    port = free_port()
    env = dict(os.environ, CLASSBOARD_BOARD__DATA_DIR=str(workdir / "boot"), CLASSBOARD_UI__PORT=str(port))
    start = time.perf_counter()
    proc = subprocess.Popen([exe, "board", "run", "--seed-sample", "C101"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_200 = float("nan")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        first_200 = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.05)
        for _ in range(20):  # let it render a few pages before reading its memory
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
    finally:
        proc.terminate()
        proc.wait(10)
    return help_s, first_200, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        svc, rows, seal_each = service_rate(args.records, workdir)
        raw = raw_rate(rows, workdir)
        store_only = 1 / (1 / svc - seal_each)
        print(f"records                      {args.records} in batches of {BATCH}, synchronous=FULL")
        print(f"service (seal + store)       {svc:10.0f} records/s")
        print(f"  of which sealing           {seal_each * 1e6:10.1f} µs/record (sha256 + Ed25519)")
        print(f"  store part alone           {store_only:10.0f} records/s")
        print(f"raw sqlite3 executemany      {raw:10.0f} records/s")
        print(f"ratio service/raw            {svc / raw:10.2f}   (goal ≥ 0.5)")
        print(f"ratio store-part/raw         {store_only / raw:10.2f}")
        help_s, first_200, rss = startup(workdir)
        print(f"classboard --help            {help_s * 1000:10.0f} ms")
        print(f"board launch → first 200     {first_200 * 1000:10.0f} ms")
        print(f"board peak RSS               {rss:10.1f} MB  (goal ≤ 80 MB)")


if __name__ == "__main__":
    main()
