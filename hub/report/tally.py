"""The report's counts, kept in the database and brought up to date from newly received records.

A term of a district's records is millions of rows; the report only needs how
many qualifying records each unit (class, teacher, subject) had each week.
``refresh`` adds records received since the last refresh (by ``received_at``,
index-backed) into ``ReportCount`` with one INSERT … SELECT … GROUP BY per
refresh, so the daily update reads a day of records, not the term. Records of
the last ``LAG`` seconds are counted on the fly and not stored, so an upload
still being committed is never skipped.

Weeks, weekdays and minutes are computed in SQL from the school zone's fixed
UTC offset (Chinese zones keep no daylight saving). The timetable's lesson
slots are a table the SQL joins (``ReportSlot``) to find a record's subject and
teacher. Changing the rules, the timetable, the calendar or the zone recounts all.

On a district hub each school's counts, slots and state are its own (the
``school`` column; the records are those of the school's boards), so one
school's refresh or recount never touches another's.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator
from uuid import uuid4
from zoneinfo import ZoneInfo

from peewee import PostgresqlDatabase

from ..db import exclusive
from ..models import ReportCount, ReportSlot, SchoolData, database
from ..tenancy import DEFAULT, current, data_key
from .compute import STATUSES, Counts, offset_s, wanted_clauses, week_label
from .units import TEACHER_NAMED, slots

STATE_KEY = "report.tally"
LAG = timedelta(seconds=120)


def _pg() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def _marker() -> str:
    return "%s" if _pg() else "?"  # the driver's parameter marker


def _mod(a: str, b: int) -> str:
    """a modulo b: ``%`` is the driver's placeholder mark on PostgreSQL."""
    return f"MOD({a}, {b})" if _pg() else f"(({a}) % {b})"


def _json_text(column: str, key: str) -> str:
    return f"(CAST({column} AS jsonb) ->> '{key}')" if _pg() else f"json_extract({column}, '$.{key}')"


def _local_seconds(offset: int) -> str:
    if _pg():
        return f'(CAST(EXTRACT(EPOCH FROM "at") AS BIGINT) + {offset})'
    return f"(CAST(strftime('%s', \"at\") AS INTEGER) + {offset})"


def _conditions(since: datetime | None, cutoff: datetime | None) -> tuple[str, str, list[Any]]:
    """(index hint, WHERE, params) for the school's rows received in (since, cutoff].

    Without statistics SQLite's planner prefers walking the kind index through
    the whole table; INDEXED BY makes a day's update read only the day.
    """
    p, conditions, params = _marker(), [], []
    if cutoff is not None:
        conditions.append(f'"received_at" <= {p}')
        params.append(cutoff)
    if since is not None:
        conditions.append(f'"received_at" > {p}')
        params.append(since)
    hint = ' INDEXED BY "usagerecord_received_at"' if since is not None and not _pg() else ""
    if current() == DEFAULT:  # the implicit school: every record but those of other schools' boards
        conditions.append(f'"board_id" NOT IN (SELECT "id" FROM "board" WHERE "school" <> {p})')
    else:
        conditions.append(f'"board_id" IN (SELECT "id" FROM "board" WHERE "school" = {p})')
    params.append(current())
    return hint, " AND ".join(conditions), params


def _window(since: datetime | None, cutoff: datetime | None, offset: int) -> tuple[str, list[datetime]]:
    """The rows received in (since, cutoff] with their local time, read through the received_at index."""
    hint, where, params = _conditions(since, cutoff)
    return (f'(SELECT "kind", "class_id", "initiator", "duration_s", "data", {_local_seconds(offset)} AS e '
            f'FROM "usagerecord"{hint} WHERE {where})'), params


def _arrived(since: datetime, cutoff: datetime) -> bool:
    """Whether any of the school's records was received in (since, cutoff]: a refresh with none has nothing to do."""
    hint, where, params = _conditions(since, cutoff)
    return database.execute_sql(f'SELECT 1 FROM "usagerecord"{hint} WHERE {where} LIMIT 1', params).fetchone() is not None


