"""The school calendar: which days are school days and which timetable they follow.

Chinese schools swap days (调休): a Saturday can be a workday that follows,
say, Monday's timetable, and a Wednesday can be a public holiday. Odd/even week
lessons (单双周) count teaching weeks from the first Monday of the term.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..store import models as m


@dataclass(frozen=True)
class SchoolDay:
    date: date
    is_school_day: bool
    weekday: int  # the timetable weekday it follows, 1 = Monday
    term_id: str | None
    week: int | None  # teaching week number within the term, 1-based
    reason: str = ""  # why not a school day: holiday name, weekend, outside term


class SchoolCalendar:
    def day(self, on: date) -> SchoolDay:
        term = (m.Term.select().where((m.Term.start <= on) & (m.Term.end >= on)).first())
        week = None
        if term is not None:
            first_monday = term.start - timedelta(days=term.start.isoweekday() - 1)
            week = (on - first_monday).days // 7 + 1
        term_id = term.id if term else None
        workday = m.Workday.get_or_none(m.Workday.date == on)
        if workday is not None:
            return SchoolDay(on, term is not None, workday.follows_weekday, term_id, week,
                             "" if term else "outside term")
        holiday = (m.Holiday.select().where((m.Holiday.start <= on) & (m.Holiday.end >= on)).first())
        if holiday is not None:
            return SchoolDay(on, False, on.isoweekday(), term_id, week, holiday.name)
        if term is None:
            return SchoolDay(on, False, on.isoweekday(), None, None, "outside term")
        if on.isoweekday() >= 6:
            return SchoolDay(on, False, on.isoweekday(), term_id, week, "weekend")
        return SchoolDay(on, True, on.isoweekday(), term_id, week)

    def is_school_day(self, on: date) -> bool:
        return self.day(on).is_school_day

    def next_school_day(self, after: date, horizon_days: int = 120) -> date | None:
        """The first school day strictly after ``after``, looking at most ``horizon_days`` ahead."""
        for offset in range(1, horizon_days + 1):
            candidate = after + timedelta(days=offset)
            if self.is_school_day(candidate):
                return candidate
        return None
