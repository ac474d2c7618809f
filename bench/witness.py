"""Which boards are silent at the witness: 12,000 boards, a checkpoint a day each, answered how fast.

Fills a witness registry (hub/witness/registry.py) straight through SQL with
``--boards`` boards and ``--days`` checkpoints each (signatures are not what
is measured), then times ``Registry.silent(48)`` — one index probe per board —
against the plain GROUP BY over every checkpoint it replaced (with the new index
present, so the ratio understates the change), in the same run.
Ends with one line of JSON; --quick fills 500 boards × 10 days (CI: seconds).

Run: .venv/bin/python bench/witness.py [--boards 12000] [--days 150] [--quick]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCAN = ("SELECT b.board_id, MAX(c.received_at) AS last FROM board b LEFT JOIN checkpoint c "
        "ON c.board_id = b.board_id GROUP BY b.board_id HAVING COALESCE(last, b.registered_at) < ?")


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=12000)
    parser.add_argument("--days", type=int, default=150)
    parser.add_argument("--quick", action="store_true", help="500 boards × 10 days (CI: seconds)")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.days = 500, 10
    from hub.witness.registry import Registry

    now = datetime.now(timezone.utc)
    stamp = lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    with tempfile.TemporaryDirectory() as folder:
        registry = Registry(Path(folder) / "witness.sqlite3")
        start = time.perf_counter()
        registry.conn.execute("BEGIN")
        registry.conn.executemany("INSERT INTO board VALUES (?, 'k', 'f', 's', ?, ?)",
                                  [(f"cb-{i}", stamp(now - timedelta(days=args.days + 1)),
                                    stamp(now - timedelta(days=args.days + 1))) for i in range(args.boards)])
        # every 10th board stopped three days ago; the others sent one a day up to today
        registry.conn.executemany(
            "INSERT INTO checkpoint (board_id, size, root, text, received_at) VALUES (?, ?, 'r', ?, ?)",
            ((f"cb-{i}", d, f"{i}/{d}", stamp(now - timedelta(days=args.days - d + (3 if i % 10 == 0 else 0))))
             for i in range(args.boards) for d in range(1, args.days + 1)))
        registry.conn.execute("COMMIT")
        fill_s = time.perf_counter() - start
        silent = registry.silent(48)
        assert len(silent) == len(range(0, args.boards, 10)), len(silent)
        probe_s = best_of(3, lambda: registry.silent(48))
        since = stamp(now - timedelta(hours=48))
        scan_s = best_of(3, lambda: registry.conn.execute(SCAN, (since,)).fetchall())
        registry.close()
    checkpoints = args.boards * args.days
    print(f"{args.boards} boards, {checkpoints} checkpoints (filled in {fill_s:.1f} s): {len(silent)} silent; "
          f"index probe {probe_s * 1000:.0f} ms, scan of every checkpoint {scan_s * 1000:.0f} ms "
          f"({scan_s / probe_s:.1f}x)")
    print(json.dumps({"bench": "witness", "boards": args.boards, "checkpoints": checkpoints, "silent": len(silent),
                      "silent_query_s": round(probe_s, 4), "scan_query_s": round(scan_s, 4),
                      "scan_over_probe": round(scan_s / probe_s, 2)}))


if __name__ == "__main__":
    main()