def pending(state: dict[str, Any]) -> str:
    """A digest of the school's records received after the stored counts' mark: those ``counts_between``
    counts on the fly, so a report made from the same counts and the same pending records is the same."""
    hint, where, params = _conditions(datetime.fromisoformat(state["mark"]), None)
    ids = database.execute_sql(f'SELECT "id" FROM "usagerecord"{hint} WHERE {where} ORDER BY "id"', params)
    digest = hashlib.sha256()
    for (record_id,) in ids:
        digest.update(record_id.encode() + b"\n")
    return digest.hexdigest()


def _count_sql(clauses: dict[str, dict[str, Any]], source: str) -> tuple[str, list[Any]]:
    """(clause, unit, week, n) for qualifying records, per class, teacher and subject.

    Each record's week, weekday and minute are computed once (a MATERIALIZED
    step: otherwise the planner inlines the time arithmetic into every
    comparison with every lesson slot, 17 s instead of 0.3 s per 100,000
    records), then joined with the clauses and the timetable's slots once, and
    grouped three ways.
    """
    p = _marker()
    values = " UNION ALL ".join(f"SELECT {p} AS ckey, {p} AS kind, {p} AS inits, {p} AS min_d, {p} AS min_r"
                                for _ in clauses)
    params: list[Any] = [c["kind"] for c in {c["kind"]: c for c in clauses.values()}.values()]
    kinds = ", ".join(p for _ in params)
    for key, c in clauses.items():
        params += [key, c["kind"], "," + ",".join(c["initiators"]) + ",", int(c["min_duration_s"]),
                   int(c.get("min_roster", 0))]
    params.append(current())  # the slots' school, in the LEFT JOIN
    roster = " + ".join(f"COALESCE(CAST({_json_text('r.data', s)} AS INTEGER), 0)" for s in STATUSES)
    named = ", ".join(f"'{k}'" for k in TEACHER_NAMED)
    who = "',' || r.initiator || ','"
    contains = f"POSITION({who} IN c.inits)" if _pg() else f"instr(c.inits, {who})"
    times = (f"(u.e - 345600) / 604800 AS wk, {_mod('u.e / 86400 + 3', 7)} + 1 AS wd, "
             f"{_mod('u.e', 86400)} / 60 AS mi")
    sql = (f"WITH r AS MATERIALIZED (SELECT u.kind, u.class_id, u.initiator, u.duration_s, u.data, {times} "
           # (SQLite: "+" keeps the planner off the kind index, which would fetch rows at random)
           f"FROM {source} AS u WHERE u.class_id IS NOT NULL AND {'' if _pg() else '+'}u.kind IN ({kinds})), "
           f"q AS MATERIALIZED (SELECT c.ckey AS ckey, r.class_id AS class_id, r.wk AS wk, "
           f"COALESCE(CASE WHEN r.kind IN ({named}) THEN {_json_text('r.data', 'teacher')} END, s.teacher_id) "
           # CROSS JOIN keeps the records as the outer loop on SQLite (else it indexes a copy of them)
           f"AS teacher, s.subject AS subject FROM r CROSS JOIN ({values}) AS c "
           f'LEFT JOIN "reportslot" AS s ON s.school = {p} AND s.class_id = r.class_id AND s.weekday = r.wd '
           f"AND r.mi >= s.start_min AND r.mi < s.end_min AND r.wk BETWEEN s.first_week AND s.last_week "
           f"AND (s.parity = 'all' OR (s.parity = 'odd') = ({_mod('r.wk - s.first_week', 2)} = 0)) "
           f"WHERE r.kind = c.kind AND {contains} > 0 "
           # CASE, not OR: PostgreSQL may evaluate both sides of an OR, parsing every record's JSON four times
           f"AND r.duration_s >= c.min_d AND CASE WHEN c.min_r = 0 THEN 1 WHEN {roster} >= c.min_r THEN 1 "
           f"ELSE 0 END = 1) "
           # group on the plain columns and name the units after: concatenating first sorts long strings
           f"SELECT ckey, 'class:' || v, wk, n FROM (SELECT ckey, class_id AS v, wk, COUNT(*) AS n FROM q "
           f"GROUP BY ckey, class_id, wk) AS g1 UNION ALL "
           f"SELECT ckey, 'teacher:' || v, wk, n FROM (SELECT ckey, teacher AS v, wk, COUNT(*) AS n FROM q "
           f"WHERE teacher IS NOT NULL GROUP BY ckey, teacher, wk) AS g2 UNION ALL "
           f"SELECT ckey, 'subject:' || v, wk, n FROM (SELECT ckey, subject AS v, wk, COUNT(*) AS n FROM q "
           f"WHERE subject IS NOT NULL GROUP BY ckey, subject, wk) AS g3")
    return sql, params


