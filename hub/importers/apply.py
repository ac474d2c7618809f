"""Comparing a proposed school content with the stored one, and storing it.

Every importer builds the *whole* proposed content in memory first. The dry run shows what
would change; a real run stores it in one transaction through ``hub.school.replace_school``,
so a rejected or failed import leaves the hub exactly as it was.
"""
from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ImportProblem, ImportRejected, Problems

ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9_.:-]")
SECTIONS = ("schools", "terms", "classes", "students", "teachers", "rooms", "lessons", "enrollments",
            "bell_schedules")


def sha8(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]  # a short stable id, not a secret


def safe_id(raw: str, prefix: str = "ID") -> str:
    """A bundle id for free text (a room or teacher name): itself when valid, else ``prefix-<sha1>``."""
    return raw if ID_RE.match(raw) else f"{prefix}-{sha8(raw)}"


def fit_id(text: str) -> str:
    """Shorten a composed id (``L-<class>-1-2``) that went over 64 characters, keeping it unique."""
    return text if len(text) <= 64 else f"{text[:55]}-{sha8(text)}"


def map_ids(raws: list[str]) -> dict[str, str]:
    """Deterministic bundle ids for foreign ids (OneRoster sourcedIds, often GUIDs or with '/' or '@').

    Valid ids are kept; others get invalid characters replaced by '_'; where that collides with
    another id or is too long, a short sha1 of the original is appended. The result depends only
    on the set of ids, not their order, so re-importing the same files gives the same ids.
    """
    sanitized = {r: BAD_ID_CHARS.sub("_", r) for r in raws}
    counts: dict[str, int] = {}
    for v in sanitized.values():
        counts[v] = counts.get(v, 0) + 1
    valid = {r for r in raws if ID_RE.match(r)}
    out = {}
    for r in raws:
        s = sanitized[r]
        if r in valid:
            out[r] = r
        elif s and len(s) <= 64 and counts[s] == 1 and s not in valid:
            out[r] = s
        else:
            out[r] = f"{s[:55]}-{sha8(r)}"
    return out


