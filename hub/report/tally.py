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

from peewee import PostgresqlDatabase

from ..models import ReportTally, SchoolData, database
from .compute import ALL, Counts, thresholds, week_label

STATE_KEY = "report.tally"
LAG = timedelta(seconds=120)


def _offset_s(zone: ZoneInfo) -> int:
    offset = datetime(2026, 1, 1, tzinfo=zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def _week_text(offset_s: int) -> str:
    shift = offset_s - 4 * 86400  # 1970-01-05 was a Monday
    if isinstance(database.obj, PostgresqlDatabase):
        return f"CAST(FLOOR((EXTRACT(EPOCH FROM \"at\") + {shift}) / 604800) AS INTEGER)"
    return f"((CAST(strftime('%s', \"at\") AS INTEGER) + {shift}) / 604800)"


def _marker() -> str:
    return "%s" if isinstance(database.obj, PostgresqlDatabase) else "?"  # the driver's parameter marker


def _window(since: datetime | None, cutoff: datetime | None) -> tuple[str, list[datetime]]:
    """The rows received in (since, cutoff], read through the received_at index.

    Without statistics SQLite's planner prefers walking the kind index (it gives
    the GROUP BY order for free) through the whole table; on ten million records
    that turned a day's update into 6 s. INDEXED BY makes it read only the day.
    """
    p, conditions, params = _marker(), [], []
    if cutoff is not None:
        conditions.append(f'"received_at" <= {p}')
        params.append(cutoff)
    if since is not None:
        conditions.append(f'"received_at" > {p}')
        params.append(since)
    hint = "" if isinstance(database.obj, PostgresqlDatabase) else ' INDEXED BY "usagerecord_received_at"'
    return (f'(SELECT "kind", "class_id", "at", "duration_s" FROM "usagerecord"{hint} '
            f'WHERE {" AND ".join(conditions) or "1 = 1"})'), params


def _grouped(wanted: dict[str, list[int]], offset_s: int, since: datetime) -> Iterable[tuple[str, str, int, int, int]]:
    """(kind, class_id, week, threshold, n) for records received after ``since``, plus ALL rows for the total."""
    levels = sorted({t for values in wanted.values() for t in values} | {0})
    source, params = _window(since, None)
    sums = ", ".join(f'SUM(CASE WHEN u."duration_s" >= {int(t)} THEN 1 ELSE 0 END)' for t in levels)
    cursor = database.execute_sql(f'SELECT u."kind", u."class_id", {_week_text(offset_s)}, {sums} FROM {source} AS u '
                                  f'GROUP BY 1, 2, 3', params)
    totals: dict[int, int] = {}
    for kind, class_id, wk, *counts in cursor.fetchall():
        wk = int(wk)
        totals[wk] = totals.get(wk, 0) + int(counts[0])
        if class_id and kind in wanted:
            for t, n in zip(levels, counts):
                if t in wanted[kind] and n:
                    yield kind, class_id, wk, t, int(n)
    for wk, n in totals.items():
        yield ALL, ALL, wk, 0, n


def _add_in_database(wanted: dict[str, list[int]], offset_s: int, since: datetime | None, cutoff: datetime) -> int:
    """Count and add in one INSERT … SELECT … GROUP BY … ON CONFLICT per refresh: no rows travel to Python."""
    week = _week_text(offset_s)
    p = _marker()
    pairs = [(kind, t) for kind, values in wanted.items() for t in values]
    wanted_sql = " UNION ALL ".join(f"SELECT {p} AS kind, {p} AS threshold" for _ in pairs)
    upsert = ('ON CONFLICT ("kind", "class_id", "week", "threshold") '
              'DO UPDATE SET "n" = "reporttally"."n" + excluded."n"')
    # a full recount reads the whole table anyway; a day's update reads the day through the index
    source, window_params = ('"usagerecord"', []) if since is None else _window(since, cutoff)
    where = f'"received_at" <= {p}' if since is None else "1 = 1"
    where_params = [cutoff] if since is None else []
    total = 0
    for sql, params in (
        (f'INSERT INTO "reporttally" ("kind", "class_id", "week", "threshold", "n") '
         f'SELECT u."kind", u."class_id", {week}, w.threshold, COUNT(*) FROM {source} AS u '
         f'JOIN ({wanted_sql}) AS w ON u."kind" = w.kind AND u."duration_s" >= w.threshold '
         f'WHERE u."class_id" IS NOT NULL AND {where} GROUP BY 1, 2, 3, 4 {upsert}',
         window_params + [x for pair in pairs for x in pair] + where_params),
        (f'INSERT INTO "reporttally" ("kind", "class_id", "week", "threshold", "n") '
         f"SELECT '{ALL}', '{ALL}', {week}, 0, COUNT(*) FROM {source} AS u WHERE {where} "
         f"GROUP BY 3 {upsert}", window_params + where_params),
    ):
        if not pairs and "JOIN" in sql:
            continue
        cursor = database.execute_sql(sql, params)
        total += max(cursor.rowcount, 0)
    return total


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
        groups = _add_in_database(config["thresholds"], config["offset_s"], since, cutoff)
        SchoolData.upsert(key=STATE_KEY, value=json.dumps({"config": config, "mark": cutoff.isoformat()}),
                          version=1)
    return {"full": since is None, "groups": groups}


def counts_between(rules: dict[str, Any], zone: ZoneInfo, first_week: int, last_week: int,
                   class_ids: list[str] | None = None) -> Counts:
    """The stored counts for weeks in [first_week, last_week] (of ``class_ids`` when given, in batches),
    plus records too recent to be stored yet."""
    counts = Counts()
    query = (ReportTally.select(ReportTally.kind, ReportTally.class_id, ReportTally.week, ReportTally.threshold,
                                ReportTally.n).where(ReportTally.week.between(first_week, last_week)))
    if class_ids is not None and len(class_ids) <= 500:
        query = query.where(ReportTally.class_id.in_([*class_ids, ALL]))
    for kind, class_id, wk, t, n in query.tuples():
        counts.put(kind, t, class_id, week_label(wk), n)
    state = json.loads(SchoolData.get(SchoolData.key == STATE_KEY).value)
    mark = datetime.fromisoformat(state["mark"])
    for kind, class_id, wk, t, n in _grouped(state["config"]["thresholds"], state["config"]["offset_s"], mark):
        if first_week <= wk <= last_week:
            counts.put(kind, t, class_id, week_label(wk), n)
    return counts