def _totals_sql(source: str) -> str:
    """Every record by kind and initiator, and planned broadcasts by initiator and id (3.6.2)."""
    week = "((u.e - 345600) / 604800)"
    return (f"SELECT 'kind:' || k, 'initiator:' || i, wk, n FROM (SELECT u.kind AS k, u.initiator AS i, "
            f"{week} AS wk, COUNT(*) AS n FROM {source} AS u GROUP BY u.kind, u.initiator, {week}) AS t1 UNION ALL "
            f"SELECT 'broadcast', i || ':' || COALESCE(b, ''), wk, n FROM (SELECT u.initiator AS i, "
            f"{_json_text('u.data', 'broadcast')} AS b, {week} AS wk, COUNT(*) AS n FROM {source} AS u "
            f"WHERE u.kind = 'broadcast.played' GROUP BY 1, 2, 3) AS t2")


def _queries(clauses: dict[str, dict[str, Any]], source: str, params: list[Any]) -> list[tuple[str, list[Any]]]:
    out = []
    if clauses:
        sql, clause_params = _count_sql(clauses, source)
        out.append((sql, params + clause_params))
    out.append((_totals_sql(source), params + params))
    return out


def _grouped(clauses: dict[str, dict[str, Any]], offset: int, since: datetime) -> Iterable[tuple[str, str, int, int]]:
    """(clause, unit, week, n) for records received after ``since``: what is not stored yet."""
    source, params = _window(since, None, offset)
    for sql, all_params in _queries(clauses, source, params):
        yield from database.execute_sql(sql, all_params).fetchall()


def _add_in_database(clauses: dict[str, dict[str, Any]], offset: int, since: datetime | None,
                     cutoff: datetime) -> int:
    """Count and add with INSERT … SELECT … GROUP BY … ON CONFLICT: no rows travel to Python."""
    source, params = _window(since, cutoff, offset)
    upsert = ('ON CONFLICT ("school", "clause", "unit", "week") DO UPDATE SET "n" = "reportcount"."n" + '
              'excluded."n"')
    total = 0
    for sql, all_params in _queries(clauses, source, params):
        cursor = database.execute_sql(f'INSERT INTO "reportcount" ("school", "clause", "unit", "week", "n") '
                                      f'SELECT {_marker()}, q.* FROM ({sql}) AS q WHERE 1 = 1 {upsert}',
                                      [current()] + all_params)
        total += max(cursor.rowcount, 0)
    return total


SLOT_COLUMNS = ("school", "class_id", "weekday", "start_min", "end_min", "first_week", "last_week", "parity", "subject",
                "teacher_id")


def _put_slots(content: dict[str, Any], lead_min: int) -> None:
    """The timetable's slots as rows: plain executemany (a district's timetable is 10^5–10^6 lessons)."""
    school = current()
    rows = [(school,) + tuple(getattr(s, c) for c in SLOT_COLUMNS[1:]) for s in slots(content, lead_min)]
    ReportSlot.delete().where(ReportSlot.school == school).execute()
    p = _marker()
    cursor = database.cursor()
    cursor.executemany(f'INSERT INTO "reportslot" ({", ".join(SLOT_COLUMNS)}) '
                       f'VALUES ({", ".join(p for _ in SLOT_COLUMNS)})', rows)


def _timetable(content: dict[str, Any] | None) -> dict[str, Any]:
    timetable = {k: (content or {}).get(k, []) for k in ("bell_schedules", "lessons", "classes")}
    calendar = (content or {}).get("calendar", {})
    timetable["calendar"] = {"terms": calendar.get("terms", []), "workdays": calendar.get("workdays", [])}
    return timetable


