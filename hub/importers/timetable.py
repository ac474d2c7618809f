"""The documented timetable CSV: one row per lesson, as a school's 教务 office keeps it in a spreadsheet.

Columns: class,weekday,period,subject,teacher,room,weeks,start,end,moving. Only class, weekday,
period and subject are required. start/end (HH:MM) define the class's bell schedule; without
them the class keeps its bell schedule and every period must already be in it. The lessons of
the classes named in the file are replaced; other classes keep theirs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .apply import (ImportResult, bell_schedule, current_content, drop_unused_import_schedules, fit_id,
                    lesson_id, parse_time, replace_lessons, room_for, set_schedule, weeks_overlap)
from .csvfile import MAX_CSV_BYTES, read_table
from .errors import Problems

REQUIRED = ["class", "weekday", "period", "subject"]
OPTIONAL = ["teacher", "room", "weeks", "start", "end", "moving"]
_DAYS = "一二三四五六日"
WEEKDAYS = {**{str(i): i for i in range(1, 8)}, **{f"星期{d}": i for i, d in enumerate(_DAYS, 1)},
            **{f"周{d}": i for i, d in enumerate(_DAYS, 1)}, "星期天": 7, "周天": 7,
            **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 1)},
            **{d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                           "sunday"), 1)}}
WEEKS = {"": "all", "all": "all", "odd": "odd", "even": "even", "单": "odd", "单周": "odd", "双": "even",
         "双周": "even", "空": "all", "全": "all", "每周": "all"}
YES_NO = {"": False, "no": False, "n": False, "0": False, "否": False, "false": False,
          "yes": True, "y": True, "1": True, "是": True, "true": True}


def find_teacher(teachers: list[dict[str, Any]], text: str) -> tuple[str | None, str | None]:
    """(teacher id, problem): by id first, then by exact name; a name two teachers share is ambiguous."""
    if any(t["id"] == text for t in teachers):
        return text, None
    named = [t["id"] for t in teachers if t["name"] == text]
    if len(named) == 1:
        return named[0], None
    if named:
        return None, f"teacher name {text!r} is shared by {', '.join(named)}; use the teacher id"
    return None, f"teacher {text!r} does not exist (import the roster first, or use an existing id or name)"


def read_timetable_csv(path: Path | str, current: dict[str, Any] | None = None) -> ImportResult:
    """Read the timetable CSV and propose the new content; raises ImportRejected with every problem."""
    path = Path(path)
    name, problems = path.name, Problems()
    if not path.is_file():
        problems.add(name, 0, 0, "no such file")
        problems.raise_if_any()
    if path.stat().st_size > MAX_CSV_BYTES:
        problems.add(name, 0, 0, f"file is larger than {MAX_CSV_BYTES} bytes; refused")
        problems.raise_if_any()
    table = read_table(path.read_bytes(), name, problems, required=REQUIRED, optional=OPTIONAL)
    problems.raise_if_any()
    assert table is not None
    content = current if current is not None else current_content()
    col = table.column
    rooms_before = len(content["rooms"])
    classes = {c["id"]: c for c in content["classes"]}
    by_name = {c["name"]: c for c in content["classes"]}
    lessons: list[dict[str, Any]] = []
    slots: dict[tuple, list[tuple[str, int]]] = {}
    times: dict[str, dict[int, tuple[str, str, int]]] = {}
    used_periods: dict[str, list[tuple[int, int]]] = {}
    for rec in table:
        line, get = rec.line, rec.get
        group = classes.get(get("class")) or by_name.get(get("class"))
        if group is None:
            problems.add(name, line, col("class"), f"class {get('class')!r} does not exist")
        weekday = WEEKDAYS.get(get("weekday").lower())
        if weekday is None:
            problems.add(name, line, col("weekday"), f"weekday {get('weekday')!r} is not 1–7, 周一–周日 or Mon–Sun")
        period = int(get("period")) if get("period").isdigit() else 0
        if not 1 <= period <= 30:
            problems.add(name, line, col("period"), f"period {get('period')!r} is not a number from 1 to 30")
        subject = get("subject")
        if not subject or len(subject) > 200:
            problems.add(name, line, col("subject"), "subject is empty" if not subject else "subject is too long")
        teacher_id = None
        if get("teacher"):
            teacher_id, why = find_teacher(content["teachers"], get("teacher"))
            if why:
                problems.add(name, line, col("teacher"), why)
        room_id = room_for(content["rooms"], get("room")) if get("room") else (group or {}).get("home_room_id")
        weeks = WEEKS.get(get("weeks").lower())
        if weeks is None:
            problems.add(name, line, col("weeks"), f"weeks {get('weeks')!r} is not all, odd or even (单/双)")
        moving = YES_NO.get(get("moving").lower())
        if moving is None:
            problems.add(name, line, col("moving"), f"moving {get('moving')!r} is not yes or no (是/否)")
        elif moving and group is not None:
            if not get("room"):
                problems.add(name, line, col("room"), "a moving (走班) lesson needs a room")
            elif room_id == group.get("home_room_id"):
                problems.add(name, line, col("room"), "a moving (走班) lesson is in another room than the "
                                                      f"class's home room {room_id!r}")
        start, end = get("start"), get("end")
        if start or end:
            s, e = parse_time(start), parse_time(end)
            if s is None:
                problems.add(name, line, col("start") or col("end"), f"start {start!r} is not a time (HH:MM)")
            if e is None:
                problems.add(name, line, col("end") or col("start"), f"end {end!r} is not a time (HH:MM)")
            if s and e and s >= e:
                problems.add(name, line, col("end"), f"period ends ({e}) before it starts ({s})")
            elif s and e and group is not None and period:
                known = times.setdefault(group["id"], {}).setdefault(period, (s, e, line))
                if known[:2] != (s, e):
                    problems.add(name, line, col("start"), f"period {period} of class {group['id']} is "
                                 f"{known[0]}–{known[1]} on line {known[2]}, here {s}–{e}")
        if group is None or weekday is None or not period or weeks is None:
            continue
        key = (group["id"], weekday, period)
        for other_weeks, other_line in slots.get(key, []):
            if weeks_overlap(weeks, other_weeks):
                problems.add(name, line, 0, f"class {group['id']} has two lessons on weekday {weekday} period "
                                            f"{period} (lines {other_line} and {line})")
        slots.setdefault(key, []).append((weeks, line))
        used_periods.setdefault(group["id"], []).append((period, line))
        lesson = {"id": lesson_id(group["id"], weekday, period, weeks), "class_id": group["id"],
                  "weekday": weekday, "period": period, "subject": subject, "teacher_id": teacher_id,
                  "room_id": room_id, "weeks": weeks}
        lessons.append(lesson)
    _schedules(content, times, used_periods, name, col("period"), problems)
    problems.raise_if_any()
    replace_lessons(content, set(used_periods), lessons)
    return ImportResult(name, content, {"rooms_created": len(content["rooms"]) - rooms_before})


def _schedules(content: dict[str, Any], times: dict[str, dict[int, tuple[str, str, int]]],
               used: dict[str, list[tuple[int, int]]], file: str, period_col: int, problems: Problems) -> None:
    """Build bell schedules from the given times, or check the periods against the class's own schedule."""
    schedules = {b["id"]: b for b in content["bell_schedules"]}
    classes = {c["id"]: c for c in content["classes"]}
    for cid, periods in used.items():
        given = times.get(cid)
        if given:
            known = set(given)
            where = "the times given in this file (add start and end on one of its rows)"
        else:
            schedule = schedules.get(classes[cid].get("bell_schedule_id") or "")
            known = {p["index"] for p in schedule["periods"]} if schedule else set()
            where = f"the class's bell schedule {schedule['id']!r}" if schedule else "any bell schedule " \
                "(the class has none: add start and end times)"
        for period, line in periods:
            if period not in known:
                problems.add(file, line, period_col, f"period {period} of class {cid} is not in {where}")
        if given:
            ordered = sorted(given.items())
            for (p1, (s1, e1, _)), (p2, (s2, e2, line)) in zip(ordered, ordered[1:]):
                if s2 < e1:
                    problems.add(file, line, 0, f"class {cid}: period {p2} ({s2}–{e2}) starts before period "
                                                f"{p1} ({s1}–{e1}) ends")
    if not times:
        return
    shapes = {cid: tuple(sorted((p, s, e) for p, (s, e, _) in given.items())) for cid, given in times.items()}
    shared_shape = next(iter(shapes.values()))
    existing = schedules.get("BS-IMPORT")
    others = [c for c in content["classes"] if c.get("bell_schedule_id") == "BS-IMPORT" and c["id"] not in shapes]
    shared = len(shapes) >= 2 and len(set(shapes.values())) == 1 and \
        (not others or existing is None or _shape(existing) == shared_shape)
    if shared:
        set_schedule(content, bell_schedule("BS-IMPORT", "导入的作息时间", list(shared_shape)), list(shapes))
    else:
        for cid, shape in shapes.items():
            set_schedule(content, bell_schedule(fit_id(f"BS-{cid}"), f"{classes[cid]['name']} 作息时间",
                                                list(shape)), [cid])
    drop_unused_import_schedules(content)


def _shape(schedule: dict[str, Any]) -> tuple:
    return tuple(sorted((p["index"], p["start"], p["end"]) for p in schedule["periods"]))
