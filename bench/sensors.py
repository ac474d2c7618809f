"""Sensor loop cost: CPU share of one core, and bytes written to disk per hour by sensor history.

Goals (issue 7): the sensor loop under 1 % of one core at default intervals,
and sensor history under 1 MB/h written to disk (SD-card life).

The sensors are the documented default set: the [[sensors]] tables of
docs/board.example.toml (bme280 every 60 s, scd4x every 30 s), simulated
backend; ``--set demo`` uses classboard/demo.py's set instead (scd4x and
bme280 every 10 s, bh1750 every 30 s). The loop is the board's own:
``install_jobs`` puts one "sensor:NAME" job per sensor, "history" (folding)
and "sensor-summary" on the board's Scheduler, writing to the board's SQLite
store (WAL, synchronous=FULL, edge/store/db.py).

1. Wall clock: a child process runs a Board with those jobs on the system
   clock for WINDOW seconds. From outside, the parent reads the child's
   /proc/PID/stat (utime+stime, 10 ms ticks), the sum of /proc/PID/task/*/
   schedstat (ns, live threads) and the scheduler thread's own schedstat,
   and /proc/PID/io (write_bytes: what reached the block layer; wchar: what
   went through write()); plus DB+WAL+SHM file growth. Per hour = × 3600 /
   WINDOW. The child's start-up (imports, schema) is outside the window.
2. Fast clock: the same jobs on a FakeClock, driven hour by hour with
   ``Scheduler.run_until`` for SIM_HOURS (default 72, so folding of raw rows
   older than 48 h into hourly means happens), measuring this process's CPU
   time and /proc/self/io per simulated hour and the store's size: an hour of
   history's disk writes measured directly rather than extrapolated.

Both runs use a board holding the sample school's bundle for C101 (a school
day today), as an enrolled board does; ``--no-bundle`` shows a board not yet
enrolled (no calendar: the screen job plans 60 days ahead on every wake-up).
The fast-clock run also times each job's action and its planning
(``next_after``), to show where the scheduler thread's time goes.

Run: .venv/bin/python bench/sensors.py [--window 60] [--sim-hours 72] [--set example|demo] [--no-bundle]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CPU_GOAL_PCT = 1.0
DISK_GOAL_MB_H = 1.0
TICK = os.sysconf("SC_CLK_TCK")


def sensors_toml(which: str) -> str:
    """The [[sensors]] tables of the chosen set, as a TOML snippet for load_config."""
    if which == "demo":
        from classboard.demo import DEMO_SENSORS
        return DEMO_SENSORS
    example = tomllib.loads((ROOT / "docs" / "board.example.toml").read_text())
    out = []
    for s in example.get("sensors", []):
        s = dict(s, backend="simulated")  # the documented set, on the simulated backend (no I2C here)
        out.append("[[sensors]]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in s.items()))
    return "\n".join(out)


def make_board(workdir: Path, which: str, clock=None, bundle: bool = True):
    """A board with the chosen sensors; with ``bundle``, the sample school's bundle for C101 (as enrolled)."""
    from classboard.sample import board_bundle, sample_school
    from edge.board import Board
    from edge.config import load_config

    conf = workdir / "sensors.toml"
    conf.write_text(sensors_toml(which))
    config = load_config(paths=[conf], env={"CLASSBOARD_BOARD__DATA_DIR": str(workdir / "board"),
                                            "CLASSBOARD_BOARD__CLASS_ID": "C101"})
    board = Board(config, clock=clock)
    if bundle:
        today = board.clock.now().astimezone(board.zone).date()
        board.install_bundle(board_bundle(sample_school(today), board.id, "C101", "2026-01-01T00:00:00Z"), "bench")
    return board


def timed_jobs(scheduler) -> dict[str, list[float]]:
    """Wrap each job's action and planning (next_after) to collect their durations (ms)."""
    spent: dict[str, list[float]] = {}

    def wrap(key, fn):
        bucket = spent.setdefault(key, [])

        def inner(at):
            start = time.perf_counter()
            try:
                return fn(at)
            finally:
                bucket.append((time.perf_counter() - start) * 1000)
        return inner

    for job in scheduler.jobs:
        job.action = wrap(job.name, job.action)
        job.next_after = wrap(f"{job.name} (planning)", job.next_after)
    return spent


def store_bytes(workdir: Path) -> int:
    """board.sqlite3 with its -wal and -shm files (edge/store/db.py)."""
    return sum(p.stat().st_size for p in (workdir / "board").glob("board.sqlite3*") if p.is_file())


def proc_io(pid: int | str) -> dict[str, int]:
    return {k: int(v) for k, v in (line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())}


