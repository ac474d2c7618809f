"""The report's counts, kept in the database and brought up to date from newly received records.

A term of a district's records is millions of rows; the report only needs how
many qualifying records each class had each week. ``refresh`` adds records
received since the last refresh (by ``received_at``, index-backed) into
``ReportTally`` with one GROUP BY per refresh, so the daily update reads a day
of records, not the term. Records of the last ``LAG`` seconds are counted on
the fly and not stored, so an upload still being committed is never skipped.

Weeks are counted in SQL as whole weeks since a Monday, shifted by the school
zone's UTC offset; Chinese zones have no daylight saving, so that offset is
fixed. Changing the rules' kinds or thresholds, or the zone, recounts all.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from peewee import EXCLUDED, SQL, Case, PostgresqlDatabase, fn

from ..models import ReportTally, SchoolData, UsageRecord, database
from .compute import ALL, Counts, thresholds, week_label

STATE_KEY = "report.tally"
LAG = timedelta(seconds=120)


def _offset_s(zone: ZoneInfo) -> int:
    offset = datetime(2026, 1, 1, tzinfo=zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _week_sql(offset_s: int):
    shift = offset_s - 4 * 86400  # 1970-01-05 was a Monday
    if isinstance(database.obj, PostgresqlDatabase):
        return SQL(f"CAST(FLOOR((EXTRACT(EPOCH FROM \"at\") + {shift}) / 604800) AS INTEGER)")
    return SQL(f"((CAST(strftime('%s', \"at\") AS INTEGER) + {shift}) / 604800)")


def _grouped(wanted: dict[str, list[int]], offset_s: int, where) -> Iterable[tuple[str, str, int, int, int]]:
    """(kind, class_id, week, threshold, n) for records matching ``where``, plus ALL rows for the total."""
    week = _week_sql(offset_s)
    levels = sorted({t for values in wanted.values() for t in values} | {0})
    sums = [fn.SUM(Case(None, [(UsageRecord.duration_s >= t, 1)], 0)) for t in levels]
    query = (UsageRecord.select(UsageRecord.kind, UsageRecord.class_id, week, *sums)
             .where(where).group_by(SQL("1"), SQL("2"), SQL("3")).tuples())
    totals: dict[int, int] = {}
    for kind, class_id, wk, *counts in query:
        wk = int(wk)
        totals[wk] = totals.get(wk, 0) + int(counts[0])
        if class_id and kind in wanted:
            for t, n in zip(levels, counts):
                if t in wanted[kind] and n:
                    yield kind, class_id, wk, t, int(n)
    for wk, n in totals.items():
        yield ALL, ALL, wk, 0, n


def refresh(rules: dict[str, Any], zone: ZoneInfo, now: datetime | None = None) -> dict[str, Any]:
    """Bring the stored counts up to ``now - LAG``; returns what it did (for the bench and the logs)."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    cutoff = now - LAG
    config = {"offset_s": _offset_s(zone), "thresholds": thresholds(rules)}
    with database.atomic():
        row = SchoolData.get_or_none(SchoolData.key == STATE_KEY)
        state = json.loads(row.value) if row else {}
        since = None
        if state.get("config") == config and state.get("mark"):
            since = datetime.fromisoformat(state["mark"])
        else:
            ReportTally.delete().execute()
        if since is not None and since >= cutoff:
            return {"full": False, "groups": 0}
        where = UsageRecord.received_at <= cutoff
        if since is not None:
            where &= UsageRecord.received_at > since
        rows = [{"kind": k, "class_id": c, "week": w, "threshold": t, "n": n}
                for k, c, w, t, n in _grouped(config["thresholds"], config["offset_s"], where)]
        for start in range(0, len(rows), 500):
            (ReportTally.insert_many(rows[start:start + 500])
             .on_conflict(conflict_target=[ReportTally.kind, ReportTally.class_id, ReportTally.week,
                                           ReportTally.threshold],
                          update={ReportTally.n: ReportTally.n + EXCLUDED.n}).execute())
        SchoolData.upsert(key=STATE_KEY, value=json.dumps({"config": config, "mark": cutoff.isoformat()}),
                          version=1)
    return {"full": since is None, "groups": len(rows)}


def counts_between(rules: dict[str, Any], zone: ZoneInfo, first_week: int, last_week: int) -> Counts:
    """The stored counts for weeks in [first_week, last_week], plus records too recent to be stored yet."""
    counts = Counts()
    for kind, class_id, wk, t, n in (ReportTally.select(ReportTally.kind, ReportTally.class_id, ReportTally.week,
                                                        ReportTally.threshold, ReportTally.n)
                                     .where(ReportTally.week.between(first_week, last_week)).tuples()):
        counts.put(kind, t, class_id, week_label(wk), n)
    state = json.loads(SchoolData.get(SchoolData.key == STATE_KEY).value)
    mark = datetime.fromisoformat(state["mark"])
    for kind, class_id, wk, t, n in _grouped(state["config"]["thresholds"], state["config"]["offset_s"],
                                             UsageRecord.received_at > mark):
        if first_week <= wk <= last_week:
            counts.put(kind, t, class_id, week_label(wk), n)
    return counts
