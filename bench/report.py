"""A district-size hub's normal-use report: full build and daily incremental update, SQLite and PostgreSQL.

A district hub holding SCHOOLS × CLASSES classes, each with a full timetable
(7 lessons a day, 13 subjects, a teacher per subject and school), and about
RECORDS usage records over a 20-week term (goal at 300 × 40 and 10 million:
full report under 60 s on PostgreSQL, a daily incremental update under 1 s),
counted per class, per teacher and per subject. Records are bulk-loaded
straight into the hub's table (signing 10 million records would measure the
signer, not the report); the report code is the hub's own: the tally (one
INSERT … SELECT … GROUP BY joined with the timetable's slots), the counts and
``build_report``. Then one school day's records arrive (RECORDS / 100) and the
incremental refresh is timed, and the report after it.

Run: .venv/bin/python bench/report.py [--records 10000000] [--schools 300] [--classes 40] [--db sqlite,postgresql]
     .venv/bin/python bench/report.py --quick     # seconds: 10 schools × 10 classes, 50,000 records, SQLite
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ZONE = ZoneInfo("Asia/Shanghai")
TERM_START = date(2026, 9, 7)
WEEKS = 20
KINDS = [("checkin", 0, 0.55, "student"), ("attendance.session", 240, 0.12, "teacher"),
         ("teacher.session", 300, 0.1, "teacher"), ("student.session", 90, 0.1, "student"),
         ("broadcast.played", 600, 0.05, "schedule"), ("notice.ack", 0, 0.05, "guardian"),
         ("sensor.summary", 3600, 0.03, "system")]
DATA = {"attendance.session": '{"present":40,"late":1,"absent":1,"leave":0,"period":1}',
        "broadcast.played": '{"broadcast":"B-EYE"}'}
SUBJECTS = ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "政治", "体育", "音乐", "美术", "信息技术"]
PERIODS = [(1, "08:00", "08:45"), (2, "08:55", "09:40"), (3, "10:05", "10:50"), (4, "11:00", "11:45"),
           (5, "14:00", "14:45"), (6, "14:55", "15:40"), (7, "15:50", "16:35")]
COLUMNS = ("id", "board_id", "seq", "kind", "at", "class_id", "initiator", "duration_s", "data", "hash", "received_at")
HEX = "ab" * 32


def school_content(schools: int, classes: int) -> dict:
    end = TERM_START + timedelta(weeks=WEEKS) - timedelta(days=1)
    class_rows = [{"id": f"S{s:03d}-C{c:02d}", "name": f"{s}校{c}班", "bell_schedule_id": "BS"}
                  for s in range(schools) for c in range(classes)]
    lessons = [{"id": f"L-{row['id']}-{d}-{p}", "class_id": row["id"], "weekday": d, "period": p,
                "subject": SUBJECTS[(d * 3 + p + i) % len(SUBJECTS)],
                "teacher_id": f"{row['id'][:4]}-T{(d * 3 + p + i) % len(SUBJECTS):02d}", "weeks": "all"}
               for i, row in enumerate(class_rows) for d in range(1, 6) for p, _, _ in PERIODS]
    return {"school": {"id": "DISTRICT", "name": "示范区教育局（基准测试）", "timezone": "Asia/Shanghai"},
            "calendar": {"terms": [{"id": "T1", "name": "第一学期", "start": TERM_START.isoformat(),
                                    "end": end.isoformat()}],
                         "holidays": [{"name": "国庆节", "start": "2026-10-01", "end": "2026-10-07"}], "workdays": []},
            "bell_schedules": [{"id": "BS", "name": "作息", "periods": [
                {"index": i, "name": f"第{i}节", "start": a, "end": b, "kind": "lesson"} for i, a, b in PERIODS]}],
            "rooms": [], "teachers": [], "students": [], "lessons": lessons, "overrides": [],
            "classes": class_rows, "notices": [], "exams": [], "broadcasts": [], "settings": {}}


def rows(n: int, class_ids: list[str], first_day: date, days: int, received: datetime, seed: int):
    """Plausible records: each class's board, weekday school hours, a mix of kinds and durations."""
    rng = random.Random(seed)
    kinds, weights = [(k[0], k[1], k[3]) for k in KINDS], [k[2] for k in KINDS]
    seqs: dict[str, int] = {}
    school_days = [first_day + timedelta(days=d) for d in range(days)
                   if (first_day + timedelta(days=d)).isoweekday() <= 5]
    for _ in range(n):
        cid = rng.choice(class_ids)
        board = "cb-" + cid.lower()
        seqs[board] = seqs.get(board, 0) + 1
        kind, typical, initiator = rng.choices(kinds, weights)[0]
        day = rng.choice(school_days)
        at = datetime(day.year, day.month, day.day, rng.randint(7, 17), rng.randint(0, 59), tzinfo=ZONE)
        yield (str(uuid.UUID(int=rng.getrandbits(128), version=4)), board, seqs[board] + seed * 10_000_000, kind,
               at.astimezone(timezone.utc).replace(tzinfo=None), None if kind == "sensor.summary" else cid,
               initiator, int(typical * rng.uniform(0.2, 2.0)), DATA.get(kind, "{}"), HEX, received)