def refresh(rules: dict[str, Any], zone: ZoneInfo, now: datetime | None = None,
            content: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
            content_key: str | None = None) -> dict[str, Any]:
    """Bring the stored counts up to ``now - LAG``; returns what it did (for the bench and the logs).

    ``content`` holds the timetable (or is a function returning it, called
    only for a recount); ``content_key`` names its version so that a daily
    update need not read or hash a district's timetable to know it is unchanged.
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    cutoff = now - LAG
    clauses = wanted_clauses(rules)
    if content_key is None:
        content_key = hashlib.sha256(json.dumps(_timetable(content() if callable(content) else content),
                                                sort_keys=True).encode()).hexdigest()
    config = {"offset_s": offset_s(zone), "clauses": sorted(clauses),
              "lead": rules["policy"]["lesson_lead_min"], "timetable": content_key}
    kept = stored_state()
    if kept.get("config") == config and kept.get("mark") and (
            datetime.fromisoformat(kept["mark"]) >= cutoff or not _arrived(datetime.fromisoformat(kept["mark"]), cutoff)):
        return {"full": False, "groups": 0, "state": kept}  # nothing new: no write, no lock (a report's usual case)
    # one refresh of a school's counts at a time: two reading the same mark would count its records twice
    with exclusive(data_key(STATE_KEY)):
        state = stored_state()
        since = None
        if state.get("config") == config and state.get("mark"):
            since = datetime.fromisoformat(state["mark"])
        else:
            ReportCount.delete().where(ReportCount.school == current()).execute()
            _put_slots(_timetable(content() if callable(content) else content), config["lead"])
        if since is not None and since >= cutoff:
            return {"full": False, "groups": 0, "state": state}
        groups = _add_in_database(clauses, config["offset_s"], since, cutoff)
        # "counted" names this content of the stored counts: a new one whenever they change (a cached report's key)
        counted = state.get("counted") if since is not None and groups == 0 and state.get("counted") else uuid4().hex
        state = {"config": config, "mark": cutoff.isoformat(), "clauses": clauses, "counted": counted}
        SchoolData.upsert(key=data_key(STATE_KEY), value=json.dumps(state, ensure_ascii=False), version=1)
    return {"full": since is None, "groups": groups, "state": state}


def stored_state() -> dict[str, Any]:
    """The school's tally state (config, mark, clauses, counted), or {} before its first count."""
    row = SchoolData.get_or_none(SchoolData.key == data_key(STATE_KEY))
    return json.loads(row.value) if row else {}


@contextmanager
def snapshot() -> Iterator[None]:
    """One consistent view of the counts and their state: a refresh committing meanwhile is wholly seen or not."""
    outermost = not database.in_transaction()
    with database.atomic():
        if _pg() and outermost:  # (inside a caller's transaction its isolation stands)
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def counts_between(first_week: int, last_week: int, unit_ids: list[str] | None = None,
                   state: dict[str, Any] | None = None) -> Counts:
    """The stored counts for weeks in [first_week, last_week] (of ``unit_ids`` when few enough, with the
    kind and broadcast totals), plus records too recent to be stored yet."""
    counts = Counts()
    query = ReportCount.select(ReportCount.clause, ReportCount.unit, ReportCount.week, ReportCount.n).where(
        ReportCount.week.between(first_week, last_week) & (ReportCount.school == current()))
    if unit_ids is not None and len(unit_ids) <= 500:
        query = query.where(ReportCount.unit.in_(unit_ids) | ReportCount.clause.startswith("kind:")
                            | (ReportCount.clause == "broadcast"))
    sql, params = query.sql()
    labels = {wk: week_label(wk) for wk in range(first_week, last_week + 1)}
    n = counts.n
    for clause, unit, wk, count in database.execute_sql(sql, params):  # plain tuples: a district has 10^6 rows
        n[clause][unit][labels[wk]] += count
    state = state or json.loads(SchoolData.get(SchoolData.key == data_key(STATE_KEY)).value)
    for clause, unit, wk, n in _grouped(state["clauses"], state["config"]["offset_s"],
                                        datetime.fromisoformat(state["mark"])):
        if first_week <= int(wk) <= last_week:
            counts.put(clause, unit, week_label(int(wk)), int(n))
    return counts


def kinds_held(kinds: list[str]) -> list[str]:
    """Of ``kinds``, those the hub holds any record of: a point becomes evidence once a board writes its kinds."""
    held = ReportCount.select(ReportCount.clause).distinct().where(
        (ReportCount.school == current()) & ReportCount.clause.in_([f"kind:{k}" for k in kinds]))
    return sorted(row.clause[5:] for row in held)  # one query, not one per kind
