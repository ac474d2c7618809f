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
           "highlight_classes": [], "media": [], "evaluations": []}
EVALUATIONS_KEPT_DAYS = 14  # boards show this week's; older ones leave the document (the report keeps its own)


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
            "media": doc["media"],
            "evaluations": [e for e in doc["evaluations"] if e["class_id"] == class_id]}


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


def add_evaluation(class_id: str, student_ids: list[str], category: str, points: int | str, reason: str,
                   teacher: str, today: date) -> dict[str, Any]:
    """Praise or points for one student or a group of one class, recorded in the console by ``teacher``.

    The same rules as at the board (edge/services/class_life.py): one of the
    school's categories, -3…+5 but never 0, a reason, students of that class.
    """
    from ..bundles import school_content

    doc = load()
    reason = (reason or "").strip()
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ClassLifeError("分值应为整数 / points must be a whole number") from None
    if category not in doc["evaluation_categories"]:
        raise ClassLifeError(f"没有这个评价类别 / no such category: {category}")
    if points == 0 or not -3 <= points <= 5:
        raise ClassLifeError("分值应为 -3 到 +5 之间的非零整数 / points from -3 to +5, not 0")
    if not 1 <= len(reason) <= 100:
        raise ClassLifeError("请写明评价理由（最多 100 字） / a reason of up to 100 characters")
    roster = {s["id"] for s in school_content()["students"] if s.get("class_id") == class_id}
    chosen = sorted(set(student_ids))
    if not chosen or not set(chosen) <= roster or len(chosen) > 80:
        raise ClassLifeError("请选择本班的学生 / choose students of this class")
    kept_from = (today - timedelta(days=EVALUATIONS_KEPT_DAYS)).isoformat()
    doc["evaluations"] = [e for e in doc["evaluations"] if e["on"] >= kept_from]
    entry = {"id": "EV-" + secrets.token_hex(6), "class_id": class_id, "students": chosen, "category": category,
             "points": points, "reason": reason, "teacher": teacher[:64], "on": today.isoformat()}
    doc["evaluations"].append(entry)
    save(doc)
    return entry


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
    """Keep a sound or video file in the library by its hash (size and type checked; sounds as for broadcasts)."""
    from ..broadcast.announce import BroadcastError, keep_by_hash, store_media
    from .media import VideoError, check_video, is_video

    kind = "video" if is_video(data) else "audio"
    try:
        if kind == "video":
            check_video(data)
            media = keep_by_hash(data_dir, data)
        else:
            media = store_media(data_dir, data)
    except (BroadcastError, VideoError) as exc:
        raise ClassLifeError(str(exc).replace("FLAC", "FLAC, WebM or MP4")) from None
    doc = load()
    doc["media"] = [m for m in doc["media"] if m["sha256"] != media["sha256"]]
    doc["media"].append({"id": "MD-" + media["sha256"][:12], "title": title.strip(), "sha256": media["sha256"],
                         "bytes": media["size"], "kind": kind})
    save(doc)
