"""Teacher log-in at the board: PIN or card, with a lockout against guessing.

PINs are short, so guessing is stopped by counting: after ``max_failures``
wrong PINs the PIN pad locks for ``lockout`` (doubling each time), and the
lock survives a restart. A session ends on logout or after being idle, and
its length becomes a ``teacher.session`` usage record.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..bundle_store import get_setting, put_setting
from ..clock import Clock
from ..store import models as m
from .usage import UsageMeter

_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_pin(pin: str) -> str:
    """The pin_hash format the hub puts into bundles: an argon2id PHC string."""
    return _hasher.hash(pin)


@dataclass
class TeacherSession:
    teacher_id: str
    name: str
    started_at: datetime
    last_seen: datetime
    method: str


class LockedOut(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class TeacherDesk:
    def __init__(self, clock: Clock, usage: UsageMeter, class_id: str | None, idle: timedelta = timedelta(minutes=5),
                 max_failures: int = 5, lockout: timedelta = timedelta(minutes=1)) -> None:
        self.clock, self.usage, self.class_id = clock, usage, class_id
        self.idle, self.max_failures, self.lockout = idle, max_failures, lockout
        self.current: TeacherSession | None = None

    def _state(self) -> dict:
        return json.loads(get_setting("teacher.lock") or '{"failures": 0, "until": null, "locks": 0}')

    def locked_until(self) -> datetime | None:
        until = self._state()["until"]
        if until and datetime.fromisoformat(until) > self.clock.now():
            return datetime.fromisoformat(until)
        return None

    def login_pin(self, pin: str) -> TeacherSession | None:
        """A session for the teacher whose PIN this is; None if wrong; LockedOut while locked."""
        until = self.locked_until()
        if until:
            raise LockedOut(until)
        state = self._state()
        if pin.isdigit() and 4 <= len(pin) <= 8:
            for teacher in m.Teacher.select().where(m.Teacher.pin_hash.is_null(False)):
                try:
                    if _hasher.verify(teacher.pin_hash, pin):
                        put_setting("teacher.lock", json.dumps({"failures": 0, "until": None, "locks": 0}))
                        return self._start(teacher, "pin")
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    continue
        state["failures"] += 1
        if state["failures"] >= self.max_failures:
            state["locks"] += 1
            state["until"] = (self.clock.now() + self.lockout * 2 ** (state["locks"] - 1)).isoformat()
            state["failures"] = 0
        put_setting("teacher.lock", json.dumps(state))
        return None

    def login_card(self, teacher: m.Teacher) -> TeacherSession:
        return self._start(teacher, "card")

    def _start(self, teacher: m.Teacher, method: str) -> TeacherSession:
        self.end()
        now = self.clock.now()
        self.current = TeacherSession(teacher.id, teacher.name, now, now, method)
        return self.current

    def active(self) -> TeacherSession | None:
        """The current session, ended here if it has been idle too long."""
        if self.current and self.clock.now() - self.current.last_seen > self.idle:
            self.end(idle=True)
        return self.current

    def touch(self) -> None:
        if self.current:
            self.current.last_seen = self.clock.now()

    def end(self, idle: bool = False) -> None:
        session, self.current = self.current, None
        if session is None:
            return
        end = session.last_seen if idle else self.clock.now()
        seconds = int((end - session.started_at).total_seconds())
        self.usage.record("teacher.session", initiator="teacher", class_id=self.class_id, duration_s=max(0, seconds),
                          data={"teacher": session.teacher_id, "method": session.method}, at=session.started_at)
