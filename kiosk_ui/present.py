"""Turning what the board's services answer into what a screen shows: formatting only, no rules."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from edge.bundle_store import get_setting
from edge.clock import utc
from edge.environment import latest_readings
from edge.services.air import band_for, worst
from edge.store import models as m

from .i18n import weekday_name
from .sanitize import notice_html, plain_preview

QUANTITIES = [("temperature_c", "temperature", "°C", 1), ("humidity_pct", "humidity", "%", 0),
              ("co2_ppm", "co2", "ppm", 0), ("pm2_5_ugm3", "pm2_5", "µg/m³", 0), ("lux", "lux", "lx", 0)]


@dataclass
class LessonView:
    period_name: str
    start: str
    end: str
    subject: str
    teacher: str
    room: str
    moved: bool
    changed: bool
    current: bool = False
    class_name: str = ""
    past: bool = False


@dataclass
class HomeView:
    school: str
    class_name: str
    head_teacher: str
    date_text: str
    weekday: str
    time_text: str
    current: LessonView | None
    upcoming: LessonView | None
    countdown_min: int | None
    current_left_min: int | None
    today: list[LessonView]
    day_note: str
    notices: list[dict[str, Any]]
    air: list[dict[str, Any]]
    advice: str
    emergency: dict[str, Any] | None
    exam: dict[str, Any] | None
    claim_code: str
    lang: str
    extra: dict[str, Any] = field(default_factory=dict)
    advice_level: str = "good"


def lesson_view(lesson, zone, now: datetime | None = None) -> LessonView:
    return LessonView(lesson.period_name, lesson.starts_at.astimezone(zone).strftime("%H:%M"),
                      lesson.ends_at.astimezone(zone).strftime("%H:%M"), lesson.subject, lesson.teacher_name,
                      lesson.room_name, lesson.moved, lesson.changed, bool(now and lesson.is_on(now)),
                      lesson.class_name, bool(now and lesson.ends_at <= now))


def air_view(now: datetime, t, lang: str) -> tuple[list[dict[str, Any]], str, str]:
    readings = latest_readings(now)
    rows, bands = [], []
    for quantity, label, unit, digits in QUANTITIES:
        if quantity not in readings:
            continue
        value = readings[quantity][0]
        band = band_for(quantity, value)
        if band:
            bands.append(band)
        rows.append({"label": t(label), "value": f"{value:.{digits}f}", "unit": unit,
                     "level": band.level if band else "good"})
    advice = worst(bands) if bands else None
    text = (advice.advice_zh if lang == "zh-CN" else advice.advice_en) if advice else ""
    return rows, text, advice.level if advice else "good"


def active_emergency(board) -> dict[str, Any] | None:
    from edge.alerts import current_emergency

    found = current_emergency(board)
    return {"title": found["title"], "body": notice_html(found["body"], found["format"])} if found else None


def running_exam(board, now: datetime) -> dict[str, Any] | None:
    exam = board.running_exam(now)  # the board's own rule, which also keeps a tap from opening a corner
    if exam is None:
        return None
    left = max(0, int((exam.ends_at - utc(now).replace(tzinfo=None)).total_seconds() // 60))
    return {"name": exam.name, "left_min": left, "rules": exam.rules, "seats": json.loads(exam.seats),
            "start": utc(exam.starts_at).astimezone(board.zone).strftime("%H:%M"),
            "end": utc(exam.ends_at).astimezone(board.zone).strftime("%H:%M")}


def home_view(board, t, lang: str) -> HomeView:
    now = board.clock.now()
    local = now.astimezone(board.zone)
    school = board.school()
    group = board.class_group()
    head = group.head_teacher.name if group and group.head_teacher_id and group.head_teacher else ""
    kwargs = {"class_id": board.class_id} if board.class_id else {"room_id": board.room_id}
    today = board.timetable.lessons_on(local.date(), **kwargs)
    current, upcoming = board.timetable.current_and_next(**kwargs)
    day = board.calendar.day(local.date())
    note = ""
    if not today:
        note = t("term_not_started") if day.reason == "outside term" else (day.reason if day.reason not in
                                                                            ("weekend", "") else t("no_lessons_today"))
    notices = [{"id": n.id, "title": n.title, "preview": plain_preview(n.body, n.format), "priority": n.priority}
               for n in board.notices.active(**board.audience()) if not n.emergency]
    air, advice, advice_level = air_view(now, t, lang)
    return HomeView(
        school=school.name if school else "classboard", class_name=group.name if group else (board.room_id or ""),
        head_teacher=head, date_text=local.strftime("%Y年%m月%d日" if lang == "zh-CN" else "%Y-%m-%d"),
        weekday=weekday_name(lang, local.isoweekday()), time_text=local.strftime("%H:%M"),
        current=lesson_view(current, board.zone, now) if current else None,
        upcoming=lesson_view(upcoming, board.zone) if upcoming else None,
        countdown_min=int((upcoming.starts_at - now).total_seconds() // 60) if upcoming else None,
        current_left_min=int((current.ends_at - now).total_seconds() // 60) if current else None,
        today=[lesson_view(x, board.zone, now) for x in today], day_note=note, notices=notices,
        air=air, advice=advice, emergency=active_emergency(board), exam=running_exam(board, now),
        claim_code=get_setting("enroll.claim_code") or "" if not get_setting("enroll.hub_public_key") else "",
        lang=lang, advice_level=advice_level,
        extra={"homework": board.class_life.homework(board.class_id), "countdowns": board.class_life.countdowns(
            board.class_id)})
