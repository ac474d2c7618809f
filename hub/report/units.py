"""Which teacher and subject a record belongs to: the timetable's lesson at the record's time.

Definitions 7 and 8 let a school count classes, *or* teachers and students, *or*
subjects. A record names its class; a teacher's own session names the teacher
(``data.teacher``); everything else is placed in the lesson the timetable has
for that class at that time (from ``lesson_lead_min`` minutes before the bell
to the end of the period, never overlapping the previous period), which gives
the subject and the teacher. Odd/even-week lessons (单双周) count teaching
weeks from the first Monday of the term, as the boards do.

The same slots are used twice: as rows of a table the hub's SQL joins
(``rows``), and by ``resolve`` for the verifier's plain-Python recount.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .compute_weeks import week_index

TEACHER_NAMED = ("teacher.session", "evaluation", "homework.posted", "media.played")


@dataclass(frozen=True)
class Slot:
    class_id: str
    weekday: int
    start_min: int
    end_min: int
    first_week: int
    last_week: int
    parity: str  # all | odd | even
    subject: str
    teacher_id: str | None

    def holds(self, class_id: str, weekday: int, minute: int, week: int) -> bool:
        if (class_id, weekday) != (self.class_id, self.weekday) or not self.start_min <= minute < self.end_min:
            return False
        return self.first_week <= week <= self.last_week and _in_parity(self, week)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def slots(content: dict[str, Any], lead_min: int) -> list[Slot]:
    """Every lesson of every term as a time window; empty when the school has no timetable."""
    periods = {b["id"]: {p["index"]: (_minutes(p["start"]), _minutes(p["end"])) for p in b.get("periods", [])}
               for b in content.get("bell_schedules", [])}
    bell_of = {c["id"]: c.get("bell_schedule_id") for c in content.get("classes", [])}
    terms = []
    for term in content.get("calendar", {}).get("terms", []):
        start, end = date.fromisoformat(term["start"]), date.fromisoformat(term["end"])
        terms.append((week_index(start - timedelta(days=start.isoweekday() - 1)), week_index(end)))
    by_day: dict[tuple[str, int], list[tuple[int, int, dict[str, Any]]]] = {}
    for lesson in content.get("lessons", []):
        times = periods.get(bell_of.get(lesson["class_id"]) or "", {}).get(lesson["period"])
        if times:
            by_day.setdefault((lesson["class_id"], lesson["weekday"]), []).append((*times, lesson))
    out: list[Slot] = []
    for (class_id, weekday), lessons in sorted(by_day.items()):
        previous_end = 0
        for start, end in sorted({(start, end) for start, end, _ in lessons}):
            begin = max(start - lead_min, min(previous_end, start))
            for lesson in (x[2] for x in lessons if x[:2] == (start, end)):
                for first, last in terms:
                    out.append(Slot(class_id, weekday, begin, end, first, last, lesson.get("weeks", "all"),
                                    lesson["subject"], lesson.get("teacher_id")))
            previous_end = max(previous_end, end)
    return _with_workdays(out, content.get("calendar", {}).get("workdays", []))


def _with_workdays(regular: list[Slot], workdays: list[dict[str, Any]]) -> list[Slot]:
    """调休: on a make-up day the class follows another weekday's lessons, so that week the day gets the
    followed weekday's slots (as they hold in that week, 单双周 included) and loses its own: a record then
    has exactly one lesson, as on any other day (the SQL join would count a record twice under two slots)."""
    out = list(regular)
    for workday in workdays:
        day, follows = date.fromisoformat(workday["date"]), int(workday["follows_weekday"])
        weekday, week = day.isoweekday(), week_index(day)
        if weekday == follows:
            continue
        kept: list[Slot] = []
        for slot in out:
            if slot.weekday == weekday and slot.first_week <= week <= slot.last_week:
                kept.extend(_without_week(slot, week))
            else:
                kept.append(slot)
        out = kept + [Slot(s.class_id, weekday, s.start_min, s.end_min, week, week, "all", s.subject, s.teacher_id)
                      for s in regular if s.weekday == follows and s.first_week <= week <= s.last_week
                      and _in_parity(s, week)]
    return out


def _in_parity(slot: Slot, week: int) -> bool:
    odd = (week - slot.first_week) % 2 == 0
    return slot.parity == "all" or (slot.parity == "odd") == odd


def _without_week(slot: Slot, week: int) -> list[Slot]:
    """The slot before and after ``week``; the part after keeps its weeks' parity (counted from the term's
    first week, so it flips when the part starts an odd number of weeks later)."""
    parts = []
    if slot.first_week < week:
        parts.append(Slot(slot.class_id, slot.weekday, slot.start_min, slot.end_min, slot.first_week, week - 1,
                          slot.parity, slot.subject, slot.teacher_id))
    if week < slot.last_week:
        parity = slot.parity
        if parity != "all" and (week + 1 - slot.first_week) % 2 == 1:
            parity = "even" if parity == "odd" else "odd"
        parts.append(Slot(slot.class_id, slot.weekday, slot.start_min, slot.end_min, week + 1, slot.last_week,
                          parity, slot.subject, slot.teacher_id))
    return parts


class Resolver:
    """Finds the lesson slot of a record in plain Python (the verifier's path)."""

    def __init__(self, all_slots: list[Slot]) -> None:
        self.by_day: dict[tuple[str, int], list[Slot]] = {}
        for slot in all_slots:
            self.by_day.setdefault((slot.class_id, slot.weekday), []).append(slot)

    def units(self, rec: dict[str, Any], local_seconds: int) -> list[str]:
        """``class:…``, ``teacher:…``, ``subject:…`` for a record at local epoch seconds (as the SQL computes)."""
        class_id = rec["class_id"]
        week = (local_seconds - 4 * 86400) // 604800
        weekday = (local_seconds // 86400 + 3) % 7 + 1
        minute = local_seconds % 86400 // 60
        slot = next((s for s in self.by_day.get((class_id, weekday), ()) if s.holds(class_id, weekday, minute, week)),
                    None)
        named = rec.get("data", {}).get("teacher") if rec["kind"] in TEACHER_NAMED else None
        teacher = named or (slot.teacher_id if slot else None)
        out = [f"class:{class_id}"]
        if teacher:
            out.append(f"teacher:{teacher}")
        if slot:
            out.append(f"subject:{slot.subject}")
        return out


def members(content: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The denominators: every class; every teacher who teaches a lesson (专任教师); every subject taught."""
    names = {t["id"]: t.get("name", t["id"]) for t in content.get("teachers", [])}
    lessons = content.get("lessons", [])
    teachers = sorted({lesson["teacher_id"] for lesson in lessons if lesson.get("teacher_id")})
    subjects = sorted({lesson["subject"] for lesson in lessons})
    return {"class": [{"id": f"class:{c['id']}", "name": c.get("name", c["id"])} for c in content["classes"]],
            "teacher": [{"id": f"teacher:{t}", "name": names.get(t, t)} for t in teachers],
            "subject": [{"id": f"subject:{s}", "name": s} for s in subjects]}
