"""3.3.5 and 3.3.3 from the boards themselves: which classes have a board that was online, and whose chips.

3.3.5 asks for equipment, not use: every teaching class a board (电子班牌), each
main public area a terminal, each main gate an LED screen. Coverage here is the
share of teaching classes with an enrolled board that was heard from during
school hours in the period (from the kept health history), and, where the
school lists them in ``settings.report_places``, the public areas and gates
with such a board (or a terminal the school declares there, shown as declared).
3.3.3 counts the boards whose self-reported SoC vendor is on the policy's
domestic list, against the 1/4 and 2/3 lines of definition 7.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .. import health_history
from ..models import Board
from ..tenancy import current
from . import clauses
from .compute import level
from .compute_weeks import school_days_between


def _device_level(share: float, reported: int) -> str:
    return level(share, reported, 1)  # definition 7's device variant has no floor of 3


@lru_cache(maxsize=256)
def _school_hours(days: tuple[date, ...], zone: ZoneInfo, opens: str, closes: str) -> tuple[int, ...]:
    """The term's school hours, worked out once per process: the same for every report of the term."""
    return tuple(health_history.school_hours(days, zone, opens, closes))


def fleet_figures(content: dict[str, Any], policy: dict[str, Any], start: date, end: date, as_of: date,
                  zone: ZoneInfo) -> dict[str, Any]:
    """Coverage (3.3.5), domestic share (3.3.3) and per-board availability for the period up to ``as_of``."""
    boards = list(Board.select(Board.id, Board.class_id, Board.room_id, Board.health).where(
        (Board.state == "enrolled") & (Board.school == current())).namedtuples())  # only what is read, no models
    days = school_days_between(content["calendar"], start, min(end, as_of))
    hours = list(_school_hours(tuple(days), zone, *policy["school_hours"]))
    online = health_history.hours_online([b.id for b in boards], hours)
    availability = []
    for b in boards:
        availability.append({"board": b.id, "class_id": b.class_id, "room_id": b.room_id,
                             "hours_online": online[b.id], "school_hours": len(hours),
                             "share": round(online[b.id] / len(hours), 4) if hours else 0.0})
    seen = {b.id for b in boards if online[b.id] > 0}
    classes = content["classes"]
    covered = sorted({b.class_id for b in boards if b.id in seen and b.class_id})
    per_class = [{"class_id": c["id"], "name": c.get("name", c["id"]), "board": c["id"] in covered} for c in classes]
    share = len([c for c in per_class if c["board"]]) / len(classes) if classes else 0.0
    places = content.get("settings", {}).get("report_places", {})
    rooms_seen = {b.room_id for b in boards if b.id in seen and b.room_id}
    declared = set(places.get("declared", []))
    place_rows = {kind: [{"room_id": r, "board": r in rooms_seen, "declared": r in declared}
                         for r in places.get(kind, [])] for kind in ("public_areas", "gates")}
    coverage = {"clause": clauses.POINTS["3.3.5"], "classes_total": len(classes), "classes_covered": sum(1 for c in per_class if c["board"]),
                "share": round(share, 4), "level": "达标" if classes and share >= 1 - 1e-9 else (
                    "未达标" if not classes else f"缺 {len(classes) - sum(1 for c in per_class if c['board'])} 个班"),
                "per_class": per_class, **place_rows,
                "rule": "教学班级中有已注册且在统计期内在校时段在线的班牌者 ÷ 全部教学班级；指标要求每个教学班级配备"}
    vendors = set(policy["domestic_soc_vendors"])
    per_board, reported, domestic = [], 0, 0
    for b in boards:
        hardware = json.loads(b.health or "{}").get("hardware") or {}
        vendor = str(hardware.get("soc_vendor") or "").lower()
        is_domestic = vendor in vendors if vendor else None
        reported += vendor != ""
        domestic += bool(is_domestic)
        per_board.append({"board": b.id, "soc_vendor": vendor or None, "soc": hardware.get("soc"),
                          "model": hardware.get("model"), "domestic": is_domestic})
    d_share = domestic / reported if reported else 0.0
    domestic_share = {"clause": clauses.POINTS["3.3.3"], "context": clauses.CONTEXT["3.3.3"], "boards": len(boards), "reported": reported, "not_reported": len(boards) - reported,
                      "domestic": domestic, "share": round(d_share, 4),
                      "level": _device_level(d_share, reported) if reported else "不能提供证据",
                      "lines": {"规模化": "1/4", "普及化": "2/3"}, "per_board": per_board}
    return {"coverage": coverage, "domestic_share": domestic_share, "availability": availability}
