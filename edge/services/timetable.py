"""Today's and this week's lessons, and what is on now and next, for a class or a room.

A board outside a room also shows 走班 lessons: another class coming into this
room. So "which lessons" is asked either by class or by room.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..clock import Clock
from ..store import models as m
from .calendar import SchoolCalendar, SchoolDay


@dataclass(frozen=True)
class ScheduledLesson:
    date: date
    period: int
    period_name: str
    starts_at: datetime  # aware UTC
    ends_at: datetime
    subject: str
    class_id: str
    class_name: str
    teacher_name: str
    room_id: str | None
    room_name: str
    moved: bool  # 走班: not in the class's home room
    changed: bool  # 调课: from a dated override

    def is_on(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


def _at(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), zone).astimezone(timezone.utc)


class Timetable:
    def __init__(self, clock: Clock, zone: ZoneInfo, calendar: SchoolCalendar | None = None) -> None:
        self.clock, self.zone = clock, zone
        self.calendar = calendar or SchoolCalendar()

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def lessons_on(self, day: date, *, class_id: str | None = None,
                   room_id: str | None = None) -> list[ScheduledLesson]:
        """Lessons of one date for a class, or for every class taught in a room."""
        info = self.calendar.day(day)
        if not info.is_school_day:
            return []
        if class_id is not None:
            classes = list(m.ClassGroup.select().where(m.ClassGroup.id == class_id))
        else:
            classes = list(m.ClassGroup.select())
        found: list[ScheduledLesson] = []
        for group in classes:
            found += self._class_day(group, info)
        if room_id is not None:
            found = [lesson for lesson in found if lesson.room_id == room_id]
        return sorted(found, key=lambda x: (x.starts_at, x.class_name))

    def _class_day(self, group: m.ClassGroup, info: SchoolDay) -> list[ScheduledLesson]:
        if group.bell_schedule_id is None:
            return []
        periods = {p.index: p for p in m.Period.select().where(m.Period.schedule == group.bell_schedule_id)}
        parity = "odd" if (info.week or 1) % 2 else "even"
        slots: dict[int, dict] = {}
        query = m.Lesson.select().where((m.Lesson.class_group == group.id) & (m.Lesson.weekday == info.weekday))
        for lesson in query:
            if lesson.weeks not in ("all", parity):
                continue
            if lesson.term_id is not None and lesson.term_id != info.term_id:
                continue
            slots[lesson.period] = {"subject": lesson.subject, "teacher": lesson.teacher_id,
                                    "room": lesson.room_id, "changed": False}
        for o in m.LessonOverride.select().where((m.LessonOverride.class_group == group.id)
                                                  & (m.LessonOverride.date == info.date)):
            if o.action == "cancel":
                slots.pop(o.period, None)
            else:
                base = slots.get(o.period, {"subject": "", "teacher": None, "room": group.home_room_id})
                slots[o.period] = {"subject": o.subject or base["subject"],
                                   "teacher": o.teacher_id or base["teacher"],
                                   "room": o.room_id or base["room"], "changed": True}
        teachers = {t.id: t.name for t in m.Teacher.select()}
        rooms = {r.id: r.name for r in m.Room.select()}
        result = []
        for index, slot in slots.items():
            period = periods.get(index)
            if period is None:
                continue
            room = slot["room"] or group.home_room_id
            result.append(ScheduledLesson(
                date=info.date, period=index, period_name=period.name,
                starts_at=_at(info.date, period.start, self.zone),
                ends_at=_at(info.date, period.end, self.zone),
                subject=slot["subject"], class_id=group.id, class_name=group.name,
                teacher_name=teachers.get(slot["teacher"], ""), room_id=room,
                room_name=rooms.get(room, ""), moved=room != group.home_room_id,
                changed=slot["changed"]))
        return result

    def current_and_next(self, *, class_id: str | None = None, room_id: str | None = None,
                         horizon_days: int = 14) -> tuple[ScheduledLesson | None, ScheduledLesson | None]:
        """The lesson on now (if any) and the next one to start, looking ahead up to two weeks."""
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        current = upcoming = None
        for offset in range(horizon_days + 1):
            for lesson in self.lessons_on(today + timedelta(days=offset), class_id=class_id, room_id=room_id):
                if lesson.is_on(now) and current is None:
                    current = lesson
                elif lesson.starts_at > now and upcoming is None:
                    upcoming = lesson
            if upcoming is not None:
                break
        return current, upcoming

    def week(self, *, class_id: str | None = None, room_id: str | None = None,
             of: date | None = None) -> dict[date, list[ScheduledLesson]]:
        """Monday to Sunday of the week containing ``of`` (default today), calendar-aware."""
        of = of or self.today()
        monday = of - timedelta(days=of.isoweekday() - 1)
        return {monday + timedelta(days=i): self.lessons_on(monday + timedelta(days=i),
                                                            class_id=class_id, room_id=room_id)
                for i in range(7)}
