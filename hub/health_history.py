"""The boards' health history: which hours each board was heard from, kept as long as the evidence.

Boards report health about once a minute; the hub keeps one row per board and
hour (``BoardHour``), enough to say how many school hours each board was online
(availability, and 3.3.5's "a board online during school hours") without keeping
half a million reports a year per school.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from .models import BoardHour, database


def hour_of(at: datetime) -> int:
    return int(at.astimezone(timezone.utc).timestamp()) // 3600


def note(board_id: str, at: datetime | None = None) -> None:
    """The board was heard from at ``at`` (now): count it in that hour's row."""
    hour = hour_of(at or datetime.now(timezone.utc))
    BoardHour.insert(board_id=board_id, hour=hour, reports=1).on_conflict(
        conflict_target=[BoardHour.board_id, BoardHour.hour],
        update={BoardHour.reports: BoardHour.reports + 1}).execute()


def note_many(rows: Iterable[tuple[str, datetime]]) -> None:
    """Many past sightings at once (the demo's history, imports)."""
    with database.atomic():
        for board_id, at in rows:
            note(board_id, at)


def school_hours(days: Iterable[date], zone: ZoneInfo, opens: str, closes: str) -> list[int]:
    """The UTC hours (since the epoch) that lie within school hours on the given school days."""
    first, last = (time.fromisoformat(opens), time.fromisoformat(closes))
    hours = []
    for day in days:
        start = datetime.combine(day, first, zone)
        end = datetime.combine(day, last, zone)
        h = hour_of(start)
        while h * 3600 < end.timestamp():
            hours.append(h)
            h += 1
    return hours


def hours_online(board_ids: list[str], hours: list[int]) -> dict[str, int]:
    """Per board, how many of ``hours`` it was heard from in."""
    if not hours or not board_ids:
        return {b: 0 for b in board_ids}
    wanted = set(hours)
    out = {b: 0 for b in board_ids}
    query = (BoardHour.select(BoardHour.board_id, BoardHour.hour)
             .where(BoardHour.board_id.in_(board_ids) & BoardHour.hour.between(min(hours), max(hours))))
    for board_id, hour in query.tuples():
        if hour in wanted:
            out[board_id] += 1
    return out
