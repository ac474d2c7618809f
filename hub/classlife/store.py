"""The school's class life as one document (``SchoolData`` key ``class_life``), checked like a bundle part.

Boards receive it in their bundle (``class_life``), cut to their class, so a
change here reaches the boards through the usual bundle pull and poke.
"""
from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from protocol.bundle import BundleError, validate

from ..models import SchoolData, database
from ..tenancy import data_key

DEFAULT = {"homework": [], "countdowns": [], "evaluation_categories": ["课堂表现", "作业", "劳动", "文明礼仪"],
           "highlight_classes": [], "media": []}


class ClassLifeError(ValueError):
    """Refused: nothing was changed."""


def load() -> dict[str, Any]:
    """The console's document; before the console first saves one, what the imported school content carried."""
    row = SchoolData.get_or_none(SchoolData.key == data_key("class_life"))
    if row is not None:
        return dict(DEFAULT, **json.loads(row.value))
    from ..bundles import school_content
    return dict(json.loads(json.dumps(DEFAULT)), **school_content().get("class_life", {}))


def save(doc: dict[str, Any]) -> None:
    """Check the document as a board would (the bundle schema's ``class_life``), then store it."""
    try:  # the bundle schema checked whole, on a minimal bundle carrying this part
        validate("bundle", _minimal_bundle(doc))
    except BundleError as exc:
        raise ClassLifeError(str(exc)) from None
    with database.atomic():
        row = SchoolData.get_or_none(SchoolData.key == data_key("class_life"))
        SchoolData.upsert(key=data_key("class_life"), value=json.dumps(doc, ensure_ascii=False),
                          version=(row.version + 1) if row else 1)


def _minimal_bundle(doc: dict[str, Any]) -> dict[str, Any]:
    return {"schema": "classboard.bundle/1", "board_id": "hub-check", "issued_at": "1970-01-01T00:00:00.000Z",
            "school": {"id": "S", "name": "S", "timezone": "Asia/Shanghai", "language": "zh-CN"},
            "calendar": {"terms": [], "holidays": [], "workdays": []}, "bell_schedules": [], "rooms": [],
            "classes": [], "teachers": [], "students": [], "lessons": [], "notices": [], "settings": {},
            "class_life": doc}


def for_class(class_id: str | None) -> dict[str, Any]:
    """What one board receives: its class's homework and countdowns, the categories, whether it opted in."""
    doc = load()
    return {"homework": [h for h in doc["homework"] if h["class_id"] == class_id],
            "countdowns": [c for c in doc["countdowns"] if not c.get("class_ids") or class_id in c["class_ids"]],
            "evaluation_categories": doc["evaluation_categories"],
            "highlight_classes": [c for c in doc["highlight_classes"] if c == class_id],
            "media": doc["media"]}


def add_homework(class_id: str, subject: str, text: str, due: str, teacher_id: str | None, today: date) -> None:
    doc = load()
    try:
        due_day = date.fromisoformat(due)
    except ValueError:
        raise ClassLifeError("截止日期格式应为 YYYY-MM-DD / due must be YYYY-MM-DD") from None
    if not today <= due_day <= today + timedelta(days=60):
        raise ClassLifeError("截止日期应在今天到 60 天之内 / due within 60 days")
    # homework past its day leaves the document, so it stays small
    doc["homework"] = [h for h in doc["homework"] if date.fromisoformat(h["due"]) >= today]
    doc["homework"].append({"id": "HW-" + secrets.token_hex(6), "class_id": class_id, "subject": subject.strip(),
                            "text": text.strip(), "due": due_day.isoformat(), "teacher_id": teacher_id,
                            "posted_on": today.isoformat()})
    save(doc)


def set_countdown(title: str, day: str) -> None:
    doc = load()
    doc["countdowns"] = [c for c in doc["countdowns"] if c["title"] != title.strip()]
    doc["countdowns"].append({"id": "CD-" + secrets.token_hex(6), "title": title.strip(), "date": day})
    save(doc)


def set_categories(names: list[str]) -> None:
    cleaned = [n.strip() for n in names if n.strip()]
    if not cleaned:
        raise ClassLifeError("至少需要一个评价类别 / at least one category")
    save(dict(load(), evaluation_categories=list(dict.fromkeys(cleaned))))


def set_highlights(class_ids: list[str]) -> None:
    save(dict(load(), highlight_classes=sorted(set(class_ids))))


def add_media(data_dir, title: str, data: bytes) -> None:
    """Keep a sound file in the library by its hash (size and type checked as for broadcasts)."""
    from ..broadcast import BroadcastError, store_media

    try:
        media = store_media(data_dir, data)
    except BroadcastError as exc:
        raise ClassLifeError(str(exc)) from None
    doc = load()
    doc["media"] = [m for m in doc["media"] if m["sha256"] != media["sha256"]]
    doc["media"].append({"id": "MD-" + media["sha256"][:12], "title": title.strip(), "sha256": media["sha256"],
                         "bytes": media["size"]})
    save(doc)
