"""Swapping a validated bundle into the local store in one transaction.

The bundle replaces the board's whole picture of the school (timetable, roster,
notices …) at once, so the screen never shows half an old and half a new
timetable. Records the board produced (usage, attendance, sensor history) are
not part of a bundle and are never touched here.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Mapping

from peewee import Database

from .store import models as m

REPLACED = [  # children first, so deletes respect foreign keys
    m.LessonOverride, m.Lesson, m.Exam, m.Notice, m.Period, m.Workday, m.Holiday,
]


def _dt(value: str | None) -> datetime | None:
    """RFC 3339 → naive UTC, as the store keeps times."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def _d(value: str) -> date:
    return date.fromisoformat(value)


def _upsert(model: type[m.BaseModel], rows: list[dict[str, Any]]) -> None:
    """Insert or replace rows and delete the ones the bundle no longer has."""
    keep = [r["id"] for r in rows]
    for row in rows:  # a true upsert: REPLACE would delete first and cascade
        update = {getattr(model, k): v for k, v in row.items() if k != "id"}
        model.insert(**row).on_conflict(conflict_target=[model.id], update=update).execute()
    model.delete().where(model.id.not_in(keep) if keep else True).execute()


def apply_bundle(db: Database, content: Mapping[str, Any], etag: str) -> None:
    """Replace the school picture with ``content`` (already verified and validated)."""
    with db.atomic():
        for model in REPLACED:
            model.delete().execute()
        school = content["school"]
        _upsert(m.School, [{"id": school["id"], "name": school["name"],
                            "timezone": school.get("timezone", "Asia/Shanghai"),
                            "language": school.get("language", "zh-CN")}])
        _upsert(m.Room, [{"id": r["id"], "name": r["name"], "building": r.get("building", ""),
                          "floor": r.get("floor")} for r in content.get("rooms", [])])
        _upsert(m.Teacher, [{"id": t["id"], "name": t["name"], "card_hash": t.get("card_hash"),
                             "pin_hash": t.get("pin_hash")} for t in content.get("teachers", [])])
        _upsert(m.BellSchedule, [{"id": s["id"], "name": s["name"]}
                                 for s in content.get("bell_schedules", [])])
        for s in content.get("bell_schedules", []):
            m.Period.insert_many([
                {"schedule": s["id"], "index": p["index"], "name": p["name"], "start": p["start"],
                 "end": p["end"], "kind": p.get("kind", "lesson")} for p in s["periods"]
            ]).execute()
        _upsert(m.ClassGroup, [{"id": c["id"], "name": c["name"], "grade": c.get("grade", ""),
                                "home_room": c.get("home_room_id"),
                                "head_teacher": c.get("head_teacher_id"),
                                "bell_schedule": c.get("bell_schedule_id")}
                               for c in content.get("classes", [])])
        _upsert(m.Student, [{"id": s["id"], "name": s["name"], "class_group": s["class_id"],
                             "marker_id": s.get("marker_id"), "card_hash": s.get("card_hash"),
                             "face_consent": bool(s.get("face_consent", False))}
                            for s in content.get("students", [])])
        calendar = content.get("calendar", {})
        _upsert(m.Term, [{"id": t["id"], "name": t["name"], "start": _d(t["start"]),
                          "end": _d(t["end"])} for t in calendar.get("terms", [])])
        for h in calendar.get("holidays", []):
            m.Holiday.create(name=h["name"], start=_d(h["start"]), end=_d(h["end"]))
        for w in calendar.get("workdays", []):
            m.Workday.create(date=_d(w["date"]), follows_weekday=w["follows_weekday"])
        for lesson in content.get("lessons", []):
            m.Lesson.create(id=lesson["id"], class_group=lesson["class_id"], weekday=lesson["weekday"],
                            period=lesson["period"], subject=lesson["subject"],
                            teacher=lesson.get("teacher_id"), room=lesson.get("room_id"),
                            weeks=lesson.get("weeks", "all"), term=lesson.get("term_id"))
        for o in content.get("overrides", []):
            m.LessonOverride.create(id=o["id"], date=_d(o["date"]), class_group=o["class_id"],
                                    period=o["period"], action=o["action"], subject=o.get("subject"),
                                    teacher=o.get("teacher_id"), room=o.get("room_id"))
        for n in content.get("notices", []):
            audience = n.get("audience", {"scope": "school"})
            m.Notice.create(id=n["id"], title=n["title"], body=n.get("body", ""),
                            format=n.get("format", "text"), priority=n.get("priority", 0),
                            audience_scope=audience["scope"], audience_value=audience.get("value"),
                            starts_at=_dt(n["starts_at"]), ends_at=_dt(n.get("ends_at")),
                            emergency=bool(n.get("emergency", False)))
        for e in content.get("exams", []):
            m.Exam.create(id=e["id"], room=e["room_id"], name=e["name"], starts_at=_dt(e["starts_at"]),
                          ends_at=_dt(e["ends_at"]), seats=json.dumps(e.get("seats", []), ensure_ascii=False),
                          rules=e.get("rules", ""))
        settings = {"bundle.etag": etag,
                    "bundle.board_id": content.get("board_id", ""),
                    "bundle.issued_at": content.get("issued_at", ""),
                    "bundle.settings": json.dumps(content.get("settings", {}), ensure_ascii=False),
                    "bundle.broadcasts": json.dumps(content.get("broadcasts", []), ensure_ascii=False),
                    "bundle.class_life": json.dumps(content.get("class_life", {}), ensure_ascii=False),
                    "bundle.family_messages": json.dumps(content.get("family_messages", []), ensure_ascii=False)}
        for key, value in settings.items():
            m.Setting.insert(key=key, value=value).on_conflict_replace().execute()


def get_setting(key: str, default: str | None = None) -> str | None:
    row = m.Setting.get_or_none(m.Setting.key == key)
    return row.value if row else default


def put_setting(key: str, value: str) -> None:
    m.Setting.insert(key=key, value=value).on_conflict_replace().execute()
