"""The district's overview: for each school, the level each observation point reached this term.

Each cell is the best level any unit (classes, teachers or subjects) of the
school reached for that point in its current term, read from the school's
own report (hub/report), so the district sees exactly what the school's
report says. Beside the points: the share of the school's boards online now,
and the evidence status: how many of its boards have their latest checkpoint
taken by the district's witness, and, when the hub knows the witness's URL,
how many the witness has heard no checkpoint from for 48 hours (silent).

A row is kept (in ``SchoolData``, so every hub process shares it) for
``FRESH`` and rebuilt after; the page for 300 schools then reads 300 rows.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from peewee import fn

from ..models import Board, BoardCheckpoint, SchoolData
from ..report.compute import NOT_EVIDENCED
from ..tenancy import acting_for, data_key
from ..witness.forward import SILENT_HOURS, silent_at_witness
from .schools import school_rows, tenants

FRESH = timedelta(minutes=10)
ONLINE_WITHIN = timedelta(minutes=5)
CACHE_KEY = "district.row"
# how good a level is, to pick a school's best unit and to sort; anything else (未达标, 缺 n 个班) ranks 1
RANK = {"普及化": 3, "达标": 3, "规模化": 2, NOT_EVIDENCED: 0, "": -1}


def rank(level: str) -> int:
    return RANK.get(level, 1)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def current_term(content: dict[str, Any], today: date) -> dict[str, Any] | None:
    """The term holding ``today``, else the last one begun, else None."""
    terms = sorted(content["calendar"].get("terms", []), key=lambda t: t["start"])
    for term in terms:
        if term["start"] <= today.isoformat() <= term["end"]:
            return term
    begun = [t for t in terms if t["start"] <= today.isoformat()]
    return begun[-1] if begun else None


def silent_hours() -> float:
    """The district's own threshold (``hub serve --silent-hours``): policy, labelled so wherever it is shown."""
    from flask import current_app, has_app_context

    return current_app.config["HUB"].silent_hours if has_app_context() else SILENT_HOURS


def silent_boards() -> tuple[set[str] | None, bool]:
    """Boards silent at the witness (hub serve --witness URL), and whether a witness was asked but did not
    answer; (None, False) when the hub knows no witness."""
    from flask import current_app, has_app_context

    url = current_app.config["HUB"].witness_url if has_app_context() else ""
    silent = silent_at_witness(url, silent_hours()) if url else None
    return silent, bool(url) and silent is None


def _boards(school: str, silent: set[str] | None) -> dict[str, Any]:
    enrolled = Board.select(Board.id, Board.last_seen).where((Board.school == school) & (Board.state == "enrolled"))
    boards = list(enrolled)
    now = _now()
    online = sum(1 for b in boards if b.last_seen and now - b.last_seen < ONLINE_WITHIN)
    latest = (BoardCheckpoint.select(BoardCheckpoint.board_id, fn.MAX(BoardCheckpoint.size).alias("size"))
              .where(BoardCheckpoint.board_id.in_([b.id for b in boards])).group_by(BoardCheckpoint.board_id))
    witnessed = 0
    for row in latest:
        witnessed += BoardCheckpoint.select().where(
            (BoardCheckpoint.board_id == row.board_id) & (BoardCheckpoint.size == row.size)
            & BoardCheckpoint.witnessed_at.is_null(False)).exists()
    return {"boards": len(boards), "online": online, "online_share": round(online / len(boards), 4) if boards else 0.0,
            "with_checkpoint": len(list(latest)), "witnessed": witnessed,
            "silent": None if silent is None else sum(1 for b in boards if b.id in silent)}


def school_row(school: str, info: dict[str, Any], today: date | None = None,
               silent: tuple[set[str] | None, bool] = (None, False)) -> dict[str, Any]:
    """One school's row: its term, each point's best level, boards online, evidence status (``silent``: as
    ``silent_boards`` answers)."""
    from ..bundles import school_content
    from ..report.service import make_report

    with acting_for(school):
        content = school_content()
        zone = ZoneInfo(content["school"].get("timezone", "Asia/Shanghai"))
        today = today or datetime.now(timezone.utc).astimezone(zone).date()
        term = current_term(content, today)
        row = {"school": school, "id": info["id"], "name": info["name"], "classes": info["classes"],
               "term": term["name"] if term else "", "levels": {}, "records": 0, "problem": ""}
        row.update(_boards(school, silent[0]))
        row["evidence"] = ("已见证 witnessed" if row["boards"] and row["witnessed"] == row["boards"] else
                           f"{row['witnessed']}/{row['boards']} 已见证" if row["boards"] else "无班牌 no boards")
        if row["silent"]:
            row["evidence"] += f"；{row['silent']} 块沉默 silent > {silent_hours():g} h（区县自定 district policy）"
        elif silent[1] and row["boards"]:
            row["evidence"] += "；见证服务无应答 witness did not answer"
        if term is None:
            row["problem"] = "无学期 no term in the calendar"
            return row
        try:
            report = make_report(term["id"], as_of=today)
        except ValueError as exc:
            row["problem"] = str(exc)[:300]
            return row
    for item in report["summary"]:
        best = row["levels"].get(item["point"], "")
        if rank(item["level"]) > rank(best):
            row["levels"][item["point"]] = item["level"]
    row["records"] = report["records"]
    return row


def district_rows(refresh: bool = False, today: date | None = None) -> list[dict[str, Any]]:
    """Every school's row, from the kept copies (one query) when younger than ``FRESH``; the others rebuilt."""
    now = _now()
    schools = tenants()
    keys = {data_key(CACHE_KEY, s): s for s in schools}
    kept: dict[str, dict[str, Any]] = {}
    if not (refresh or today):
        for row in SchoolData.select(SchoolData.key, SchoolData.value).where(SchoolData.key.in_(list(keys))):
            cached = json.loads(row.value)
            if now - datetime.fromisoformat(cached["at"]) < FRESH:
                kept[keys[row.key]] = cached["row"]
    stale = [s for s in schools if s not in kept]
    silent = silent_boards() if stale else (None, False)
    for info in school_rows(stale) if stale else []:
        kept[info["school"]] = school_row(info["school"], info, today, silent)
        if today is None:
            SchoolData.upsert(key=data_key(CACHE_KEY, info["school"]), value=json.dumps(
                {"at": now.isoformat(), "row": kept[info["school"]]}, ensure_ascii=False), version=1)
    return [kept[s] for s in schools]


def points_of(rows: list[dict[str, Any]]) -> list[str]:
    """The observation points of the table's columns, in the indicator system's order."""
    return sorted({p for r in rows for p in r["levels"]}, key=lambda p: [int(x) for x in p.split(".")])


def sort_rows(rows: list[dict[str, Any]], column: str, descending: bool) -> list[dict[str, Any]]:
    """By a point's level, online share, classes, records or name; ties by name."""
    def key(r: dict[str, Any]):
        if column in r["levels"] or column[:1].isdigit():
            return rank(r["levels"].get(column, ""))
        value = r.get(column, r["name"])
        return value if isinstance(value, (int, float)) else str(value)

    rows = sorted(rows, key=lambda r: r["name"])
    return sorted(rows, key=key, reverse=descending)
