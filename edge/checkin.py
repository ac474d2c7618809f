"""Arrivals at the door and whole-class scans: turning card taps and markers into CheckIns.

Card UIDs never leave the board in clear and are not stored in clear either:
the roster carries ``HMAC-SHA256(school card key, uid)`` and the board hashes a
tapped UID the same way before looking it up. An arrival check-in at the door
and a teacher's lesson attendance are separate records (kind ``arrival`` vs
``lesson``); both are evidence and both sync up.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from .clock import Clock, utc
from .services.usage import UsageMeter
from .store import models as m


def card_hash(card_key: bytes, uid: str) -> str:
    """The keyed hash a roster stores for a card (UID normalised: upper-case, no separators)."""
    normal = "".join(ch for ch in uid.upper() if ch.isalnum())
    return hmac.new(card_key, normal.encode("ascii", "ignore"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class TapResult:
    outcome: str  # checked_in | already | teacher | unknown (card taps); unseen | several (cards shown)
    message_zh: str
    message_en: str
    student_id: str | None = None
    student_name: str | None = None
    teacher_id: str | None = None
    method: str = "card"  # how the student was known: card | qr | marker | face


@dataclass
class ScanMatch:
    """A whole-class photo matched against a roster: never reports a student not seen."""

    present: list[str] = field(default_factory=list)
    unknown_markers: list[int] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


def match_markers(marker_ids: Iterable[int], roster: dict[int, str]) -> ScanMatch:
    """``roster`` maps marker id → student id; duplicates and strangers are separated out."""
    seen = sorted(set(marker_ids))
    result = ScanMatch()
    for marker in seen:
        if marker in roster:
            result.present.append(roster[marker])
        else:
            result.unknown_markers.append(marker)
    present = set(result.present)
    result.absent = sorted(sid for sid in roster.values() if sid not in present)
    result.present.sort()
    return result


class CheckInDesk:
    """The door: one tap, one arrival check-in per student per day."""

    def __init__(self, db, clock: Clock, usage: UsageMeter, card_key: bytes, zone) -> None:
        self.db, self.clock, self.usage, self.card_key, self.zone = db, clock, usage, card_key, zone

    def _arrival_session(self, class_id: str, now: datetime) -> m.AttendanceSession:
        local_day = now.astimezone(self.zone).date()
        session_id = f"arrival-{class_id}-{local_day.isoformat()}"
        session = m.AttendanceSession.get_or_none(m.AttendanceSession.id == session_id)
        if session is None:
            session = m.AttendanceSession.create(id=session_id, class_id=class_id, kind="arrival", method="card",
                                                 started_at=utc(now).replace(tzinfo=None))
        return session

    def tap(self, uid: str, method: str = "card") -> TapResult:
        digest = card_hash(self.card_key, uid)
        student = m.Student.get_or_none(m.Student.card_hash == digest)
        if student is None:
            teacher = m.Teacher.get_or_none(m.Teacher.card_hash == digest)
            if teacher is not None:
                return TapResult("teacher", f"{teacher.name}，您好", f"Hello, {teacher.name}", teacher_id=teacher.id)
            return TapResult("unknown", "未登记的卡，请联系班主任", "Card not registered: please see your head teacher")
        return self.check_in(student, method)

    def show_card(self, image) -> TapResult:
        """A printed card held up to the camera: its QR code close up, else its one marker; then as a tap.

        The QR names the student and their marker, and both must match this
        board's roster, so a QR made up with a student id alone is not enough.
        Outcome ``unseen`` when no card of this board's class is in the frame,
        ``several`` when more than one is (one card at a time), nothing recorded.
        """
        from drivers.vision.markers import detect_markers, detect_qr

        from .cards import parse_qr_payload

        for text in detect_qr(image):
            found = parse_qr_payload(text)
            student = m.Student.get_or_none(m.Student.id == found[0]) if found else None
            if student is not None and student.marker_id == found[1]:
                return self.check_in(student, "qr")
        seen = {hit.marker_id for hit in detect_markers(image)}
        students = list(m.Student.select().where(m.Student.marker_id.in_(seen))) if seen else []
        if len(students) == 1:
            return self.check_in(students[0], "marker")
        if students:
            return TapResult("several", "请一次只出示一张签到卡", "Show one card at a time")
        return TapResult("unseen", "没有看到签到卡，请把卡片正对摄像头", "No card seen: hold it up to the camera")

    def check_in(self, student: m.Student, method: str) -> TapResult:
        now = self.clock.now()
        with self.db.atomic():
            session = self._arrival_session(student.class_group_id, now)
            exists = m.CheckIn.get_or_none((m.CheckIn.session == session) & (m.CheckIn.student_id == student.id))
            if exists is not None:
                return TapResult("already", f"{student.name}，今天已签到", f"{student.name}: already checked in today",
                                 student.id, student.name, method=method)
            m.CheckIn.create(id=str(uuid.uuid4()), session=session, student_id=student.id,
                             at=utc(now).replace(tzinfo=None), status="present", method=method)
            self.usage.record("checkin", initiator="student", class_id=student.class_group_id,
                              data={"kind": "arrival", "method": method}, at=now)
        local = now.astimezone(self.zone).strftime("%H:%M")
        return TapResult("checked_in", f"{student.name}，签到成功 {local}", f"{student.name}: checked in at {local}",
                         student.id, student.name, method=method)
