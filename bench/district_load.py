"""A district's boards upload a school day against 1, 2 and 4 hub processes on one PostgreSQL.

One throwaway PostgreSQL (tests/pgserver.py) holds one seeded school of
--classes classes; --boards lightweight simulated boards (bench/hub_load.py's
``SimBoard``: an Ed25519 key and a ``protocol.memlog`` log each, no edge
runtime) are enrolled once, through the board API with a school enrollment
token (``classboard hub token create``), or written straight into the board
table with ``--enroll seed`` (the same row enrollment writes; faster for
12,000 boards, since every board comes from 127.0.0.1 and the enrollment
token's per-address throttle admits only a few guesses in flight).

Then, for each process count in --processes (1, 2, 4), ``classboard hub serve
--plain-http`` processes on the same data directory and database serve the
boards, spread over the processes' ports round-robin (no proxy), and every
board uploads one school day: --records records (default 40: eight lessons,
each an attendance session, check-ins, content and tool use), sealed and
signed beforehand as a board does, sent in --syncs sync cycles a day (each a
conditional bundle GET and one signed batch POST, with the board's backoff on
a 5xx: bench/hub_load.py's ``Fleet``). Each process count gets the next day,
so a board's log continues (seq and checkpoints) across the runs on one
database.

Printed per process count: records/s, request p95, errors and 5xx; in
PostgreSQL, rows against distinct (board_id, seq) (duplicates) and every
board's record count, highest seq and the hub's ``last_seq`` against what was
sent; CPU seconds of PostgreSQL (postmaster, its backends and the reaped ones),
the hub processes, this client and everything else on the machine
(/proc/<pid>/stat and /proc/stat before and after); and the 4-vs-1 ratio.
On a 2-core machine the processes share the same two cores, so the ratio shows
correctness under concurrency more than speed-up.

Run: .venv/bin/python bench/district_load.py [--boards 12000] [--processes 1,2,4] [--enroll seed]
     .venv/bin/python bench/district_load.py --quick   # 200 boards, 1 and 2 processes, 2 syncs a day
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from drain import Hub  # noqa: E402  the hub process helper
from hub_load import DAY, Fleet, SimBoard, percentile  # noqa: E402  boards speaking the real protocol

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int, reaped: bool = False) -> float:
    """utime+stime of one process (and, with ``reaped``, of its children it has waited for), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / TICKS


