"""A teacher's roll call on the board: the roster grid, saved as one session.

The session, every student's status and the usage record that proves the
roll call happened are written in one transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..clock import Clock, utc
from ..store import models as m
from .usage import UsageMeter

STATUSES = ("present", "late", "absent", "leave")  # 到, 迟到, 缺勤, 请假


class AttendanceError(ValueError):
    """The roll call cannot be saved as given; nothing was written."""


@dataclass(frozen=True)
class DaySummary:
    day: date
    sessions: int
    counts: dict[str, int]


class RollCall:
    def __init__(self, db, clock: Clock, usage: UsageMeter, zone) -> None:
        self.db, self.clock, self.usage, self.zone = db, clock, usage, zone

    def roster(self, class_id: str) -> list[m.Student]:
        return list(m.Student.select().where(m.Student.class_group == class_id).order_by(m.Student.id))

    def save(self, class_id: str, teacher_id: str | None, statuses: dict[str, str], *, period: int | None = None,
             method: str = "grid", started_at: datetime | None = None) -> m.AttendanceSession:
        """Save every student's status; students left out count as present (the all-present shortcut)."""
        roster = {s.id for s in self.roster(class_id)}
        if not roster:
            raise AttendanceError(f"class {class_id} has no roster on this board")
        unknown = sorted(set(statuses) - roster)
        if unknown:
            raise AttendanceError(f"not in class {class_id}: {', '.join(unknown[:5])}")
        bad = sorted({v for v in statuses.values() if v not in STATUSES})
        if bad:
            raise AttendanceError(f"unknown status {', '.join(bad)}; use {', '.join(STATUSES)}")
        now = self.clock.now()
        begun = started_at or now
        full = {sid: statuses.get(sid, "present") for sid in sorted(roster)}
        with self.db.atomic():
            session = m.AttendanceSession.create(
                id=str(uuid.uuid4()), class_id=class_id, kind="lesson", method=method, teacher_id=teacher_id,
                period=period, started_at=utc(begun).replace(tzinfo=None), saved_at=utc(now).replace(tzinfo=None))
            m.CheckIn.insert_many([{"id": str(uuid.uuid4()), "session": session.id, "student_id": sid,
                                    "at": utc(now).replace(tzinfo=None), "status": status, "method": method}
                                   for sid, status in full.items()]).execute()
            counts = {s: sum(1 for v in full.values() if v == s) for s in STATUSES}
            self.usage.record("attendance.session", initiator="teacher", class_id=class_id,
                              duration_s=int((now - begun).total_seconds()),
                              data={"period": period, "method": method, **counts}, at=now)
        return session

    def week_summary(self, class_id: str, of: date | None = None) -> list[DaySummary]:
        of = of or self.clock.now().astimezone(self.zone).date()
        monday = of - timedelta(days=of.isoweekday() - 1)
        out = []
        for i in range(7):
            day = monday + timedelta(days=i)
            start = datetime.combine(day, datetime.min.time(), self.zone)
            lo, hi = utc(start).replace(tzinfo=None), utc(start + timedelta(days=1)).replace(tzinfo=None)
            sessions = list(m.AttendanceSession.select().where(
                (m.AttendanceSession.class_id == class_id) & (m.AttendanceSession.kind == "lesson")
                & (m.AttendanceSession.started_at >= lo) & (m.AttendanceSession.started_at < hi)))
            counts = {s: 0 for s in STATUSES}
            if sessions:
                for c in m.CheckIn.select().where(m.CheckIn.session.in_([s.id for s in sessions])):
                    counts[c.status] = counts.get(c.status, 0) + 1
            out.append(DaySummary(day, len(sessions), counts))
        return out
