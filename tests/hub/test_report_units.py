"""Which lesson a record falls in (hub/report/units.py), on the days a calendar makes unusual."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from hub.report.units import Resolver, slots

TERM = {"id": "T", "start": "2026-09-07", "end": "2027-01-15"}  # teaching week 1 starts Monday 09-07


def timetable(workdays: list[dict]) -> dict:
    """One class, period 1 at 08:00–08:45: 语文 on Fridays; on Saturdays 美术 in odd teaching weeks (单周)."""
    return {"bell_schedules": [{"id": "B", "periods": [{"index": 1, "start": "08:00", "end": "08:45"}]}],
            "classes": [{"id": "C1", "bell_schedule_id": "B"}],
            "lessons": [{"class_id": "C1", "weekday": 5, "period": 1, "subject": "语文", "teacher_id": "T1"},
                        {"class_id": "C1", "weekday": 6, "period": 1, "subject": "美术", "teacher_id": "T2",
                         "weeks": "odd"}],
            "calendar": {"terms": [TERM], "workdays": workdays}}


def at_0810(content: dict, day: date) -> list[str]:
    """The record's units at 08:10 local time (the resolver takes local epoch seconds, as the SQL does)."""
    local = int(datetime.combine(day, time(8, 10), tzinfo=timezone.utc).timestamp())
    resolver = Resolver(slots(content, lead_min=10))
    return resolver.units({"class_id": "C1", "kind": "attendance.session", "data": {}}, local)


def test_a_make_up_saturday_takes_fridays_lessons_and_only_that_week():
    """Saturday 09-26 (teaching week 3, odd: normally 美术) follows Friday: 语文/T1 that day. The Saturdays
    before and after keep their own odd/even pattern: 09-19 (week 2, even) nothing, 10-03 (week 4, even)
    nothing, 10-10 (week 5, odd) 美术 — the split around week 3 must not shift the parity."""
    swapped = timetable([{"date": "2026-09-26", "follows_weekday": 5}])
    assert at_0810(swapped, date(2026, 9, 26)) == ["class:C1", "teacher:T1", "subject:语文"]
    assert at_0810(swapped, date(2026, 9, 12)) == ["class:C1", "teacher:T2", "subject:美术"]  # week 1, odd
    assert at_0810(swapped, date(2026, 9, 19)) == ["class:C1"]
    assert at_0810(swapped, date(2026, 10, 3)) == ["class:C1"]
    assert at_0810(swapped, date(2026, 10, 10)) == ["class:C1", "teacher:T2", "subject:美术"]
    assert at_0810(swapped, date(2026, 9, 25)) == ["class:C1", "teacher:T1", "subject:语文"]  # the Friday itself
    assert at_0810(timetable([]), date(2026, 9, 26)) == ["class:C1", "teacher:T2", "subject:美术"]  # without the 调休

