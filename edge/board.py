"""The board runtime: one object that owns the store, the services and the scheduler.

Like a Home Assistant coordinator, it fetches and keeps state; the screens
(kiosk_ui) only render what it offers. Drivers are created lazily, so a board
whose camera is never used never imports OpenCV.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization

from .bundle_store import apply_bundle, get_setting, put_setting
from .changes import Changes
from .clock import Clock, SystemClock, utc
from .config import BoardConfig
from .identity import load_or_create_key
from .scheduler import Scheduler
from .tap_answer import TapAnswers
from .services.bells import BellPlan
from .services.calendar import SchoolCalendar
from .services.notices import NoticeBoard
from .services.timetable import Timetable
from .services.attendance import RollCall
from .services.teacher_session import TeacherDesk
from .services.board_log import BoardLog
from .services.class_life import ClassLife
from .services.student_corner import StudentCorner
from .services.usage import UsageMeter
from .store import StoreOpening, open_store
from .store import models as m

log = logging.getLogger(__name__)
EXAM_LEAD = timedelta(minutes=30)  # the exam screen (seat lookup, rules) is up this long before the exam starts


def board_id_for(public_raw: bytes) -> str:
    """A stable id from the board's key: the same board keeps it through re-installs of config."""
    return "cb-" + hashlib.sha256(public_raw).hexdigest()[:12]


class Board:
    def __init__(self, config: BoardConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.zone = config.zone
        self.db, self.opening = open_store(config.data_path)
        self.key = load_or_create_key(config.data_path)
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_key_raw = raw
        self.id = config.board.id or get_setting("board.id") or board_id_for(raw)
        put_setting("board.id", self.id)
        self.calendar = SchoolCalendar()
        self.timetable = Timetable(self.clock, self.zone, self.calendar)
        self.notices = NoticeBoard(self.clock)
        self.bells = BellPlan(self.zone, self.calendar)
        self.usage = UsageMeter(self.db, self.clock, self.key, self.id)
        self.log = BoardLog(self.db, self.clock, self.key, self.id)
        self.scheduler = Scheduler(self.clock)
        self.changes = Changes()
        self.scheduler.on_poke.append(self.changes.notify)
        self.rollcall = RollCall(self.db, self.clock, self.usage, self.zone)
        self.teachers = TeacherDesk(self.clock, self.usage, self.class_id)
        self.class_life = ClassLife(self.clock, self.zone, self.usage)
        self.tap_answers = TapAnswers(notify=self.changes.notify)  # the screen answers every tap, reader's too
        self.corner = StudentCorner(self.clock, self.usage, self.timetable, self.zone, notify=self.changes.notify)
        self.corner.homework_for = lambda student_id, class_id: self.class_life.homework(class_id)
        self.corner.evaluations_for = self.class_life.evaluations_of
        self.corner.family_messages_for = lambda student_id: self.family().unread_count(student_id)
        self.started_at = self.clock.now()

    # -- what the board is for --------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        return json.loads(get_setting("bundle.settings") or "{}")

    @property
    def class_id(self) -> str | None:
        return self.config.board.class_id or self.settings().get("class_id") or None

    @property
    def room_id(self) -> str | None:
        return self.config.board.room_id or self.settings().get("room_id") or None

    def class_group(self) -> m.ClassGroup | None:
        return m.ClassGroup.get_or_none(m.ClassGroup.id == self.class_id) if self.class_id else None

    def audience(self) -> dict[str, str | None]:
        group = self.class_group()
        return {"class_id": self.class_id, "grade": group.grade if group else None, "board_id": self.id}

    def school(self) -> m.School | None:
        return m.School.select().first()

    # -- bundles ------------------------------------------------------------------------
    def install_bundle(self, content: dict[str, Any], etag: str) -> None:
        """Swap in a bundle that has already been verified; wakes the scheduler to re-plan."""
        apply_bundle(self.db, content, etag)
        self.teachers.class_id = self.class_id
        from .faces import FaceCheckIn  # withdrawn consent deletes the template at once
        removed = FaceCheckIn(self).prune()
        if removed:
            log.info("deleted %d face template(s): consent withdrawn or student left", removed)
        self.scheduler.poke()
        log.info("bundle %s installed", etag[:12])

    def card_key(self) -> bytes:
        """The school's key for hashing card UIDs (from the hub); a board-local one until then."""
        key = self.settings().get("card_key") or get_setting("card.local_key")
        if not key:
            import secrets
            key = secrets.token_hex(32)
            put_setting("card.local_key", key)
        return key.encode()

    def checkin_desk(self):
        from .checkin import CheckInDesk
        return CheckInDesk(self.db, self.clock, self.usage, self.card_key(), self.zone)

    def student_tapped(self, student_id: str | None, method: str = "card") -> str | None:
        """After a student's tap checked them in: their corner's token, or None when the tap only checks in.

        While the screen is held (``screen_held``) a tap only checks in.
        """
        student = m.Student.get_or_none(m.Student.id == student_id) if student_id else None
        if student is None or self.screen_held() is not None:
            return None
        return self.corner.open(student, method)

    def screen_held(self) -> str | None:
        """What keeps a tap from opening a student's corner: ``emergency``, ``teacher`` or ``exam``, else None.

        An emergency's takeover is never covered; a signed-in teacher (taking
        attendance, playing media) keeps their page; a running exam keeps the
        exam screen. Checked in that order, so callers can tell an emergency apart.
        """
        from .alerts import current_emergency

        if current_emergency(self) is not None:
            return "emergency"
        if self.teachers.active() is not None:
            return "teacher"
        if self.running_exam() is not None:
            return "exam"
        return None

    def running_exam(self, now: datetime | None = None) -> "m.Exam | None":
        """The exam in this board's room whose screen is on: from EXAM_LEAD before its start to its end."""
        if not self.room_id:
            return None
        naive = utc(now or self.clock.now()).replace(tzinfo=None)  # the store keeps naive UTC
        return m.Exam.select().where((m.Exam.room == self.room_id) & (m.Exam.starts_at <= naive + EXAM_LEAD)
                                     & (m.Exam.ends_at > naive)).first()

    def family(self):
        """亲情留言 for this board's class (edge/services/family_messages.py), made once."""
        if getattr(self, "_family", None) is None:
            from .services.family_messages import FamilyMessages
            self._family = FamilyMessages(self)
        return self._family

    def bundle_etag(self) -> str | None:
        return get_setting("bundle.etag")

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.changes.close()  # the screen's event streams end before the store closes
        self.scheduler.stop()
        self.db.close()

    def uptime_s(self, now: datetime | None = None) -> int:
        return int(((now or self.clock.now()) - self.started_at).total_seconds())
