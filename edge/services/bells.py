"""A day's bell events (上课铃/下课铃) from the bell schedule and the calendar."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ..store import models as m
from .calendar import SchoolCalendar
from .timetable import _at


@dataclass(frozen=True, order=True)
class BellEvent:
    at: datetime  # aware UTC
    kind: str  # "start" (上课) | "end" (下课)
    period: int
    period_name: str
    schedule_id: str


class BellPlan:
    """Bells ring only on school days, and only for lesson-like periods."""

    RINGING_KINDS = ("lesson", "selfstudy", "exercise")

    def __init__(self, zone: ZoneInfo, calendar: SchoolCalendar | None = None) -> None:
        self.zone = zone
        self.calendar = calendar or SchoolCalendar()

    def events_on(self, day: date, schedule_id: str) -> list[BellEvent]:
        if not self.calendar.is_school_day(day):
            return []
        events = []
        for p in m.Period.select().where(m.Period.schedule == schedule_id).order_by(m.Period.index):
            if p.kind not in self.RINGING_KINDS:
                continue
            events.append(BellEvent(_at(day, p.start, self.zone), "start", p.index, p.name, schedule_id))
            events.append(BellEvent(_at(day, p.end, self.zone), "end", p.index, p.name, schedule_id))
        # One bell per instant: when a period ends as the next begins, ring the start.
        by_instant: dict[datetime, BellEvent] = {}
        for event in sorted(events, key=lambda e: (e.at, e.kind != "start")):
            by_instant.setdefault(event.at, event)
        return sorted(by_instant.values())

    def next_after(self, moment: datetime, schedule_id: str, horizon_days: int = 60) -> BellEvent | None:
        """The first bell strictly after ``moment``; None if none within the horizon (a long holiday)."""
        local_day = moment.astimezone(self.zone).date()
        for offset in range(horizon_days + 1):
            for event in self.events_on(local_day + timedelta(days=offset), schedule_id):
                if event.at > moment.astimezone(timezone.utc):
                    return event
        return None