def find_room(rooms: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """A room named by id or by exact name."""
    return next((r for r in rooms if r["id"] == text), None) or next((r for r in rooms if r["name"] == text), None)


def room_for(rooms: list[dict[str, Any]], text: str) -> str:
    """The id of the room named ``text``, adding the room when the school does not have it yet."""
    found = find_room(rooms, text)
    if found:
        return found["id"]
    rid = safe_id(text, "R")
    rooms.append({"id": rid, "name": text[:200]})
    return rid


def bell_schedule(sid: str, name: str, periods: list[tuple[int, str, str]]) -> dict[str, Any]:
    """A bell schedule of lesson periods, named the way Chinese timetables name them (第N节)."""
    return {"id": sid, "name": name[:200],
            "periods": [{"index": i, "name": f"第{i}节", "start": s, "end": e, "kind": "lesson"}
                        for i, s, e in sorted(periods)]}


TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_time(text: str) -> str | None:
    """'8:05', '08:05' or '08:05:00' → '08:05'; None when it is not a time of day (seconds are dropped)."""
    m = TIME_RE.match(text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59 or int(m.group(3) or 0) > 59:
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def weeks_overlap(a: str, b: str) -> bool:
    """Every week overlaps everything; odd and even weeks do not overlap each other."""
    return a == "all" or b == "all" or a == b


def lesson_id(class_id: str, weekday: int, period: int, weeks: str) -> str:
    """Deterministic, so re-importing a timetable replaces the same lessons instead of adding new ones."""
    return fit_id(f"L-{class_id}-{weekday}-{period}" + ("" if weeks == "all" else f"-{weeks}"))


def replace_lessons(content: dict[str, Any], class_ids: set[str], lessons: list[dict[str, Any]]) -> None:
    """The given classes' lessons are replaced; every other class's lessons stay where they were."""
    order = {"all": 0, "odd": 1, "even": 2}
    kept = [x for x in content["lessons"] if x["class_id"] not in class_ids]
    content["lessons"] = kept + sorted(lessons, key=lambda x: (x["class_id"], x["weekday"], x["period"],
                                                                order[x["weeks"]]))


def set_schedule(content: dict[str, Any], schedule: dict[str, Any], class_ids: list[str]) -> None:
    """Store (or replace) a bell schedule and point the classes at it."""
    ids = [b["id"] for b in content["bell_schedules"]]
    if schedule["id"] in ids:
        content["bell_schedules"][ids.index(schedule["id"])] = schedule  # in place: re-imports keep the order
    else:
        content["bell_schedules"].append(schedule)
    for c in content["classes"]:
        if c["id"] in class_ids:
            c["bell_schedule_id"] = schedule["id"]


def drop_unused_import_schedules(content: dict[str, Any]) -> None:
    """Schedules an import made (``BS-IMPORT``, ``BS-<class>``) go when no class uses them any more."""
    used = {c.get("bell_schedule_id") for c in content["classes"]}
    made = {"BS-IMPORT"} | {fit_id(f"BS-{c['id']}") for c in content["classes"]}
    content["bell_schedules"] = [b for b in content["bell_schedules"] if b["id"] in used or b["id"] not in made]


@dataclass
class ImportResult:
    """What an importer proposes: the whole new content, plus notes such as dropped lessons."""

    source: str
    proposed: dict[str, Any]
    notes: dict[str, int] = field(default_factory=dict)


def _items(content: dict[str, Any], section: str) -> dict[Any, Any]:
    if section == "schools":
        school = content.get("school") or {}
        return {school.get("id"): school} if school else {}
    if section == "terms":
        return {t["id"]: t for t in (content.get("calendar") or {}).get("terms", [])}
    if section == "enrollments":
        out: dict[Any, Any] = {("student", s["id"]): s.get("class_id") for s in content.get("students", [])}
        out.update({("head", c["id"]): c["head_teacher_id"] for c in content.get("classes", [])
                    if c.get("head_teacher_id")})
        return out
    return {x["id"]: x for x in content.get(section, [])}


def plan(current: dict[str, Any], proposed: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per section: how many items would be added, changed, removed or stay as they are (for the dry run)."""
    out = {}
    for section in SECTIONS:
        old, new = _items(current, section), _items(proposed, section)
        both = old.keys() & new.keys()
        changed = sum(1 for k in both if old[k] != new[k])
        out[section] = {"added": len(new.keys() - old.keys()), "changed": changed,
                        "removed": len(old.keys() - new.keys()), "unchanged": len(both) - changed}
    return out


def is_noop(counts: dict[str, dict[str, int]]) -> bool:
    return all(c["added"] == c["changed"] == c["removed"] == 0 for c in counts.values())


def format_plan(counts: dict[str, dict[str, int]], notes: dict[str, int] | None = None) -> str:
    """The dry-run table, plain text so it reads the same in a terminal and in a log."""
    lines = [f"{'':16}{'added':>8}{'changed':>9}{'removed':>9}{'unchanged':>11}"]
    for section, c in counts.items():
        lines.append(f"{section:16}{c['added']:>8}{c['changed']:>9}{c['removed']:>9}{c['unchanged']:>11}")
    for key, value in (notes or {}).items():
        if value:
            lines.append(f"note: {value} {key.replace('_', ' ')}")
    return "\n".join(lines)


def validate(proposed: dict[str, Any], source: str) -> None:
    """Run the bundle checks now, so a dry run already tells what a real run would refuse."""
    from ..school import SchoolDataError, check_school

    try:
        check_school(proposed)
    except SchoolDataError as exc:
        problems = Problems()
        problems.add(source, 0, 0, f"the imported school content would be invalid: {exc}")
        problems.raise_if_any()


def current_content() -> dict[str, Any]:
    """A deep copy of the stored content, safe to edit into a proposal."""
    from hub.bundles import school_content

    return copy.deepcopy(school_content())


def apply_import(proposed: dict[str, Any]) -> dict[str, int]:
    """Store the proposed content in one transaction; a refusal changes nothing."""
    from hub.school import SchoolDataError, replace_school

    try:
        return replace_school(proposed)
    except SchoolDataError as exc:
        raise ImportRejected([ImportProblem("(import)", 0, 0, str(exc))]) from None


def run(result: ImportResult, dry_run: bool) -> dict[str, dict[str, int]]:
    """Plan, and unless it is a dry run, store. Returns the plan's counts."""
    validate(result.proposed, result.source)
    counts = plan(current_content(), result.proposed)
    if not dry_run and not is_noop(counts):
        apply_import(result.proposed)
    return counts
