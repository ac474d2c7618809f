"""A student's own corner: after their card (or marker card) checks them in, 15 s of what is theirs.

What it shows is built from one student id and nothing else, so it cannot
show another student's data: today's arrival check-in, their class's lessons
today with the room of each (走班), homework due, their own evaluations, and
how many family messages wait (a hook the families work fills in). It names
the student by given name only: a passer-by reading the screen learns no
full name.

The corner is one at a time and lives on the board, not in the page: the
card reader (or the camera) opens it, the screen is told over its event
stream and shows it, and it closes on its own after ``WINDOW``; its use
becomes one ``student.session`` record with its length.
"""
from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from ..clock import Clock, utc
from ..store import models as m

WINDOW = timedelta(seconds=15)
# Two-character surnames (复姓) that a given name must not keep half of.
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                     "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "呼延")


def given_name(full: str) -> str:
    """王小明 → 小明, 欧阳娜娜 → 娜娜; a Latin-script name keeps its first word ("Li Lei" → "Li")."""
    full = full.strip()
    if not full:
        return ""
    if " " in full:
        return full.split()[0]
    surname = 2 if full[:2] in COMPOUND_SURNAMES and len(full) > 2 else 1
    return full[surname:] if len(full) > surname else full


@dataclass
class OpenCorner:
    token: str
    student_id: str
    class_id: str
    opened_at: datetime
    method: str


@dataclass
class CornerView:
    name: str
    checked_in_at: str | None
    lessons: list[dict[str, Any]]
    homework: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    family_messages: int = 0
    seconds_left: int = 15
    student_id: str = ""  # for the screens' links (the family corner); never shown


class StudentCorner:
    """``open`` after a check-in; ``view`` for the screen; ``close`` (or expiry) records the session."""

    def __init__(self, clock: Clock, usage, timetable, zone, notify: Callable[[], None] = lambda: None) -> None:
        self.clock, self.usage, self.timetable, self.zone, self.notify = clock, usage, timetable, zone, notify
        self._lock = threading.Lock()
        self._open: OpenCorner | None = None
        # Hooks other features fill: (student_id) -> rows / count. Homework and evaluations are set by the board.
        self.homework_for: Callable[[str, str], list[dict[str, Any]]] = lambda student_id, class_id: []
        self.evaluations_for: Callable[[str, str], list[dict[str, Any]]] = lambda student_id, class_id: []
        self.family_messages_for: Callable[[str], int] = lambda student_id: 0

    def open(self, student: m.Student, method: str = "card") -> str:
        """Open the corner for this student (closing anyone else's first); the token the screen asks with."""
        self.close()
        with self._lock:
            self._open = OpenCorner(secrets.token_urlsafe(12), student.id, student.class_group_id, self.clock.now(),
                                    method)
            token = self._open.token
        self.notify()
        return token

    def current(self) -> OpenCorner | None:
        """The corner open now, if its window has not passed (a passed one is closed and recorded)."""
        with self._lock:
            found = self._open
        if found is not None and self.clock.now() - found.opened_at >= WINDOW:
            self.close()
            return None
        return found

    def close(self, token: str | None = None) -> None:
        """End the corner (only this one, when a token is given) and record how long it was open."""
        with self._lock:
            found = self._open
            if found is None or (token is not None and token != found.token):
                return
            self._open = None
        seconds = min(WINDOW, max(timedelta(0), self.clock.now() - found.opened_at))
        self.usage.record("student.session", initiator="student", class_id=found.class_id,
                          duration_s=int(round(seconds.total_seconds())), data={"screen": "corner",
                                                                                "method": found.method})
        self.notify()

    def view(self, token: str) -> CornerView | None:
        """What the corner shows, or None when the token is not the open corner's (expired, or never was)."""
        found = self.current()
        if found is None or not secrets.compare_digest(found.token, token):
            return None
        student = m.Student.get_or_none(m.Student.id == found.student_id)
        if student is None:
            return None
        now = self.clock.now()
        local = now.astimezone(self.zone)
        arrival = (m.CheckIn.select().join(m.AttendanceSession)
                   .where((m.CheckIn.student_id == student.id) & (m.AttendanceSession.kind == "arrival")
                          & (m.AttendanceSession.id == f"arrival-{student.class_group_id}-{local.date().isoformat()}"))
                   .first())
        lessons = [{"period": x.period_name, "start": x.starts_at.astimezone(self.zone).strftime("%H:%M"),
                    "subject": x.subject, "room": x.room_name, "moved": x.moved, "current": x.is_on(now),
                    "past": x.ends_at <= now}
                   for x in self.timetable.lessons_on(local.date(), class_id=student.class_group_id)]
        left = WINDOW - (now - found.opened_at)
        return CornerView(name=given_name(student.name),
                          checked_in_at=utc(arrival.at).astimezone(self.zone).strftime("%H:%M") if arrival else None,
                          lessons=lessons, homework=self.homework_for(student.id, student.class_group_id),
                          evaluations=self.evaluations_for(student.id, student.class_group_id),
                          family_messages=self.family_messages_for(student.id),
                          seconds_left=max(1, int(left.total_seconds())), student_id=student.id)
