"""The child's day as the guardian sees it: attendance, timetable, homework, evaluations, notices.

Read-only, from what the hub already holds. What the boards send about attendance is per class
(a roll call's counts, each arrival check-in without a name); a child's own status is shown only
where a roll call's record names the child (``data.absent`` / ``data.leave``). Homework and
evaluations are shown when the school content has those sections; otherwise the page says so.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..bundles import school_content
from ..models import Notice, UsageRecord

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def _local(dt: datetime, zone: ZoneInfo) -> datetime:
    return dt.replace(tzinfo=timezone.utc).astimezone(zone)


def attendance(student_id: str, class_id: str, zone: ZoneInfo, today: date) -> dict[str, Any]:
    monday = today - timedelta(days=today.isoweekday() - 1)
    lo = datetime.combine(monday, datetime.min.time(), zone).astimezone(timezone.utc).replace(tzinfo=None)
    hi = lo + timedelta(days=7)
    days: dict[date, dict[str, Any]] = {monday + timedelta(days=i): {"roll_calls": [], "checkins": 0}
                                        for i in range(7)}
    rows = (UsageRecord.select(UsageRecord.kind, UsageRecord.at, UsageRecord.data)
            .where((UsageRecord.class_id == class_id) & (UsageRecord.at >= lo) & (UsageRecord.at < hi) &
                   (UsageRecord.kind.in_(("checkin", "attendance.session")))).order_by(UsageRecord.at))
    for r in rows:
        local = _local(r.at, zone)
        day = days[local.date()]
        if r.kind == "checkin":
            day["checkins"] += 1
            continue
        data = json.loads(r.data)
        mine = "unknown"
        for status in ("absent", "leave", "late"):
            if isinstance(data.get(status), list) and student_id in data[status]:
                mine = status
        if mine == "unknown" and any(isinstance(data.get(s), list) for s in ("absent", "leave", "late")):
            mine = "present"
        day["roll_calls"].append({"time": local.strftime("%H:%M"), "period": data.get("period"),
                                  "present": data.get("present", 0), "absent_n": data.get("absent", 0)
                                  if isinstance(data.get("absent"), int) else len(data.get("absent", [])),
                                  "leave_n": data.get("leave", 0) if isinstance(data.get("leave"), int)
                                  else len(data.get("leave", [])), "child": mine})
    week = [{"date": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], **v} for d, v in days.items()]
    return {"today": days[today], "week": week}


def timetable(school: dict[str, Any], group: dict[str, Any], today: date) -> dict[str, Any]:
    periods = {}
    for s in school["bell_schedules"]:
        if s["id"] == group.get("bell_schedule_id"):
            periods = {p["index"]: p for p in s["periods"]}
    lessons = [x for x in school["lessons"] if x["class_id"] == group["id"]]
    rooms = {r["id"]: r["name"] for r in school["rooms"]}

    def row(x: dict[str, Any]) -> dict[str, Any]:
        p = periods.get(x["period"], {})
        return {"period": x["period"], "start": p.get("start", ""), "end": p.get("end", ""), "subject": x["subject"],
                "room": rooms.get(x.get("room_id") or "", "")}
    todays = sorted((row(x) for x in lessons if x["weekday"] == today.isoweekday()), key=lambda r: r["period"])
    week = {d: sorted((row(x) for x in lessons if x["weekday"] == d), key=lambda r: r["period"]) for d in range(1, 6)}
    return {"today": todays, "week": [{"weekday": WEEKDAYS[d - 1], "lessons": week[d]} for d in week]}


def notices(class_id: str, grade: str | None, now: datetime) -> list[dict[str, Any]]:
    q = Notice.select().where((Notice.starts_at <= now) & (Notice.ends_at.is_null() | (Notice.ends_at > now)) &
                              ((Notice.audience_scope == "school") |
                               ((Notice.audience_scope == "grade") & (Notice.audience_value == (grade or ""))) |
                               ((Notice.audience_scope == "class") & (Notice.audience_value == class_id))))
    return [{"id": n.id, "title": n.title, "body": n.body[:2000], "emergency": n.emergency}
            for n in q.order_by(Notice.priority.desc(), Notice.starts_at.desc()).limit(20)]


def _class_homework(class_id: str, school: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The class's homework as teachers set it in the console (hub/classlife), else the school content's; None
    when the school publishes none here at all (the page then says so rather than showing an empty list)."""
    from ..classlife.store import for_class
    from ..models import SchoolData

    if SchoolData.get_or_none(SchoolData.key == "class_life") or "class_life" in school:
        return for_class(class_id)["homework"][:30]
    homework = school.get("homework")
    return None if homework is None else [h for h in homework if h.get("class_id") == class_id][:30]


def child_day(student_id: str, now: datetime | None = None) -> dict[str, Any] | None:
    """Everything the page shows for one child; None if the hub does not know the child."""
    school = school_content()
    student = next((s for s in school["students"] if s["id"] == student_id), None)
    if student is None:
        return None
    group = next((c for c in school["classes"] if c["id"] == student["class_id"]), {"id": student["class_id"]})
    zone = ZoneInfo(school["school"].get("timezone", "Asia/Shanghai"))
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    today = _local(now, zone).date()
    homework = _class_homework(group["id"], school)
    evaluations = school.get("evaluations")
    return {
        "student": {"id": student["id"], "name": student["name"]},
        "class": {"id": group["id"], "name": group.get("name", group["id"]), "grade": group.get("grade")},
        "school": school["school"]["name"], "date": today.isoformat(), "weekday": WEEKDAYS[today.weekday()],
        "attendance": attendance(student_id, group["id"], zone, today),
        "timetable": timetable(school, group, today),
        "homework": homework,
        "evaluations": None if evaluations is None else
        [e for e in evaluations if e.get("student_id") == student_id][:30],
        "notices": notices(group["id"], group.get("grade"), now),
    }
