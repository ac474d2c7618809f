"""CSES (Course Schedule Exchange Schema) YAML: one class's timetable from ClassIsland and similar apps.

A CSES file has ``version: 1``, ``subjects`` (name, simplified_name, teacher, room) and
``schedules`` (name, enable_day 1–7, weeks all|odd|even, classes of subject/start_time/end_time).
It carries times instead of period numbers, so the distinct time slots of all its schedules,
sorted, become the class's periods 1..n and its bell schedule ``BS-<class>``.

The YAML is parsed into nodes (``yaml.compose`` with the safe loader) rather than values: nodes
know their line, and reading scalars raw avoids YAML 1.1 turning an unquoted ``10:00:00`` into
the number 36000.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .apply import (ImportResult, bell_schedule, current_content, drop_unused_import_schedules, fit_id,
                    lesson_id, parse_time, replace_lessons, room_for, set_schedule, sha8, weeks_overlap)
from .errors import Problems

MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _col(node: yaml.Node) -> int:
    return node.start_mark.column + 1


def _fields(node: yaml.Node) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _text(node: yaml.Node | None) -> str | None:
    return node.value.strip() if isinstance(node, yaml.ScalarNode) and node.value is not None else None


def _count_nodes(root: yaml.Node) -> tuple[int, yaml.Node | None]:
    """Node count, and a node seen twice (an alias): aliases can blow a small file up, so they are refused."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return len(seen), node
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            return len(seen), None
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen), None


