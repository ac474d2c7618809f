"""Teaching weeks, school years and what "not yet" means: the calendar side of the report."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

EPOCH_MONDAY = date(1970, 1, 5)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_index(day: date) -> int:
    """Weeks since Monday 1970-01-05: what SQL can compute from a timestamp, cheaply, on any database."""
    return (day - EPOCH_MONDAY).days // 7


def week_label(index: int) -> str:
    return week_of(EPOCH_MONDAY + timedelta(weeks=index))


def school_days_between(calendar: dict[str, Any], start: date, end: date) -> list[date]:
    """The school days in [start, end]: weekdays that are no holiday, and 调休 make-up workdays."""
    holidays = [(date.fromisoformat(h["start"]), date.fromisoformat(h["end"])) for h in calendar.get("holidays", [])]
    workdays = {date.fromisoformat(w["date"]) for w in calendar.get("workdays", [])}
    days, day = [], start
    while day <= end:
        if day in workdays or (day.isoweekday() <= 5 and not any(a <= day <= b for a, b in holidays)):
            days.append(day)
        day += timedelta(days=1)
    return days


def school_days(calendar: dict[str, Any], start: date, end: date) -> dict[str, int]:
    """School days per ISO week in [start, end]; weeks of holidays only are left out."""
    out: dict[str, int] = {}
    for day in school_days_between(calendar, start, end):
        out[week_of(day)] = out.get(week_of(day), 0) + 1
    return out


def teaching_weeks(calendar: dict[str, Any], start: date, end: date) -> list[str]:
    """ISO weeks in [start, end] with at least one school day (holiday-only weeks are excluded)."""
    return list(school_days(calendar, start, end))


def week_states(calendar: dict[str, Any], start: date, end: date, as_of: date,
                min_days: int) -> list[dict[str, Any]]:
    """Each teaching week with its school days and state.

    ``past``: over by ``as_of``; ``current``: the week of ``as_of`` (counted
    only if already met, never as missed); ``future``: 未到. ``short`` says a
    week has fewer school days than the policy's minimum: not required.
    """
    this_week = week_of(as_of)
    out = []
    for week, days in school_days(calendar, start, end).items():
        state = "current" if week == this_week else ("past" if week < this_week else "future")
        out.append({"week": week, "school_days": days, "state": state, "short": days < min_days})
    return out


def school_year(calendar: dict[str, Any], start: date) -> tuple[date, date, str]:
    """The school year (学年, September to August) holding ``start``, as far as the calendar's terms reach."""
    year = start.year if start.month >= 8 else start.year - 1
    first, last = date(year, 8, 1), date(year + 1, 7, 31)
    spans = [(date.fromisoformat(t["start"]), date.fromisoformat(t["end"])) for t in calendar.get("terms", [])]
    inside = [(a, b) for a, b in spans if first <= a <= last]
    if inside:
        first, last = min(a for a, _ in inside), max(b for _, b in inside)
    return first, last, f"{year}-{year + 1}学年"


def term_of(calendar: dict[str, Any], start: date, end: date) -> tuple[date, date]:
    """The term holding the period (for 持续化 per term); the period itself when no term holds it."""
    for term in calendar.get("terms", []):
        a, b = date.fromisoformat(term["start"]), date.fromisoformat(term["end"])
        if a <= start <= b:
            return a, b
    return start, end
