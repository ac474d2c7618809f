"""A district on one hub: N schools as tenants, the /district page and one school's report, SQLite or PostgreSQL.

Each school is a tenant (hub/tenancy.py) with its own content (CLASSES classes,
a full timetable: the district of bench/report.py cut into schools), one board
per class, and RECORDS usage records in all, bulk-loaded into the hub's table
(bench/report.py's loader: signing them would measure the signer). Measured:

- the district page built cold (every school's report computed: ``?refresh=1``)
  and warm (the rows kept for 10 minutes in the database), server time of the
  whole request through Flask, p95 over repeated requests;
- one school's report (its counts refreshed, then built or served kept: hub/report/cache.py), p95
  over repeated requests, and p95 of the same report built afresh (another as-of day each time);
- ``classboard hub schools``'s listing.

Goals (issue 15): the district page for 300 schools under 1 s (p95), one
school's report under 0.1 s. Printed as ratios to the goals.

Run: .venv/bin/python bench/district.py [--schools 300] [--classes 40] [--records 1000000] [--db postgresql]
     .venv/bin/python bench/district.py --quick    # seconds: 6 schools × 4 classes, 6,000 records, SQLite
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
report_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_bench)  # its district content, record generator and bulk loader


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def seed(schools: int, classes: int, records: int, db_kind: str) -> None:
    """The schools, their content, one enrolled board per class (half heard from just now) and the records."""
    from hub.district.schools import add_school
    from hub.models import Board, database
    from hub.school import replace_school
    from hub.tenancy import acting_for

    district = report_bench.school_content(schools, classes)
    now = datetime.utcnow()
    for s in range(schools):
        sid, prefix = f"SCH{s:03d}", f"S{s:03d}-"
        add_school(sid, f"第{s + 1}中学", "示范区")
        content = dict(district, school=dict(district["school"], id=sid, name=f"第{s + 1}中学"),
                       classes=[c for c in district["classes"] if c["id"].startswith(prefix)],
                       lessons=[x for x in district["lessons"] if x["class_id"].startswith(prefix)])
        content["teachers"] = [{"id": t, "name": t} for t in sorted({x["teacher_id"] for x in content["lessons"]})]
        with acting_for(sid):
            replace_school(content)
        Board.insert_many([{"id": "cb-" + c["id"].lower(), "public_key": "-", "class_id": c["id"], "school": sid,
                            "enrolled_at": now, "last_seen": now if i % 2 == 0 else None}
                           for i, c in enumerate(content["classes"])]).execute()
    class_ids = [c["id"] for c in district["classes"]]
    report_bench.load(db_kind, report_bench.rows(records, class_ids, report_bench.TERM_START,
                                                 report_bench.WEEKS * 7 - 7, datetime(2026, 9, 1), 0), database.obj)
    if db_kind == "postgresql":
        database.execute_sql("ANALYZE")


def signed_in(app):
    from hub.console import create_user

    create_user("district", "long-password", "district_reviewer")
    client = app.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "district", "password": "long-password", "csrf": csrf}
                       ).status_code == 302
    return client


def timed_get(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def run(db_kind: str, schools: int, classes: int, records: int, repeats: int, workdir: Path) -> dict:
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.district.schools import school_rows
    from hub.models import database
    from hub.report.service import make_report
    from hub.tenancy import acting_for

    server, db_url = None, ""
    if db_kind == "postgresql":
        from tests.pgserver import PostgresServer
        server = PostgresServer()
        db_url = server.fresh_database("bench_district")
    try:
        app = create_app(HubConfig(data_dir=workdir / db_kind, db_url=db_url))
        start = time.perf_counter()
        seed(schools, classes, records, db_kind)
        seeded = time.perf_counter() - start
        print(f"  seeded {schools} schools in {seeded:.1f} s", flush=True)  # a long run shows where it is
        client = signed_in(app)
        cold = timed_get(client, "/district?refresh=1")
        print(f"  district page built cold in {cold:.1f} s", flush=True)
        warm = [timed_get(client, "/district") for _ in range(repeats)]
        as_of = report_bench.TERM_START + timedelta(weeks=report_bench.WEEKS)
        one, built = [], []
        with acting_for("SCH000"):
            for _ in range(repeats):
                start = time.perf_counter()
                report = make_report(term="T1", as_of=as_of)
                one.append(time.perf_counter() - start)
            for day in range(1, max(3, repeats // 4) + 1):  # each another as-of day: built, not served kept
                start = time.perf_counter()
                make_report(term="T1", as_of=as_of - timedelta(days=day))
                built.append(time.perf_counter() - start)
        start = time.perf_counter()
        listed = school_rows()
        listing = time.perf_counter() - start
        csv_lines = client.get("/district?format=csv").get_data(as_text=True).strip().splitlines()
        return {"seed_s": seeded, "page_cold_s": cold, "page_warm_p95_s": p95(warm), "school_report_p95_s": p95(one),
                "school_report_built_p95_s": p95(built),
                "schools_list_s": listing, "ok": len(listed) == schools and len(csv_lines) == schools + 1
                and report["records"] > 0}
    finally:
        database.close()
        if server:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--classes", type=int, default=40)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--quick", action="store_true", help="6 schools × 4 classes, 6,000 records, SQLite")
    args = parser.parse_args()
    if args.quick:
        args.schools, args.classes, args.records, args.repeats, args.db = 6, 4, 6_000, 5, "sqlite"
    print(f"district on one hub ({args.db}): {args.schools} schools × {args.classes} classes, "
          f"{args.records:,} records")
    with tempfile.TemporaryDirectory(prefix="bench-district-") as tmp:
        r = run(args.db, args.schools, args.classes, args.records, args.repeats, Path(tmp))
    print(f"seeded in {r['seed_s']:.1f} s; /district cold (every school's report) {r['page_cold_s']:.2f} s, "
          f"warm p95 {r['page_warm_p95_s'] * 1000:.1f} ms; one school's report p95 "
          f"{r['school_report_p95_s'] * 1000:.1f} ms (built afresh for another as-of day: p95 "
          f"{r['school_report_built_p95_s'] * 1000:.1f} ms); hub schools listing {r['schools_list_s'] * 1000:.1f} ms")
    page_ratio, school_ratio = r["page_warm_p95_s"] / 1.0, r["school_report_p95_s"] / 0.1
    print(f"goals: district page p95 {r['page_warm_p95_s']:.3f} s / 1 s = {page_ratio:.3f}; "
          f"one school's report {r['school_report_p95_s']:.3f} s / 0.1 s = {school_ratio:.2f}; "
          f"cold page per school {r['page_cold_s'] / args.schools * 1000:.0f} ms")
    print(json.dumps({"bench": "district", "db": args.db, "schools": args.schools, "classes": args.classes,
                      "records": args.records, **{k: round(v, 4) for k, v in r.items() if isinstance(v, float)},
                      "page_ratio_to_goal": round(page_ratio, 4), "school_report_ratio_to_goal": round(school_ratio, 3),
                      "ok": r["ok"]}))


if __name__ == "__main__":
    main()