def load(db_kind: str, records: list, db) -> float:
    start = time.perf_counter()
    if db_kind == "postgresql":
        conn = db.connection()
        with conn.cursor() as cur, cur.copy(f"COPY usagerecord ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for r in records:
                copy.write_row(r)
        conn.commit()
    else:
        conn = db.connection()
        sql = f"INSERT INTO usagerecord ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        batch = []
        with db.atomic():
            for r in records:
                batch.append((*r[:4], r[4].isoformat(sep=" "), *r[5:10], r[10].isoformat(sep=" ")))
                if len(batch) == 50_000:
                    conn.executemany(sql, batch)
                    batch.clear()
            conn.executemany(sql, batch)
    return time.perf_counter() - start


def run(db_kind: str, n: int, schools: int, classes: int, workdir: Path) -> dict:  # noqa: C901
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.models import database
    from hub.report.rules import load_rules
    from hub.report.service import make_report, refresh_counts
    from hub.models import SchoolData

    server = None
    db_url = ""
    if db_kind == "postgresql":
        from tests.pgserver import PostgresServer
        server = PostgresServer()
        db_url = server.fresh_database("bench")
    try:
        create_app(HubConfig(data_dir=workdir / db_kind, db_url=db_url))
        content = school_content(schools, classes)
        # one school's content holds at most 500 classes (the bundle schema); the district's 12,000 are stored
        # as one content directly, which is all the report reads
        SchoolData.upsert(key="school", value=json.dumps(content, ensure_ascii=False), version=1)
        class_ids = [c["id"] for c in content["classes"]]
        past = datetime(2026, 9, 1)
        loaded = load(db_kind, rows(n, class_ids, TERM_START, WEEKS * 7 - 7, past, 0), database.obj)
        if db_kind == "postgresql":
            database.execute_sql("ANALYZE usagerecord")
        else:  # one giant load transaction leaves a WAL the size of the table; the hub's own writes never do
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        start = time.perf_counter()
        refresh_counts(load_rules(), ZONE)
        counted = time.perf_counter() - start
        report = make_report(term="T1", as_of=TERM_START + timedelta(weeks=WEEKS))
        full = time.perf_counter() - start
        day = TERM_START + timedelta(weeks=WEEKS - 1)
        arrived = datetime.now(timezone.utc)
        load(db_kind, rows(n // 100, class_ids, day, 1, arrived.replace(tzinfo=None), 1), database.obj)
        start = time.perf_counter()
        step = refresh_counts(load_rules(), ZONE, now=arrived + timedelta(days=1))  # the next nightly run
        incremental = time.perf_counter() - start
        start = time.perf_counter()
        after = make_report(term="T1", as_of=TERM_START + timedelta(weeks=WEEKS))
        report_after = time.perf_counter() - start
        assert after["records"] == report["records"] + n // 100, (after["records"], report["records"])
        # what one school's hub computes: its 40 classes, from the same district-size store
        one_school = dict(content, classes=content["classes"][:classes],
                          lessons=[x for x in content["lessons"] if x["class_id"].startswith("S000-")])
        # the same version: its timetable rows are the district's, so the stored counts stay valid (a real
        # school hub holds only its own content and never swaps it like this)
        SchoolData.upsert(key="school", value=json.dumps(one_school, ensure_ascii=False), version=1)
        start = time.perf_counter()
        one = make_report(term="T1", as_of=TERM_START + timedelta(weeks=WEEKS))
        school_s = time.perf_counter() - start
        assert not step["full"]
        return {"load_s": loaded, "full_s": full, "count_s": counted, "incremental_s": incremental, "groups": step["groups"],
                "report_after_s": report_after, "school_s": school_s, "records": after["records"],
                "level_week1": report["points"]["2.1.10"]["units"]["class"]["weeks"][0]["level"],
                "units": {u: v["total"] for u, v in one["points"]["2.1.10"]["units"].items()}}
    finally:
        database.close()
        if server:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--classes", type=int, default=40)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="10 schools × 10 classes, 50,000 records, SQLite")
    args = parser.parse_args()
    if args.quick:
        args.records, args.schools, args.classes, args.db = 50_000, 10, 10, "sqlite"
    print(f"district: {args.schools} schools × {args.classes} classes = {args.schools * args.classes} classes, "
          f"{args.records:,} records over {WEEKS} weeks, then one school day of {args.records // 100:,} more")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        for kind in args.db.split(","):
            r = results[kind] = run(kind, args.records, args.schools, args.classes, Path(tmp))
            print(f"{kind:10}  bulk load {r['load_s']:7.1f} s   full report {r['full_s']:6.2f} s (counting {r['count_s']:.2f} s)   "
                  f"incremental daily update {r['incremental_s']:6.3f} s ({r['groups']} tally groups)   "
                  f"report after it {r['report_after_s']:5.2f} s   one school's report {r['school_s']:5.2f} s   "
                  f"records counted {r['records']:,}   units of one school {r['units']}")
    goal = results.get("postgresql") or results.get("sqlite")
    print(f"goals ({'postgresql' if 'postgresql' in results else 'sqlite'}): full {goal['full_s']:.1f} s / 60 s = "
          f"{goal['full_s'] / 60:.2f}; incremental {goal['incremental_s']:.3f} s / 1 s = {goal['incremental_s']:.2f}")
    if len(results) == 2:
        print(f"SQLite / PostgreSQL full report time: {results['sqlite']['full_s'] / results['postgresql']['full_s']:.2f}")
    print(json.dumps({"bench": "report", "records": args.records, "classes": args.schools * args.classes,
                      **{f"{db}_{k}": round(v, 3) for db, r in results.items() for k, v in r.items()
                         if isinstance(v, float)},
                      "full_ratio_to_goal": round(goal["full_s"] / 60, 3),
                      "incremental_ratio_to_goal": round(goal["incremental_s"], 3)}))


if __name__ == "__main__":
    main()