def _compose(path: Path, problems: Problems) -> yaml.Node | None:
    name = path.name
    if not path.is_file():
        problems.add(name, 0, 0, "no such file")
        return None
    if path.stat().st_size > MAX_YAML_BYTES:
        problems.add(name, 0, 0, f"file is larger than {MAX_YAML_BYTES} bytes; refused")
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        problems.add(name, 0, 0, "file is not UTF-8")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(name, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0,
                     f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return None
    count, alias = _count_nodes(root) if root is not None else (0, None)
    if alias is not None or count > MAX_NODES:
        problems.add(name, _line(alias) if alias else 0, 0,
                     "YAML aliases (&/*) are not allowed" if alias else "file has too many entries")
        return None
    if _fields(root) is None:
        problems.add(name, 1, 0, "a CSES file is a mapping with version, subjects and schedules")
        return None
    return root


def read_cses(path: Path | str, class_id: str, current: dict[str, Any] | None = None) -> ImportResult:
    """Read one class's CSES timetable and propose the new content; raises ImportRejected with every problem."""
    path = Path(path)
    name, problems = path.name, Problems()
    root = _compose(path, problems)
    problems.raise_if_any()
    content = current if current is not None else current_content()
    top = _fields(root) or {}
    group = next((c for c in content["classes"] if c["id"] == class_id), None)
    if group is None:
        problems.add(name, 0, 0, f"class {class_id!r} does not exist (give an existing class id with --class)")
    version = top.get("version")
    if _text(version) != "1":
        problems.add(name, _line(version) if version else 1, _col(version) if version else 0,
                     "version must be 1")
    subjects: dict[str, dict[str, Any]] = {}
    for node in _items(top.get("subjects"), "subjects", name, problems):
        f = _fields(node)
        sname = _text((f or {}).get("name"))
        if not sname:
            problems.add(name, _line(node), _col(node), "a subject needs a name")
            continue
        if sname in subjects:
            problems.add(name, _line(node), _col(node), f"subject {sname!r} is listed twice "
                                                         f"(line {subjects[sname]['line']})")
        subjects.setdefault(sname, {"line": _line(node), "teacher": f.get("teacher"), "room": f.get("room")})
    entries = []
    for sched in _items(top.get("schedules"), "schedules", name, problems):
        f = _fields(sched) or {}
        day_node, weeks_node = f.get("enable_day"), f.get("weeks")
        day = _text(day_node)
        if day is None or not day.isdigit() or not 1 <= int(day) <= 7:
            node = day_node or sched
            problems.add(name, _line(node), _col(node), f"enable_day {day!r} is not a weekday 1–7")
            day = None
        weeks = _text(weeks_node) or "all"
        if weeks not in ("all", "odd", "even"):
            problems.add(name, _line(weeks_node), _col(weeks_node), f"weeks {weeks!r} is not all, odd or even")
            weeks = None
        for entry in _items(f.get("classes"), "classes", name, problems):
            ef = _fields(entry) or {}
            subject = _text(ef.get("subject"))
            if subject not in subjects:
                node = ef.get("subject") or entry
                problems.add(name, _line(node), _col(node), f"subject {subject!r} is not in subjects")
            times = []
            for key in ("start_time", "end_time"):
                node, raw = ef.get(key), _text(ef.get(key))
                value = parse_time(raw) if raw else None
                if value is None:
                    problems.add(name, _line(node or entry), _col(node or entry),
                                 f"{key} {raw!r} is not a time (HH:MM:SS)")
                times.append(value)
            if times[0] and times[1] and times[0] >= times[1]:
                problems.add(name, _line(entry), _col(entry), f"class ends ({times[1]}) before it starts ({times[0]})")
                continue
            if day and weeks and subject in subjects and None not in times:
                entries.append((int(day), weeks, subject, times[0], times[1], _line(entry)))
    slots = sorted({(s, e) for _, _, _, s, e, _ in entries})
    first_line = {}
    for _, _, _, s, e, line in sorted(entries, key=lambda x: x[5]):
        first_line.setdefault((s, e), line)
    for (s1, e1), (s2, e2) in zip(slots, slots[1:]):
        if s2 < e1:
            problems.add(name, first_line[(s2, e2)], 0, f"time slot {s2}–{e2} overlaps {s1}–{e1} "
                                                        f"(line {first_line[(s1, e1)]})")
    if len(slots) > 30:
        problems.add(name, 0, 0, f"{len(slots)} different time slots; a bell schedule has at most 30")
    if group is None:
        problems.raise_if_any()
    lessons, taken = [], {}
    period_of = {slot: i for i, slot in enumerate(slots, 1)}
    teacher_of: dict[str, str | None] = {}
    for day, weeks, subject, s, e, line in entries:
        period = period_of[(s, e)]
        for other_weeks, other_line in taken.get((day, period), []):
            if weeks_overlap(weeks, other_weeks):
                problems.add(name, line, 0, f"two classes on weekday {day} at {s}–{e} (lines {other_line} and {line})")
        taken.setdefault((day, period), []).append((weeks, line))
        info = subjects[subject]
        if subject not in teacher_of:
            teacher_of[subject] = _teacher(content, _text(info["teacher"]), name, info["teacher"], problems)
        room = _text(info["room"])
        lessons.append({"id": lesson_id(class_id, day, period, weeks), "class_id": class_id, "weekday": day,
                        "period": period, "subject": subject[:200], "teacher_id": teacher_of[subject],
                        "room_id": room_for(content["rooms"], room) if room else group.get("home_room_id"), "weeks": weeks})
    problems.raise_if_any()
    set_schedule(content, bell_schedule(fit_id(f"BS-{class_id}"), f"{group['name']} 作息时间",
                                        [(i, s, e) for (s, e), i in period_of.items()]), [class_id])
    drop_unused_import_schedules(content)
    replace_lessons(content, {class_id}, lessons)
    return ImportResult(name, content, {"lessons_in_file": len(lessons)})


def _items(node: yaml.Node | None, key: str, file: str, problems: Problems) -> list[yaml.Node]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        problems.add(file, _line(node), _col(node), f"{key} must be a list")
        return []
    return list(node.value)


def _teacher(content: dict[str, Any], text: str | None, file: str, node: yaml.Node | None,
             problems: Problems) -> str | None:
    """An existing teacher by exact name (or id), else a new one with an id from the name."""
    if not text:
        return None
    named = [t["id"] for t in content["teachers"] if t["name"] == text] or \
        [t["id"] for t in content["teachers"] if t["id"] == text]
    if len(named) > 1:
        problems.add(file, _line(node), _col(node), f"teacher name {text!r} is shared by {', '.join(named)}")
        return None
    if named:
        return named[0]
    tid = f"T-{sha8(text)}"
    content["teachers"].append({"id": tid, "name": text[:200]})
    return tid
