"""亲情留言 on the hub: a guardian's message to a child, the board's bundle section, the child's replies.

Each guardian-sent message is a row with its time (the report's 2.4.2 counts them); the board
records delivery and reading as ``family.message`` usage records, which ``status.py`` reads back.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from peewee import fn

from protocol.records import format_time

from ..broadcast.announce import store_media
from .accounts import FamilyError, students_by_id
from .audio import AudioError, normalise_wav
from .models import FamilyMessage

MAX_TEXT = 200
BUNDLE_DAYS = 7  # a board holds a class's messages of the last week
BUNDLE_LIMIT = 200
REPLY_SECONDS = 30


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else format_time(dt.replace(tzinfo=timezone.utc))


def send(guardian_id: str, student_id: str, relation: str, data_dir: Path, *, text: str = "",
         wav: bytes | None = None) -> FamilyMessage:
    """Store a guardian's message (text, or a voice message checked and rewritten as WAV)."""
    text = (text or "").strip()
    if bool(text) == bool(wav):
        raise FamilyError("留言需要文字或录音（二选一）/ A message is either text or a voice recording")
    if len(text) > MAX_TEXT:
        raise FamilyError(f"文字留言最多 {MAX_TEXT} 字 / A text message is at most {MAX_TEXT} characters")
    student = students_by_id().get(student_id)
    if student is None:
        raise FamilyError("没有这个学生 / No such student", 404)
    sha, seconds = None, 0
    if wav is not None:
        try:
            clean, seconds = normalise_wav(wav)
        except AudioError as exc:
            raise FamilyError(str(exc)) from None
        sha = store_media(data_dir, clean)["sha256"]
    return FamilyMessage.create(id=str(uuid.uuid4()), direction="to_child", student_id=student_id,
                                class_id=student["class_id"], guardian_id=guardian_id, relation=relation,
                                text=text, media_sha256=sha, media_seconds=seconds, sent_at=_now())


def bundle_section(class_id: str | None, now: datetime | None = None) -> list[dict[str, Any]]:
    """The ``family_messages`` of a class board's bundle: only that class's students' messages, newest last."""
    if not class_id:
        return []
    since = (now or _now()) - timedelta(days=BUNDLE_DAYS)
    rows = (FamilyMessage.select().where((FamilyMessage.class_id == class_id) &
                                         (FamilyMessage.direction == "to_child") & (FamilyMessage.sent_at >= since))
            .order_by(FamilyMessage.sent_at.desc()).limit(BUNDLE_LIMIT))
    out = []
    for m in reversed(list(rows)):
        item: dict[str, Any] = {"id": m.id, "student_id": m.student_id, "from": m.relation,
                                "sent_at": _iso(m.sent_at)}
        if m.media_sha256:
            item["media"] = {"sha256": m.media_sha256, "seconds": m.media_seconds}
        else:
            item["text"] = m.text
        out.append(item)
    return out


def bundle_inputs(class_id: str | None) -> tuple:
    """What the section depends on, for the bundle cache: a new message rebuilds the class's bundle."""
    if not class_id:
        return ()
    return FamilyMessage.select(fn.COUNT(FamilyMessage.id), fn.MAX(FamilyMessage.sent_at)).where(
        (FamilyMessage.class_id == class_id) & (FamilyMessage.direction == "to_child")).tuples().get()


def receive_reply(board_id: str, board_class: str | None, body: dict[str, Any], data_dir: Path) -> FamilyMessage:
    """A child's voice reply from the board, to the guardian who sent the message; idempotent by id."""
    rid, message_id = str(body.get("id", "")), str(body.get("message_id", ""))
    try:
        uuid.UUID(rid)
    except ValueError:
        raise FamilyError("id must be a UUID") from None
    existing = FamilyMessage.get_or_none(FamilyMessage.id == rid)
    if existing is not None:
        return existing
    original = FamilyMessage.get_or_none((FamilyMessage.id == message_id) & (FamilyMessage.direction == "to_child"))
    if original is None or original.class_id != board_class or original.student_id != body.get("student_id"):
        raise FamilyError("no such message for this board's class", 404)
    import base64
    import binascii
    try:
        wav = base64.b64decode(str(body.get("audio_b64", "")), validate=True)
    except (binascii.Error, ValueError):
        raise FamilyError("audio_b64 is not base64") from None
    try:
        clean, seconds = normalise_wav(wav, REPLY_SECONDS)
    except AudioError as exc:
        raise FamilyError(str(exc)) from None
    sha = store_media(data_dir, clean)["sha256"]
    return FamilyMessage.create(id=rid, direction="to_guardian", student_id=original.student_id,
                                class_id=original.class_id, guardian_id=original.guardian_id,
                                relation=original.relation, media_sha256=sha, media_seconds=seconds,
                                reply_to=original.id, board_id=board_id, sent_at=_now())


def thread(guardian_id: str, student_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """This guardian's messages with this child, both ways, newest first."""
    rows = (FamilyMessage.select().where((FamilyMessage.student_id == student_id) &
                                         (FamilyMessage.guardian_id == guardian_id))
            .order_by(FamilyMessage.sent_at.desc()).limit(limit))
    return [{"id": m.id, "direction": m.direction, "text": m.text, "voice": bool(m.media_sha256),
             "seconds": m.media_seconds, "sent_at": _iso(m.sent_at), "delivered_at": _iso(m.delivered_at),
             "read_at": _iso(m.read_at), "reply_to": m.reply_to} for m in rows]


def class_summary(class_id: str, since: datetime) -> dict[str, int]:
    """What a teacher sees by default: how many messages, never their content (docs/family.md)."""
    q = FamilyMessage.select(FamilyMessage.direction, fn.COUNT(FamilyMessage.id)).where(
        (FamilyMessage.class_id == class_id) & (FamilyMessage.sent_at >= since)).group_by(FamilyMessage.direction)
    return dict(q.tuples())


def recent(since: datetime, limit: int = 200) -> list[dict[str, Any]]:
    """Messages with their content, newest first: only for the console where the school's policy lets teachers
    read them (``teachers_read_content``, docs/family.md); the caller checks the policy and logs the reading."""
    names = students_by_id()
    rows = (FamilyMessage.select().where(FamilyMessage.sent_at >= since)
            .order_by(FamilyMessage.sent_at.desc()).limit(limit))
    return [{"id": m.id, "class_id": m.class_id, "student": names.get(m.student_id, {}).get("name", m.student_id),
             "direction": m.direction, "relation": m.relation, "text": m.text, "voice": bool(m.media_sha256),
             "seconds": m.media_seconds, "sent_at": m.sent_at} for m in rows]