def postgres_cpu_s(postmaster: int) -> float:
    """The postmaster, its live backends and the backends that ended (counted in its cutime/cstime)."""
    total = cpu_s(postmaster, reaped=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                    total += cpu_s(int(entry.name))
            except (OSError, ValueError):
                continue  # a backend that just ended: its time is in the postmaster's cutime now
    return total


def machine_busy_s() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICKS


def seed_boards(boards: list[SimBoard], data: Path, db_url: str, room_class: dict[str, str]) -> None:
    """The rows ``hub.enrollment`` writes for an enrolled board, inserted in bulk through the hub's own model."""
    from datetime import datetime

    from hub.app import create_app
    from hub.config import HubConfig
    from hub.models import Board, database
    from protocol.keys import public_text

    create_app(HubConfig(data_dir=data, db_url=db_url))
    now = datetime.utcnow()
    rows = [{"id": b.id, "public_key": public_text(b.key), "name": b.id, "room_id": b.room,
             "class_id": room_class[b.room], "state": "enrolled", "enrolled_at": now, "version": "bench",
             "school": ""} for b in boards]
    with database.atomic():
        for i in range(0, len(rows), 1000):
            Board.insert_many(rows[i:i + 1000]).execute()
    database.close()


def held(db_url: str, expected_per_board: int) -> dict:
    """What PostgreSQL holds: rows, distinct (board_id, seq), boards whose count, highest seq and last_seq match."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (board_id, seq)) FROM usagerecord").fetchone()
        complete = conn.execute(
            "SELECT COUNT(*) FROM (SELECT board_id, COUNT(*) AS n, MAX(seq) AS top FROM usagerecord "
            "GROUP BY board_id) t JOIN board ON board.id = t.board_id "
            "WHERE t.n = %(e)s AND t.top = %(e)s AND board.last_seq = %(e)s",
            {"e": expected_per_board}).fetchone()[0]
    return {"rows": rows, "distinct": distinct, "boards_complete": complete}


def run_phase(n: int, hubs: list[Hub], fleet: Fleet, boards: list[SimBoard], postmaster: int, args,
              day_index: int, room_class: dict[str, str], db_url: str) -> dict:
    """Every board uploads day ``day_index`` against the first ``n`` hub processes."""
    day = DAY + timedelta(days=day_index)
    per_batch = args.records // args.syncs
    start = time.perf_counter()
    for b in boards:
        b.payloads, b.next, b.acked, b.attempts = [], 0, 0, 0
        b.seal_batches(args.syncs, per_batch, room_class[b.room], day=day)
        b.log.records[:] = [None] * len(b.log.records)  # sealed and sent: keep only the count (seq), not the bodies
    seal_s = time.perf_counter() - start
    urls = [h.url for h in hubs[:n]]
    where = {b.id: urls[i % n] for i, b in enumerate(boards)}
    fleet.url_of = lambda b: where[b.id]
    fleet.reset()
    pids = [h.proc.pid for h in hubs[:n]]
    before = (postgres_cpu_s(postmaster), sum(cpu_s(p) for p in pids), sum(os.times()[:2]), machine_busy_s())
    elapsed = fleet.run(args.time_limit)
    after = (postgres_cpu_s(postmaster), sum(cpu_s(p) for p in pids), sum(os.times()[:2]), machine_busy_s())
    pg, hub, client, busy = (a - b for a, b in zip(after, before))
    sent = per_batch * args.syncs
    acked = sum(b.acked for b in boards)
    db = held(db_url, sent * (day_index + 1))
    all_lat = [v for values in fleet.lat.values() for v in values]
    failed = fleet.failures["bundle"] + fleet.failures["records"]
    return {"processes": n, "records": acked, "expected": sent * len(boards), "elapsed_s": elapsed,
            "records_per_s": acked / elapsed, "requests": len(all_lat),
            "request_p50_ms": statistics.median(all_lat) * 1000, "request_p95_ms": percentile(all_lat, 95) * 1000,
            "records_post_p95_ms": percentile(fleet.lat["records"], 95) * 1000,
            "bundle_p95_ms": percentile(fleet.lat["bundle 200"] + fleet.lat["bundle 304"], 95) * 1000,
            "errors": len(fleet.errors), "failed_5xx": failed, "first_errors": fleet.errors[:3],
            "duplicates": db["rows"] - db["distinct"], "rows": db["rows"],
            "rows_expected": sent * len(boards) * (day_index + 1),
            "boards_complete": db["boards_complete"], "cpu_postgres_s": pg, "cpu_hubs_s": hub, "cpu_client_s": client,
            "cpu_other_s": max(0.0, busy - pg - hub - client), "cpu_machine_s": busy, "seal_s": seal_s,
            "records_per_cpu_s": acked / max(pg + hub, 1e-9)}  # what the machine's share of others cannot skew


def report(r: dict, boards: int) -> None:
    busy = r["cpu_machine_s"] or 1.0
    share = {k: r[f"cpu_{k}_s"] / busy for k in ("postgres", "hubs", "client", "other")}
    print(f"{r['processes']} process{'es' if r['processes'] > 1 else '  '}  {r['records']:,} records in "
          f"{r['elapsed_s']:.1f} s = {r['records_per_s']:,.0f} records/s; {r['requests']:,} requests, "
          f"p50 {r['request_p50_ms']:.0f} ms, p95 {r['request_p95_ms']:.0f} ms (records POST p95 "
          f"{r['records_post_p95_ms']:.0f} ms, bundle GET p95 {r['bundle_p95_ms']:.0f} ms); errors {r['errors']}, "
          f"5xx {r['failed_5xx']}", flush=True)
    print(f"             PostgreSQL holds {r['rows']:,} rows ({r['rows_expected']:,} sent in all), duplicates "
          f"{r['duplicates']}; {r['boards_complete']:,} of {boards:,} boards complete (count = highest seq = "
          f"hub last_seq = sent)")
    print(f"             CPU {r['cpu_machine_s']:.1f} s on the machine ({r['cpu_machine_s'] / r['elapsed_s']:.2f} "
          f"cores busy of {os.cpu_count()}): PostgreSQL {share['postgres']:.0%}, hub processes {share['hubs']:.0%}, "
          f"this client {share['client']:.0%}, others on the machine {share['other']:.0%}; "
          f"PostgreSQL/hubs {r['cpu_postgres_s'] / max(r['cpu_hubs_s'], 1e-9):.2f}", flush=True)
    print(f"             per request: hub CPU {r['cpu_hubs_s'] / r['requests'] * 1000:.1f} ms, PostgreSQL CPU "
          f"{r['cpu_postgres_s'] / r['requests'] * 1000:.1f} ms; client CPU {r['cpu_client_s'] / r['requests'] * 1000:.1f}"
          f" ms (signing, HTTP); {r['records_per_cpu_s']:,.0f} records per CPU second of hubs + PostgreSQL; "
          f"sealing the day beforehand took {r['seal_s']:.1f} s", flush=True)
    for e in r["first_errors"]:
        print(f"             error: {e.splitlines()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=12_000)
    parser.add_argument("--records", type=int, default=40, help="records per board per school day")
    parser.add_argument("--syncs", type=int, default=4, help="sync cycles per board per day (one batch each)")
    parser.add_argument("--processes", default="1,2,4", help="hub process counts, one run each")
    parser.add_argument("--threads", type=int, default=32, help="client threads sending at once")
    parser.add_argument("--hub-threads", type=int, default=8, help="waitress threads per hub process")
    parser.add_argument("--classes", type=int, default=20, help="classes in the seeded school (at most 22)")
    parser.add_argument("--enroll", choices=["api", "seed"], default="api",
                        help="api: POST /api/v1/enroll with the school token; seed: rows straight into the board table")
    parser.add_argument("--retries", type=int, default=10)
    parser.add_argument("--backoff-base", type=float, default=1.0)
    parser.add_argument("--time-limit", type=float, default=600.0, help="per process count: stop after this long")
    parser.add_argument("--quick", action="store_true", help="200 boards, 1 and 2 processes, 2 syncs a day (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.processes, args.threads, args.syncs = 200, "1,2", 16, 2
    if args.records % args.syncs:
        parser.error("--records must be a multiple of --syncs")
    counts = [int(x) for x in args.processes.split(",")]

    from tests.pgserver import PostgresServer

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (finally below) on kill as on Ctrl-C
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="classboard-districtload-"))
    server, hubs = None, []
    try:
        server = PostgresServer()
        db_url = server.fresh_database("district_load")
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        hubs.append(Hub(workdir, classes=args.classes, threads=args.hub_threads, db_url=db_url))
        school = json.loads((workdir / "school.json").read_text(encoding="utf-8"))
        rooms = [c["home_room_id"] for c in school["classes"]]
        room_class = {c["home_room_id"]: c["id"] for c in school["classes"]}
        boards = [SimBoard(i, rooms[i % len(rooms)]) for i in range(args.boards)]
        while len(hubs) < max(counts):
            hubs.append(Hub(workdir, threads=args.hub_threads, db_url=db_url, seed=False))

        start = time.perf_counter()
        if args.enroll == "seed":
            seed_boards(boards, hubs[0].data, db_url, room_class)
        else:  # a few at a time: every board comes from 127.0.0.1, and the token's address budget is 5 in flight
            enroller = Fleet(boards, lambda b: hubs[int(b.id[4:]) % len(hubs)].url, threads=4)
            enroller.enroll_all(hubs[0].token)
        enroll_s = time.perf_counter() - start
        print(f"machine      {os.cpu_count()} cores, load average {load_before[0]:.2f} / {load_before[1]:.2f} / "
              f"{load_before[2]:.2f} before the run (other processes share these cores)")
        print(f"district     {args.boards:,} boards ({args.enroll}: {enroll_s:.1f} s), one school of {args.classes} "
              f"classes, PostgreSQL {server.bindir.parent.name} (fsync off); each hub process: waitress, "
              f"{args.hub_threads} threads; client: {args.threads} threads, boards round-robin over the ports")
        print(f"school day   {args.records} records per board in {args.syncs} syncs (bundle GET + one batch of "
              f"{args.records // args.syncs}) = {args.boards * args.records:,} records per run", flush=True)

        fleet = Fleet(boards, lambda b: "", args.threads, args.retries, args.backoff_base)
        results = []
        for day_index, n in enumerate(counts):
            r = run_phase(n, hubs, fleet, boards, postmaster, args, day_index, room_class, db_url)
            results.append(r)
            report(r, args.boards)
        load_after = os.getloadavg()
        first, last = results[0], results[-1]
        ratio = last["records_per_s"] / first["records_per_s"]
        ok = all(r["errors"] == 0 and r["duplicates"] == 0 and r["records"] == r["expected"]
                 and r["rows"] == r["rows_expected"] and r["boards_complete"] == args.boards for r in results)
        print(f"ratio        {last['processes']} vs {first['processes']} processes: records/s × {ratio:.2f}, "
              f"request p95 × {last['request_p95_ms'] / first['request_p95_ms']:.2f}, records per CPU second of "
              f"hubs + PostgreSQL × {last['records_per_cpu_s'] / first['records_per_cpu_s']:.2f}; load average "
              f"{load_after[0]:.2f} after; {'every record held once' if ok else 'NOT every record held once'}")
        print(f"district_load: {args.boards:,} boards × {args.records} records: "
              + "; ".join(f"{r['processes']}p {r['records_per_s']:,.0f} records/s p95 {r['request_p95_ms']:.0f} ms"
                          for r in results))
        keep = ("processes", "records", "elapsed_s", "records_per_s", "request_p50_ms", "request_p95_ms",
                "records_post_p95_ms", "bundle_p95_ms", "errors",
                "failed_5xx", "duplicates", "rows", "boards_complete", "cpu_postgres_s", "cpu_hubs_s",
                "cpu_client_s", "cpu_other_s", "records_per_cpu_s")
        print(json.dumps({"bench": "district_load", "boards": args.boards, "records_per_board": args.records,
                          "syncs": args.syncs, "enroll": args.enroll, "enroll_s": round(enroll_s, 1),
                          "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2),
                          "runs": [{k: round(r[k], 2) if isinstance(r[k], float) else r[k] for k in keep}
                                   for r in results],
                          "ratio_records_per_s": round(ratio, 3), "ok": ok}))
    finally:
        for h in hubs:
            h.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
