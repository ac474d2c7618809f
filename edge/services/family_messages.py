"""亲情留言 on the board: the class's messages from the bundle, shown or played after a child taps their card.

The hub sends only this class's students' messages (``family_messages`` in the bundle). The
board fetches voice files by hash like broadcast media, records each message once as delivered
(``family.message``, initiator ``system``), as read or played when the child opens it
(initiator ``student``), and as replied when the child records an answer, which waits in a
small local queue until the hub has it. Nothing is kept after it leaves the bundle (7 days).

Not during lessons (issue #16: "not during lessons unless the teacher allows"): a message that reaches the
board while the class has a lesson is held, its content hidden on the shared screen; the child sees that it
is there and that it opens when the lesson ends. A teacher signed in at the board may allow it for the rest
of the lesson on now.
"""
from __future__ import annotations

import base64
import json
import logging
import math
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from peewee import CharField, DateTimeField, TextField

from drivers.audio.inputs import MicrophoneError  # noqa: F401 - what reply() raises, for the screen to catch

from ..bundle_store import get_setting, put_setting
from ..store import models as m

log = logging.getLogger(__name__)
REPLY_SECONDS = 20
QUIET_VOLUME = 0.5  # a message is personal: half volume (or the headphone jack where the board has one)


ALLOWED_UNTIL = "family.allowed_until"  # local setting: end of the lesson a teacher allowed messages in


