"""Building each board's signed bundle from the school's content and the hub's notices."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peewee import fn

from protocol.bundle import sign_bundle
from protocol.records import format_time

from .classlife.store import for_class as class_life_for
from .models import Board, Notice, SchoolData
from .tenancy import acting_for, data_key

EMPTY_SCHOOL = {"school": {"id": "SCHOOL", "name": "未命名学校", "timezone": "Asia/Shanghai", "language": "zh-CN"},
                "calendar": {"terms": [], "holidays": [], "workdays": []}, "bell_schedules": [], "rooms": [],
                "classes": [], "teachers": [], "students": [], "lessons": [], "overrides": [], "exams": [],
                "broadcasts": [], "settings": {}}


def school_content() -> dict[str, Any]:
    """The content of the school this request works for (hub/tenancy.py)."""
    row = SchoolData.get_or_none(SchoolData.key == data_key("school"))
    return json.loads(row.value) if row else dict(EMPTY_SCHOOL)


def school_id() -> str:
    return school_content()["school"]["id"]


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else format_time(dt.replace(tzinfo=timezone.utc))


def notice_rows(board: Board, grade: str | None) -> list[dict[str, Any]]:
    out = []
    for n in Notice.select().where(Notice.school == board.school).order_by(Notice.id):
        scope, value = n.audience_scope, n.audience_value
        if scope == "school" or (scope == "grade" and value == grade) or \
                (scope == "class" and value == board.class_id) or (scope == "board" and value == board.id):
            out.append({"id": n.id, "title": n.title, "body": n.body, "format": n.format, "priority": n.priority,
                        "audience": {"scope": scope, "value": value}, "starts_at": _iso(n.starts_at),
                        "ends_at": _iso(n.ends_at), "emergency": n.emergency})
    return out


def board_content(board: Board) -> dict[str, Any]:
    """The school cut to this board: its class's roster, its class's and its room's lessons."""
    school = school_content()
    classes = {c["id"]: c for c in school["classes"]}
    group = classes.get(board.class_id or "")
    room = board.room_id or (group or {}).get("home_room_id")
    lessons = [x for x in school["lessons"] if x["class_id"] == board.class_id or x.get("room_id") == room]
    class_ids = {x["class_id"] for x in lessons} | ({board.class_id} if group else set())
    students = [s for s in school["students"] if s["class_id"] == board.class_id]
    roster = {s["id"] for s in students}
    return {
        "schema": "classboard.bundle/1", "board_id": board.id, "issued_at": format_time(datetime.now(timezone.utc)),
        "school": school["school"], "calendar": school["calendar"], "bell_schedules": school["bell_schedules"],
        "rooms": school["rooms"], "teachers": school["teachers"],
        "classes": [c for c in school["classes"] if c["id"] in class_ids],
        "students": students,
        "lessons": lessons,
        "overrides": [o for o in school.get("overrides", []) if o["class_id"] in class_ids],
        "notices": notice_rows(board, (group or {}).get("grade")),
        "exams": [e for e in school.get("exams", []) if e["room_id"] == room],
        "broadcasts": school.get("broadcasts", []),
        "settings": dict(school.get("settings", {}), class_id=board.class_id, room_id=room),
        "class_life": class_life_for(board.class_id),
        # family messages are kept by class id, which two schools of a district may share: only this roster's
        "family_messages": [m for m in _family().bundle_section(board.class_id) if m.get("student_id") in roster],
    }


def _family():
    """hub/family/messages.py, imported when first needed (it imports this module's school_content)."""
    from .family import messages
    return messages


class BundleCache:
    """Signing is cheap but not free; rebuild a board's bundle only when its inputs changed."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key
        self._cache: dict[str, tuple[tuple, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _inputs(board: Board) -> tuple:
        version = SchoolData.select(fn.SUM(SchoolData.version)).scalar() or 0
        notices = Notice.select(fn.COUNT(Notice.id), fn.MAX(Notice.updated_at)).where(
            Notice.school == board.school).tuples().get()
        return (version, notices, board.class_id, board.room_id, _family().bundle_inputs(board.class_id))

    def envelope(self, board: Board) -> dict[str, Any]:
        inputs = self._inputs(board)
        with self._lock:
            cached = self._cache.get(board.id)
            if cached and cached[0] == inputs:
                return cached[1]
        with acting_for(board.school):  # the board's own school, whoever asks
            content = board_content(board)
        content["issued_at"] = "1970-01-01T00:00:00.000Z"  # the etag follows the content, not the clock
        envelope = sign_bundle(content, self.key)
        with self._lock:
            self._cache[board.id] = (inputs, envelope)
        return envelope
