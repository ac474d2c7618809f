"""OneRoster 1.2 CSV (a folder or a .zip) → the school, its terms, homeroom classes, teachers and students.

Chinese school systems (and most SIS exports abroad) can produce OneRoster, so it is the one
roster format we read. Only what a class board needs is taken: the school org, terms, homeroom
classes (行政班) with their rooms and head teachers (班主任), teachers and students. Timetables
come from the timetable importers; they and everything else in the hub stay as they are.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from .apply import ImportResult, current_content, map_ids, room_for
from .csvfile import Record, Table, load_files, read_table
from .errors import Problems

# the columns we use; other OneRoster columns (and metadata.* extensions) are tolerated
COLUMNS = {
    "manifest.csv": ["propertyName", "value"],
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicSessions.csv": ["sourcedId", "title", "type", "startDate", "endDate"],
    "courses.csv": ["sourcedId", "title"],
    "classes.csv": ["sourcedId", "title", "classType", "schoolSourcedId"],
    "users.csv": ["sourcedId", "givenName", "familyName"],
    "roles.csv": ["sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"],
    "enrollments.csv": ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
}
NEEDED = ("orgs.csv", "classes.csv", "users.csv", "enrollments.csv")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CJK_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f·]+$")


def person_name(given: str, family: str) -> str:
    """Chinese order without a space (王 + 小明 → 王小明) when both parts are CJK, else 'Given Family'."""
    if given and family and CJK_RE.match(given) and CJK_RE.match(family):
        return family + given
    return " ".join(p for p in (given, family) if p)


class _Reader:
    """One pass over the tables: indexes, reference checks and the mapping, collecting problems."""

    def __init__(self, tables: dict[str, Table], current: dict[str, Any], problems: Problems) -> None:
        self.t, self.current, self.p = tables, current, problems
        self.rows: dict[str, dict[str, Record]] = {}
        self.deleted: dict[str, set[str]] = {}
        for name, table in tables.items():
            if name == "manifest.csv":
                continue
            rows, deleted = {}, set()
            for rec in table:
                sid = rec.get("sourcedId")
                if not sid:
                    problems.add(name, rec.line, table.column("sourcedId"), "sourcedId is empty")
                elif sid in rows or sid in deleted:
                    problems.add(name, rec.line, table.column("sourcedId"), f"sourcedId {sid!r} appears twice")
                elif rec.get("status").lower() == "tobedeleted":
                    deleted.add(sid)
                else:
                    rows[sid] = rec
            self.rows[name], self.deleted[name] = rows, deleted

    def ref(self, file: str, rec: Record, column: str, target: str, kind: str) -> bool:
        """Does the reference exist? Missing is a problem; pointing at a to-be-deleted row skips silently."""
        value = rec.get(column)
        if target not in self.rows or value in self.rows[target]:
            return True
        if value not in self.deleted.get(target, set()):
            self.p.add(file, rec.line, self.t[file].column(column), f"{kind} {value!r} does not exist")
        return False

    def date(self, file: str, rec: Record, column: str, required: bool = False) -> str | None:
        value = rec.get(column)
        if not value and not required:
            return None
        try:
            if not DATE_RE.match(value):
                raise ValueError
            date.fromisoformat(value)
            return value
        except ValueError:
            self.p.add(file, rec.line, self.t[file].column(column), f"{column} {value!r} is not a date (YYYY-MM-DD)")
            return None

    def manifest(self) -> None:
        table = self.t.get("manifest.csv")
        for rec in table or []:
            key, value = rec.get("propertyName"), rec.get("value")
            if key == "oneroster.version" and not value.startswith("1.2"):
                self.p.add("manifest.csv", rec.line, 2, f"OneRoster version {value!r}; only 1.2 is supported")
            if key.startswith("file.") and value.lower() == "delta":
                self.p.add("manifest.csv", rec.line, 2, f"{key[5:]} is a delta file; export the whole roster (bulk)")

    def school(self) -> dict[str, Any]:
        schools = [r for r in self.rows["orgs.csv"].values() if r.get("type").lower() == "school"]
        if not schools:
            self.p.add("orgs.csv", 0, 0, "no org of type 'school'")
            return self.current["school"]
        for extra in schools[1:]:
            self.p.add("orgs.csv", extra.line, self.t["orgs.csv"].column("type"),
                       "more than one school; import one school at a time")
        rec = schools[0]
        sid = rec.get("sourcedId")
        # a hub that already has a school keeps its id: enrolled boards and MQTT topics are keyed by it
        kept = self.current["school"].get("id")
        school_id = kept if kept and kept != "SCHOOL" else map_ids([sid])[sid]
        return dict(self.current["school"], id=school_id, name=rec.get("name")[:200] or sid)

    def terms(self) -> list[dict[str, Any]]:
        if "academicSessions.csv" not in self.t:
            return self.current["calendar"].get("terms", [])
        rows = [r for r in self.rows["academicSessions.csv"].values()
                if r.get("type").lower() in ("term", "semester")]
        ids = map_ids([r.get("sourcedId") for r in rows])
        out = []
        for rec in rows:
            start = self.date("academicSessions.csv", rec, "startDate", True)
            end = self.date("academicSessions.csv", rec, "endDate", True)
            if start and end and start > end:
                self.p.add("academicSessions.csv", rec.line, self.t["academicSessions.csv"].column("endDate"),
                           f"term ends ({end}) before it starts ({start})")
            out.append({"id": ids[rec.get("sourcedId")], "name": rec.get("title")[:200] or rec.get("sourcedId"),
                        "start": start or "", "end": end or ""})
        return out

    def read(self) -> tuple[dict[str, Any], dict[str, int]]:
        self.manifest()
        school = self.school()
        terms = self.terms()
        for rec in self.rows.get("classes.csv", {}).values():
            self.ref("classes.csv", rec, "schoolSourcedId", "orgs.csv", "org")
            if rec.get("courseSourcedId"):
                self.ref("classes.csv", rec, "courseSourcedId", "courses.csv", "course")
        homerooms = [r for r in self.rows["classes.csv"].values() if r.get("classType").lower() == "homeroom"]
        class_ids = map_ids([r.get("sourcedId") for r in homerooms])
        users = self.rows["users.csv"]
        user_ids = map_ids(list(users))
        role = self._roles()
        homeroom_sids = {r.get("sourcedId") for r in homerooms}
        member: dict[str, tuple[str, int]] = {}
        heads: dict[str, tuple[str, int]] = {}
        by_enrollment: dict[str, set[str]] = {}
        for rec in self.rows["enrollments.csv"].values():
            ok = all([self.ref("enrollments.csv", rec, "classSourcedId", "classes.csv", "class"),
                      self.ref("enrollments.csv", rec, "userSourcedId", "users.csv", "user"),
                      self.ref("enrollments.csv", rec, "schoolSourcedId", "orgs.csv", "org")])
            self.date("enrollments.csv", rec, "beginDate"), self.date("enrollments.csv", rec, "endDate")
            primary = rec.get("primary").lower()
            if primary not in ("", "true", "false"):
                self.p.add("enrollments.csv", rec.line, self.t["enrollments.csv"].column("primary"),
                           f"primary must be true or false, not {primary!r}")
            kind, cls, user = rec.get("role").lower(), rec.get("classSourcedId"), rec.get("userSourcedId")
            if not ok:
                continue
            by_enrollment.setdefault(user, set()).add(kind)
            if cls not in homeroom_sids:
                continue  # a course section: it carries lessons, not class membership
            if kind == "student":
                if user in member and member[user][0] != cls:
                    self.p.add("enrollments.csv", rec.line, self.t["enrollments.csv"].column("classSourcedId"),
                               f"student {user!r} is also enrolled in homeroom class {member[user][0]!r} "
                               f"(line {member[user][1]})")
                member.setdefault(user, (cls, rec.line))
            elif kind == "teacher" and primary == "true":
                if cls in heads and heads[cls][0] != user:
                    self.p.add("enrollments.csv", rec.line, self.t["enrollments.csv"].column("userSourcedId"),
                               f"class {cls!r} already has primary teacher {heads[cls][0]!r} (line {heads[cls][1]})")
                heads.setdefault(cls, (user, rec.line))
        if role is None:  # no roles.csv: a user's role is what they are enrolled as
            role = {}
            for user, kinds in by_enrollment.items():
                found = kinds & {"student", "teacher"}
                if len(found) > 1:
                    self.p.add("users.csv", users[user].line, 0, f"user {user!r} is enrolled both as student and teacher")
                elif found:
                    role[user] = found.pop()
        return self._content(school, terms, homerooms, class_ids, users, user_ids, role, member, heads)

    def _roles(self) -> dict[str, str] | None:
        if "roles.csv" not in self.t:
            return None
        role: dict[str, str] = {}
        for rec in self.rows["roles.csv"].values():
            ok = self.ref("roles.csv", rec, "userSourcedId", "users.csv", "user")
            self.ref("roles.csv", rec, "orgSourcedId", "orgs.csv", "org")
            self.date("roles.csv", rec, "beginDate"), self.date("roles.csv", rec, "endDate")
            kind, user = rec.get("role").lower(), rec.get("userSourcedId")
            if ok and rec.get("roleType").lower() == "primary" and kind in ("student", "teacher"):
                if role.get(user, kind) != kind:
                    self.p.add("roles.csv", rec.line, self.t["roles.csv"].column("role"),
                               f"user {user!r} has primary roles student and teacher")
                role.setdefault(user, kind)
        return role

    def _content(self, school, terms, homerooms, class_ids, users, user_ids, role, member, heads):
        cur = self.current
        rooms = [dict(r) for r in cur["rooms"]]
        old_classes = {c["id"]: c for c in cur["classes"]}
        default_bs = cur["bell_schedules"][0]["id"] if cur["bell_schedules"] else None
        teachers, students = [], []
        old_teachers = {t["id"]: t for t in cur["teachers"]}
        old_students = {s["id"]: s for s in cur["students"]}
        for sid, rec in users.items():
            name = person_name(rec.get("givenName"), rec.get("familyName"))
            if role.get(sid) in ("student", "teacher") and not name:
                self.p.add("users.csv", rec.line, self.t["users.csv"].column("givenName"), f"user {sid!r} has no name")
            if role.get(sid) == "teacher":
                teachers.append(dict(old_teachers.get(user_ids[sid], {}), id=user_ids[sid], name=name[:200] or sid))
        classes = []
        for rec in homerooms:
            cid, old = class_ids[rec.get("sourcedId")], old_classes.get(class_ids[rec.get("sourcedId")], {})
            row: dict[str, Any] = {"id": cid, "name": rec.get("title")[:200] or cid}
            grade = rec.get("grades").split(",")[0].strip()
            if grade:
                row["grade"] = grade[:50]
            location = rec.get("location")
            row["home_room_id"] = room_for(rooms, location) if location else old.get("home_room_id")
            head = heads.get(rec.get("sourcedId"))
            if head and role.get(head[0]) != "teacher":
                self.p.add("enrollments.csv", head[1], self.t["enrollments.csv"].column("userSourcedId"),
                           f"user {head[0]!r} is the class's primary teacher but not a teacher")
            row["head_teacher_id"] = user_ids[head[0]] if head and role.get(head[0]) == "teacher" else None
            row["bell_schedule_id"] = old.get("bell_schedule_id", default_bs)
            classes.append(row)
        used = set()
        pending = []
        for sid, rec in users.items():
            if role.get(sid) != "student":
                continue
            if sid not in member:
                self.p.add("users.csv", rec.line, 0, f"student {sid!r} is not enrolled in any homeroom class")
                continue
            uid = user_ids[sid]
            row = {"id": uid, "name": person_name(rec.get("givenName"), rec.get("familyName"))[:200] or sid,
                   "class_id": class_ids[member[sid][0]]}
            row.update({k: v for k, v in old_students.get(uid, {}).items() if k not in row})  # marker, card
            if uid in old_students and "marker_id" in old_students[uid]:
                used.add(row["marker_id"])
            else:
                pending.append((row, rec.line))
            students.append(row)
        free = (m for m in range(1000) if m not in used)
        for row, line in pending:
            row["marker_id"] = next(free, None)
            if row["marker_id"] is None:
                self.p.add("users.csv", line, 0, "no free marker id left (0..999) for this student")
        proposed = dict(cur, school=school, calendar=dict(cur["calendar"], terms=terms), rooms=rooms,
                        classes=classes, teachers=teachers, students=students)
        return proposed, _tidy(proposed)


def _tidy(content: dict[str, Any]) -> dict[str, int]:
    """Lessons and overrides of classes that are gone go too; references to gone teachers are cleared."""
    classes = {c["id"] for c in content["classes"]}
    teachers = {t["id"] for t in content["teachers"]}
    notes = {}
    for section in ("lessons", "overrides"):
        kept = [dict(x) for x in content.get(section, []) if x["class_id"] in classes]
        notes[f"{section}_dropped_with_their_class"] = len(content.get(section, [])) - len(kept)
        cleared = 0
        for x in kept:
            if x.get("teacher_id") and x["teacher_id"] not in teachers:
                x["teacher_id"], cleared = None, cleared + 1
        notes[f"{section}_that_lost_their_teacher"] = cleared
        content[section] = kept
    return notes


def read_tables(path: Path, problems: Problems) -> dict[str, Table]:
    """The set's files as tables; raises ImportRejected when a needed file is missing or unreadable."""
    files = load_files(path, list(COLUMNS), problems)
    tables: dict[str, Table] = {}
    for name, columns in COLUMNS.items():
        if name in files:
            table = read_table(files[name], name, problems, required=columns)
            if table is not None:
                tables[name] = table
        elif name in NEEDED and path.exists():
            problems.add(name, 0, 0, "file is missing from the OneRoster set")
    if any(name not in tables for name in NEEDED):
        problems.raise_if_any()
    return tables


def read_oneroster(path: Path | str, current: dict[str, Any] | None = None) -> ImportResult:
    """Read a OneRoster 1.2 CSV set and propose the new school content; raises ImportRejected with every problem."""
    path = Path(path)
    problems = Problems()
    tables = read_tables(path, problems)
    reader = _Reader(tables, current if current is not None else current_content(), problems)
    proposed, notes = reader.read()
    problems.raise_if_any()
    return ImportResult(path.name, proposed, notes)