class HeldDuringLesson(Exception):
    """The class has a lesson now: the message opens when it ends (``until``, aware UTC)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"held until the lesson ends at {until.isoformat()}")
        self.until = until


class FamilyMessageState(m.BaseModel):
    message_id = CharField(primary_key=True)
    delivered_at = DateTimeField(null=True)
    read_at = DateTimeField(null=True)


class FamilyReply(m.BaseModel):
    id = CharField(primary_key=True)
    message_id = CharField()
    student_id = CharField()
    audio_b64 = TextField()
    created_at = DateTimeField()


class FamilyMessages:
    def __init__(self, board, microphone=None) -> None:
        """``microphone``: a drivers.audio Microphone; by default the one the board config names or detection
        found (edge/hardware.py), which on a board without one refuses every recording."""
        if microphone is None:
            from ..hardware import open_microphone
            microphone = open_microphone(board.config)
        self.board, self.microphone = board, microphone
        self.speaker = None  # set by the board service when it has one (edge/sound.py Speaker)
        self.media_dir: Path = board.config.data_path / "media"
        board.db.create_tables([FamilyMessageState, FamilyReply], safe=True)

    def _now(self) -> datetime:
        return self.board.clock.now()

    def lesson_now(self):
        """The class's lesson on at this moment (edge/services/timetable.py), or None."""
        if not self.board.class_id:
            return None
        now = self._now()
        day = now.astimezone(self.board.zone).date()
        return next((lesson for lesson in self.board.timetable.lessons_on(day, class_id=self.board.class_id)
                     if lesson.is_on(now)), None)

    def held_until(self) -> datetime | None:
        """When messages open again: the end of the lesson on now, unless a teacher allowed them in it."""
        lesson = self.lesson_now()
        if lesson is None:
            return None
        allowed = get_setting(ALLOWED_UNTIL)
        if allowed and datetime.fromisoformat(allowed) >= lesson.ends_at:
            return None
        return lesson.ends_at

    def allowance(self) -> tuple[datetime, bool] | None:
        """For the teacher's page: when the lesson on now ends and whether messages are allowed in it; None: no
        lesson now (messages open after a card tap anyway)."""
        lesson = self.lesson_now()
        if lesson is None:
            return None
        return lesson.ends_at, self.held_until() is None

    def allow_during_lesson(self) -> datetime | None:
        """A signed-in teacher lets the children open their messages until this lesson ends; None: no lesson now."""
        if self.board.teachers.active() is None:
            raise PermissionError("a teacher must be signed in at the board")
        lesson = self.lesson_now()
        if lesson is None:
            return None
        put_setting(ALLOWED_UNTIL, lesson.ends_at.isoformat())
        log.info("family messages allowed until %s by the teacher at the board", lesson.ends_at.isoformat())
        return lesson.ends_at

    @property
    def can_reply(self) -> bool:
        """Whether a child can answer by voice here: only where the board has a microphone (never a fake one)."""
        return self.microphone.name != "none"

    def messages(self) -> list[dict[str, Any]]:
        return json.loads(get_setting("bundle.family_messages") or "[]")

    def for_student(self, student_id: str) -> list[dict[str, Any]]:
        """What the child sees after their card tap: their messages, newest first, with read state.

        During a lesson each message says when it opens (``held_until``) and its text stays off the class's screen.
        """
        read = {s.message_id: s.read_at for s in FamilyMessageState.select()}
        held = self.held_until()
        out = []
        for item in reversed(self.messages()):
            if item["student_id"] == student_id:
                voice = item.get("media", {}).get("sha256")
                shown = dict(item, read=bool(read.get(item["id"])),
                             playable=bool(voice) and (self.media_dir / voice).exists(), held_until=held,
                             can_reply=self.can_reply)
                if held is not None:
                    shown["text"] = ""
                out.append(shown)
        return out

    def unread_count(self, student_id: str) -> int:
        """For the student's corner (edge/services/student_corner.py ``family_messages_for``)."""
        return sum(1 for item in self.for_student(student_id) if not item["read"])

    def arrive(self, fetch: Callable[[str, Path], None] | None = None) -> int:
        """After a sync: fetch voice files and record each newly held message as delivered; returns how many."""
        known = {s.message_id for s in FamilyMessageState.select().where(FamilyMessageState.delivered_at.is_null(False))}
        held = 0
        for item in self.messages():
            if item["id"] in known:
                continue
            sha = item.get("media", {}).get("sha256")
            if sha and not (self.media_dir / sha).exists():
                if fetch is None:
                    continue
                try:
                    fetch(sha, self.media_dir / sha)
                except OSError as exc:
                    log.warning("family message %s: %s; will retry", item["id"], exc)
                    continue
            with self.board.db.atomic():
                FamilyMessageState.insert(message_id=item["id"], delivered_at=self._now()).on_conflict(
                    conflict_target=[FamilyMessageState.message_id],
                    update={FamilyMessageState.delivered_at: self._now()}).execute()
                self.board.usage.record("family.message", initiator="system", class_id=self.board.class_id,
                                        data={"event": "delivered", "message_id": item["id"]})
            held += 1
        return held

    def _find(self, message_id: str, student_id: str) -> dict[str, Any]:
        for item in self.messages():
            if item["id"] == message_id and item["student_id"] == student_id:
                return item
        raise KeyError(message_id)

    def open(self, message_id: str, student_id: str) -> dict[str, Any]:
        """The child read (or listens to) a message: played quietly if it is a voice message; recorded once.

        Raises ``HeldDuringLesson`` while the class has a lesson (and no teacher allowed it): nothing plays, nothing
        is recorded as read."""
        item = self._find(message_id, student_id)
        held = self.held_until()
        if held is not None:
            raise HeldDuringLesson(held)
        sha = item.get("media", {}).get("sha256")
        played = False
        if sha and self.speaker is not None:
            from drivers.audio.clips import ClipError, load_clip
            from drivers.audio.mixer import Priority
            try:
                clip = load_clip(self.media_dir / sha, self.speaker.mixer.rate, sha256=sha)
                self.speaker.mixer.play(clip, Priority.MEDIA, volume=QUIET_VOLUME)
                played = True
            except ClipError as exc:
                log.error("family message %s not played: %s", message_id, exc)
        state = FamilyMessageState.get_or_none(FamilyMessageState.message_id == message_id)
        if state is None or state.read_at is None:
            with self.board.db.atomic():
                FamilyMessageState.insert(message_id=message_id, read_at=self._now()).on_conflict(
                    conflict_target=[FamilyMessageState.message_id],
                    update={FamilyMessageState.read_at: self._now()}).execute()
                self.board.usage.record("family.message", initiator="student", class_id=self.board.class_id,
                                        data={"event": "played" if sha else "read", "message_id": message_id})
        return dict(item, played=played)

    def reply(self, message_id: str, student_id: str, seconds: float = 5.0) -> str:
        """Record a short voice answer and queue it for the hub (sent by ``upload_replies``); not during a lesson.

        ``ValueError`` for a length that is not 0 < seconds <= REPLY_SECONDS; the microphone's ``MicrophoneError``
        where the board has none or it fails. Either way nothing is queued or recorded."""
        self._find(message_id, student_id)
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            raise ValueError(f"seconds must be a number, not {seconds!r}") from None
        if not (math.isfinite(seconds) and 0 < seconds <= REPLY_SECONDS):
            raise ValueError(f"回复 1–{REPLY_SECONDS} 秒 / A reply is up to {REPLY_SECONDS} s, not {seconds:g}")
        held = self.held_until()
        if held is not None:
            raise HeldDuringLesson(held)
        audio = self.microphone.record(seconds)
        rid = str(uuid.uuid4())
        with self.board.db.atomic():
            FamilyReply.create(id=rid, message_id=message_id, student_id=student_id,
                               audio_b64=base64.b64encode(audio).decode(), created_at=self._now())
            self.board.usage.record("family.message", initiator="student", class_id=self.board.class_id,
                                    duration_s=math.ceil(seconds), data={"event": "replied", "message_id": message_id})
        return rid

    def upload_replies(self, client, limit: int = 5) -> int:
        """Send queued replies (oldest first); a reply leaves the queue only when the hub has it."""
        from ..sync.client import HubRefused

        sent = 0
        for r in FamilyReply.select().order_by(FamilyReply.created_at).limit(limit):
            try:
                client.post_json(f"/api/v1/boards/{client.board_id}/family/replies",
                                 {"id": r.id, "message_id": r.message_id, "student_id": r.student_id,
                                  "audio_b64": r.audio_b64})
            except HubRefused as exc:
                log.error("family reply %s refused by the hub (%s); dropped", r.id, exc)
            FamilyReply.delete_by_id(r.id)
            sent += 1
        return sent


def sync_family(board, client) -> dict[str, int]:
    """One sync cycle's family part: hold new messages, send replies. Never fails the sync."""
    from ..sync.media import fetch_media

    family = board.family()
    try:
        return {"held": family.arrive(lambda sha, path: fetch_media(client, sha, path)),
                "replies": family.upload_replies(client)}
    except Exception:  # noqa: BLE001 - messages wait for the next cycle; the timetable must keep syncing
        log.exception("family messages: sync step failed")
        return {"held": 0, "replies": 0}
