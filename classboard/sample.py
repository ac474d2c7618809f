"""A seeded sample school for the demo and the tests.

It is produced in the bundle's own shape (protocol/schemas/bundle.schema.json),
so the hub can import it and a board can render it exactly as it would render
a real school's data. Deterministic for a given seed and date.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫陆"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红梓涵浩宇欣怡子轩雨桐思远佳琪俊杰嘉怡"
SUBJECTS = ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "政治", "体育", "音乐", "美术", "信息技术"]

PERIODS = [  # 高中作息时间
    (1, "第1节", "08:00", "08:45", "lesson"), (2, "第2节", "08:55", "09:40", "lesson"),
    (3, "课间操", "09:40", "10:05", "exercise"), (4, "第3节", "10:05", "10:50", "lesson"),
    (5, "第4节", "11:00", "11:45", "lesson"), (6, "午休", "11:45", "14:00", "meal"),
    (7, "第5节", "14:00", "14:45", "lesson"), (8, "眼保健操", "14:45", "14:55", "exercise"),
    (9, "第6节", "14:55", "15:40", "lesson"), (10, "第7节", "15:50", "16:35", "lesson"),
    (11, "晚自习", "19:00", "20:30", "selfstudy"),
]
LESSON_PERIODS = [p[0] for p in PERIODS if p[4] == "lesson"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _term_around(today: date) -> tuple[date, date, str]:
    if today.month >= 8 or today.month == 1:
        year = today.year if today.month >= 8 else today.year - 1
        return date(year, 9, 1), date(year + 1, 1, 20), f"{year}-{year + 1}学年第一学期"
    return date(today.year, 2, 20), date(today.year, 7, 10), f"{today.year - 1}-{today.year}学年第二学期"


def sample_school(today: date | None = None, classes: int = 2, students_per_class: int = 45,
                  seed: int = 7) -> dict[str, Any]:
    """The school-wide content: every board's bundle is this, cut down to its class and room."""
    rng = random.Random(seed)
    # notices are dated around "now": the real one, or the given day's mid-morning so tests never depend on the date
    now = (datetime.now(timezone.utc) if today is None
           else datetime.combine(today, time(2, 10), tzinfo=timezone.utc)).replace(microsecond=0)
    today = today or date.today()
    start, end, term_name = _term_around(today)
    rooms = [{"id": f"R{101 + i}", "name": f"教学楼{101 + i}室", "building": "教学楼", "floor": 1}
             for i in range(classes)]
    rooms += [{"id": "LAB1", "name": "物理实验室", "building": "实验楼", "floor": 2},
              {"id": "GYM", "name": "体育馆", "building": "体育馆", "floor": 1}]
    teachers = [{"id": f"T{i + 1:03d}", "name": _name(rng) + "老师"} for i in range(len(SUBJECTS) + classes)]
    subject_teacher = {s: teachers[i]["id"] for i, s in enumerate(SUBJECTS)}
    class_rows, students, lessons = [], [], []
    marker = 0
    for c in range(classes):
        cid = f"C1{c + 1:02d}"
        class_rows.append({"id": cid, "name": f"高一({c + 1})班", "grade": "高一",
                           "home_room_id": rooms[c]["id"], "head_teacher_id": teachers[len(SUBJECTS) + c]["id"],
                           "bell_schedule_id": "BS-HIGH"})
        for s in range(students_per_class):
            students.append({"id": f"S{c + 1}{s + 1:03d}", "name": _name(rng), "class_id": cid,
                             "marker_id": marker})
            marker += 1
        for weekday in range(1, 6):
            for period in LESSON_PERIODS:
                subject = SUBJECTS[(weekday * 3 + period + c) % len(SUBJECTS)]
                room = {"物理": "LAB1", "体育": "GYM"}.get(subject, rooms[c]["id"])  # 走班
                lessons.append({"id": f"L-{cid}-{weekday}-{period}", "class_id": cid, "weekday": weekday,
                                "period": period, "subject": subject, "teacher_id": subject_teacher[subject],
                                "room_id": room, "weeks": "all"})
        # 单双周: Friday's last period alternates 美术 (odd weeks) and 音乐 (even weeks)
        lessons[-1].update(subject="美术", weeks="odd", teacher_id=subject_teacher["美术"], room_id=rooms[c]["id"])
        lessons.append(dict(lessons[-1], id=f"L-{cid}-5-{LESSON_PERIODS[-1]}-even", subject="音乐", weeks="even",
                            teacher_id=subject_teacher["音乐"]))
    iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    notices = [
        {"id": "N1", "title": "期中考试安排", "body": "**期中考试**将于下周三开始，请同学们认真复习。",
         "format": "markdown", "priority": 5, "audience": {"scope": "school"},
         "starts_at": iso(now - timedelta(days=1)), "ends_at": iso(now + timedelta(days=10)), "emergency": False},
        {"id": "N2", "title": "校运会报名", "body": "校运会报名截止到本周五，请到班主任处报名。", "format": "text",
         "priority": 3, "audience": {"scope": "grade", "value": "高一"},
         "starts_at": iso(now - timedelta(hours=5)), "ends_at": iso(now + timedelta(days=5)), "emergency": False},
        {"id": "N3", "title": "图书馆开放时间调整", "body": "本周起图书馆周末开放时间为 9:00–17:00。",
         "format": "text", "priority": 1, "audience": {"scope": "school"},
         "starts_at": iso(now - timedelta(days=2)), "ends_at": None, "emergency": False},
    ]
    national_day = date(start.year, 10, 1)
    return {
        "school": {"id": "SCH-NN-001", "name": "南宁市青秀区示范中学", "timezone": "Asia/Shanghai",
                   "language": "zh-CN"},
        "calendar": {
            "terms": [{"id": "TERM-1", "name": term_name, "start": start.isoformat(), "end": end.isoformat()}],
            "holidays": [{"name": "国庆节", "start": national_day.isoformat(),
                          "end": (national_day + timedelta(days=6)).isoformat()}],
            "workdays": [{"date": (national_day - timedelta(days=2)).isoformat(), "follows_weekday": 4}]
            if (national_day - timedelta(days=2)).isoweekday() >= 6 else [],
        },
        "bell_schedules": [{"id": "BS-HIGH", "name": "高中作息时间",
                            "periods": [{"index": i, "name": n, "start": s, "end": e, "kind": k}
                                        for i, n, s, e, k in PERIODS]}],
        "rooms": rooms, "teachers": teachers, "classes": class_rows, "students": students,
        "lessons": lessons, "overrides": [], "notices": notices, "exams": [], "broadcasts": [],
        "class_life": {"countdowns": [{"id": "CD-ZK", "title": "距期末考试", "date": end.isoformat()}],
                       "evaluation_categories": ["课堂表现", "作业", "劳动", "文明礼仪"], "homework": [],
                       "highlight_classes": ["C101"]},
        "settings": {"pull_interval_s": 60, "screen_on": "07:00", "screen_off": "22:00", "volume": 70,
                     "idle_timeout_s": 60},
    }


def board_bundle(school: dict[str, Any], board_id: str, class_id: str, issued_at: str) -> dict[str, Any]:
    """Cut the school content down to what one board needs (its class, and its room's visitors)."""
    group = next(c for c in school["classes"] if c["id"] == class_id)
    content = dict(school, schema="classboard.bundle/1", board_id=board_id, issued_at=issued_at)
    content["settings"] = dict(school["settings"], class_id=class_id, room_id=group["home_room_id"])
    return content