def proc_cpu(pid: int) -> tuple[float, float]:
    """(utime+stime seconds from stat, sum of live threads' schedstat seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    ns = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ns += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            pass
    return ticks / TICK, ns / 1e9


def thread_cpu(pid: int, tid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return float("nan")


# --- 1. wall clock, child process ---------------------------------------------------------------

def child(workdir: Path, which: str, limit: float, bundle: bool) -> None:
    """The board's sensor jobs on the system clock until stdin closes (or ``limit`` seconds)."""
    import threading

    from edge.jobs import install_jobs

    board = make_board(workdir, which, bundle=bundle)
    parts = install_jobs(board)
    board.start()
    print(f"ready {board.scheduler._thread.native_id} {len(parts['sensors'])}", flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(limit)
    board.stop()
    from edge.store import models as m
    print(f"rows {m.SensorReading.select().count()}", flush=True)


def wall_clock(workdir: Path, which: str, window: float, bundle: bool) -> dict:
    argv = [sys.executable, __file__, "--child", str(workdir), "--set", which, "--window", str(window)]
    argv += [] if bundle else ["--no-bundle"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        line = proc.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError("sensor child did not start")
        tid, n_sensors = int(line[1]), int(line[2])
        time.sleep(0.5)  # the first due polls at start-up are not part of the window
        cpu0, io0, sched0, size0, t0 = proc_cpu(proc.pid), proc_io(proc.pid), thread_cpu(proc.pid, tid), \
            store_bytes(workdir), time.monotonic()
        time.sleep(window)
        cpu1, io1, sched1, size1, t1 = proc_cpu(proc.pid), proc_io(proc.pid), thread_cpu(proc.pid, tid), \
            store_bytes(workdir), time.monotonic()
        proc.stdin.close()
        rows = proc.stdout.readline().split()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    span = t1 - t0
    return {"span": span, "sensors": n_sensors, "rows": int(rows[1]) if len(rows) == 2 else -1,
            "stat_cpu": cpu1[0] - cpu0[0], "sched_cpu": cpu1[1] - cpu0[1], "thread_cpu": sched1 - sched0,
            "write_bytes": io1["write_bytes"] - io0["write_bytes"], "wchar": io1["wchar"] - io0["wchar"],
            "syscw": io1["syscw"] - io0["syscw"], "growth": size1 - size0}


# --- 2. fast clock, in process --------------------------------------------------------------------

def fast_clock(workdir: Path, which: str, hours: int, limit_s: float, bundle: bool):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from edge.clock import FakeClock
    from edge.jobs import install_jobs
    from edge.store import models as m

    zone = ZoneInfo("Asia/Shanghai")
    start = datetime.combine(datetime.now(zone).date(), datetime.min.time(), zone) + timedelta(seconds=30)
    clock = FakeClock(start)
    board = make_board(workdir, which, clock, bundle)
    install_jobs(board)
    spent = timed_jobs(board.scheduler)
    board.scheduler.run_due()  # first polls, at start-up
    per_hour = []
    deadline = time.monotonic() + limit_s
    try:
        for h in range(hours):
            if time.monotonic() > deadline:
                break
            cpu0, io0, wall0 = time.process_time(), proc_io("self"), time.perf_counter()
            board.scheduler.run_until(clock.now() + timedelta(hours=1))
            cpu1, io1, wall1 = time.process_time(), proc_io("self"), time.perf_counter()
            per_hour.append({"hour": h + 1, "cpu": cpu1 - cpu0, "wall": wall1 - wall0,
                             "write_bytes": io1["write_bytes"] - io0["write_bytes"],
                             "wchar": io1["wchar"] - io0["wchar"],
                             "store": store_bytes(workdir), "rows": m.SensorReading.select().count(),
                             "hourly_rows": m.SensorReading.select().where(m.SensorReading.span_s == 3600).count()})
    finally:
        board.stop()
    return per_hour, spent


def mb(x: float) -> float:
    return x / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=60.0, help="wall-clock seconds the child is measured")
    parser.add_argument("--sim-hours", type=int, default=72, help="simulated hours on the fast clock")
    parser.add_argument("--sim-limit", type=float, default=600.0, help="wall-clock cap for the fast-clock part (s)")
    parser.add_argument("--set", choices=("example", "demo"), default="example")
    parser.add_argument("--no-bundle", action="store_true",
                        help="a board without a bundle (not yet enrolled): no calendar, no bell schedule")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="a 5 s window, 3 simulated hours (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.window, args.sim_hours, args.sim_limit = min(args.window, 5.0), min(args.sim_hours, 3), 60.0
    if args.child:
        child(Path(args.child), args.set, args.window + 120, not args.no_bundle)
        return
    chosen = " ".join(line.strip() for line in sensors_toml(args.set).splitlines()
                      if line.startswith(("kind", "interval_s")))
    print(f"1-min load average {os.getloadavg()[0]:.2f}; sensor set '{args.set}': {chosen}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sensors-"))
    try:
        (tmp / "wall").mkdir()
        w = wall_clock(tmp / "wall", args.set, args.window, not args.no_bundle)
        (tmp / "fast").mkdir()
        hours, spent = fast_clock(tmp / "fast", args.set, args.sim_hours, args.sim_limit, not args.no_bundle)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    per_h = 3600 / w["span"]
    print(f"\n1. wall clock, child process, {w['span']:.1f} s window, {w['sensors']} sensors, "
          f"{w['rows']} reading rows stored in all")
    print(f"   CPU, process utime+stime   {w['stat_cpu'] * 1000:9.1f} ms  → "
          f"{w['stat_cpu'] / w['span'] * 100:7.3f} % of a core"
          f"  (10 ms ticks)")
    print(f"   CPU, threads' schedstat    {w['sched_cpu'] * 1000:9.1f} ms  → "
          f"{w['sched_cpu'] / w['span'] * 100:7.3f} % of a core")
    print(f"   CPU, scheduler thread only {w['thread_cpu'] * 1000:9.1f} ms  → "
          f"{w['thread_cpu'] / w['span'] * 100:7.3f} % of a core"
          f"   (goal < {CPU_GOAL_PCT:.0f} %)")
    print(f"   disk write_bytes           {w['write_bytes']:9d} B   → {mb(w['write_bytes'] * per_h):7.2f} MB/h"
          f"   (goal < {DISK_GOAL_MB_H:.0f} MB/h)")
    print(f"   write() bytes (wchar)      {w['wchar']:9d} B   → {mb(w['wchar'] * per_h):7.2f} MB/h "
          f"in {w['syscw']} write calls")
    print(f"   DB+WAL+SHM file growth     {w['growth']:9d} B   → {mb(w['growth'] * per_h):7.2f} MB/h")

    if hours:
        print(f"\n2. fast clock (FakeClock), {len(hours)} simulated hours, same jobs, this process")
        print(f"   {'hour':>5}{'cpu ms':>9}{'wall ms':>9}{'write_bytes MB':>16}{'wchar MB':>10}{'store MB':>10}"
              f"{'rows':>8}{'hourly':>8}")
        shown = {1, 2, 24, 47, 48, 49, 50, len(hours)}
        for h in hours:
            if h["hour"] in shown:
                print(f"   {h['hour']:5d}{h['cpu'] * 1000:9.1f}{h['wall'] * 1000:9.1f}{mb(h['write_bytes']):16.3f}"
                      f"{mb(h['wchar']):10.3f}{mb(h['store']):10.3f}{h['rows']:8d}{h['hourly_rows']:8d}")

        def mean(key, sel):
            vals = [h[key] for h in sel]
            return sum(vals) / len(vals) if vals else float("nan")

        early, late = hours[1:48], hours[49:]
        for label, sel in (("hours 2–48 (raw history filling)", early), ("hours 50+ (folding, steady state)", late)):
            if sel:
                print(f"   {label:36} CPU {mean('cpu', sel) / 3600 * 100:7.4f} % of a core, "
                      f"write_bytes {mb(mean('write_bytes', sel)):6.3f} MB/h, wchar {mb(mean('wchar', sel)):6.3f} MB/h")
        print(f"   store after {len(hours)} h: {mb(hours[-1]['store']):.2f} MB, {hours[-1]['rows']} rows "
              f"(of which {hours[-1]['hourly_rows']} hourly means)")
        ratio = mean("write_bytes", early) / (w["write_bytes"] * per_h) if w["write_bytes"] else float("nan")
        print(f"   ratio fast-clock MB/h ÷ wall-clock MB/h   {ratio:.2f}")
    if hours and spent:
        n = len(hours)
        print(f"\n   where the scheduler thread's time goes over the {n} simulated hours (ms; a bell due at the same "
              f"instant waits for jobs ahead of it)")
        print(f"   {'job':32}{'calls':>8}{'ms/hour':>10}{'mean':>8}{'max':>8}")
        for key, vals in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
            if vals:
                print(f"   {key:32}{len(vals):8d}{sum(vals) / n:10.1f}{sum(vals) / len(vals):8.2f}{max(vals):8.1f}")
    print(f"\ngoals: CPU < {CPU_GOAL_PCT:.0f} % of a core; sensor history < {DISK_GOAL_MB_H:.0f} MB/h written to disk")
    print(json.dumps({"bench": "sensors", "set": args.set, "window_s": round(w["span"], 1), "sensors": w["sensors"],
                      "scheduler_cpu_pct": round(w["thread_cpu"] / w["span"] * 100, 4),
                      "process_cpu_pct": round(w["stat_cpu"] / w["span"] * 100, 4),
                      "disk_mb_per_h": round(mb(w["write_bytes"] * per_h), 3),
                      "simulated_hours": len(hours), "goal_cpu_pct": CPU_GOAL_PCT, "goal_disk_mb_per_h": DISK_GOAL_MB_H}))


if __name__ == "__main__":
    main()
