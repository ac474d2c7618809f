import json
import zipfile

import pytest

from hub.importers import csvfile
from hub.importers.apply import is_noop, run
from hub.importers.errors import ImportRejected
from hub.importers.oneroster import person_name, read_oneroster

from .conftest import HEADERS, csv_bytes, rows, write_set


def stored():
    from hub.bundles import school_content
    return json.dumps(school_content(), sort_keys=True, ensure_ascii=False)


def problems_of(path):
    with pytest.raises(ImportRejected) as caught:
        read_oneroster(path)
    return [str(p) for p in caught.value.problems]


def test_dry_run_counts_and_changes_nothing(ctx, roster):
    before = stored()
    counts = run(read_oneroster(roster), dry_run=True)
    assert stored() == before
    assert counts["classes"] == {"added": 2, "changed": 1, "removed": 1, "unchanged": 0}  # C101 kept, C102 gone
    assert counts["students"]["added"] == 9 and counts["students"]["removed"] == 89
    assert counts["teachers"] == {"added": 3, "changed": 0, "removed": 15, "unchanged": 0}
    assert counts["rooms"] == {"added": 1, "changed": 0, "removed": 0, "unchanged": 4}


def test_import_maps_the_school_and_reimport_is_idempotent(ctx, roster):
    result = read_oneroster(roster)
    assert result.notes["lessons_dropped_with_their_class"] == 36  # C102's timetable went with C102
    run(result, dry_run=False)
    from hub.bundles import school_content
    school = school_content()
    assert school["school"]["name"] == "南宁市示范中学"
    assert school["school"]["timezone"] == "Asia/Shanghai"  # kept: OneRoster has no time zone
    assert [t["name"] for t in school["calendar"]["terms"]] == ["2026-2027学年第一学期"]  # not the school year
    assert school["calendar"]["holidays"]  # holidays are not OneRoster's to replace
    teachers = {t["id"]: t["name"] for t in school["teachers"]}
    assert teachers == {"t-li": "李梅", "t-zhang": "Wei Zhang", "t-wang": "王芳"}
    classes = {c["id"]: c for c in school["classes"]}
    assert classes["C101"]["head_teacher_id"] == "t-li" and classes["C101"]["bell_schedule_id"] == "BS-HIGH"
    assert classes["HR-2"]["home_room_id"] == "R102"  # location matched the room by its name
    assert classes["HR-3"]["name"] == '高一(3)班, "实验"\n班'
    new_room = next(r for r in school["rooms"] if r["name"] == "Room 203")
    assert classes["HR-3"]["home_room_id"] == new_room["id"]
    students = {s["id"]: s for s in school["students"]}
    assert students["S1001"]["marker_id"] == 0 and students["S1001"]["name"] == "陈小明"  # marker kept
    assert sorted(s["marker_id"] for s in students.values()) == list(range(10))  # new ones: lowest free
    assert students["stu_07_x"]["class_id"] == "HR-3"  # 'stu/07@x' mapped to a valid id
    assert students["s-03"]["name"] == "Amy Lee"
    assert {x["class_id"] for x in school["lessons"]} == {"C101"}
    assert all(x["teacher_id"] is None for x in school["lessons"])  # sample teachers are gone
    first = stored()
    again = read_oneroster(roster)
    counts = run(again, dry_run=False)
    assert is_noop(counts) and stored() == first


def test_missing_class_in_enrollments_is_rejected_with_its_position(ctx, roster):
    data = rows()
    data["enrollments.csv"][5][3] = "K9"  # line 7: header + 5 rows before it
    data["academicSessions.csv"][1][5] = "2026/09/01"
    data["users.csv"].append(["s-11", "active", "", "true", "s-11", "", "无", "班"] + [""] * 15)
    data["roles.csv"].append(["r-s-11", "active", "", "s-11", "primary", "student", "", "", "ORG-1", ""])
    folder = write_set(roster.parent / "bad", data)
    before = stored()
    found = problems_of(folder)
    column = HEADERS["enrollments.csv"].split(",").index("classSourcedId") + 1
    assert f"enrollments.csv:7:{column}: class 'K9' does not exist" in found
    assert "academicSessions.csv:3:6: startDate '2026/09/01' is not a date (YYYY-MM-DD)" in found
    assert any("student 's-11' is not enrolled in any homeroom class" in p for p in found)
    assert stored() == before


def test_multiline_record_shifts_the_reported_line(ctx, roster):
    data = rows()
    data["classes.csv"][2][9] = "ORG-X"  # HR-3 (line 4, whose title spans two lines)
    data["classes.csv"][3][9] = "ORG-Y"  # the section, which starts on line 6
    found = problems_of(write_set(roster.parent / "ml", data))
    assert "classes.csv:4:10: org 'ORG-X' does not exist" in found
    assert "classes.csv:6:10: org 'ORG-Y' does not exist" in found


def test_tobedeleted_rows_are_skipped_and_roles_can_come_from_enrollments(ctx, roster):
    data = rows()
    data.pop("roles.csv")
    for row in data["enrollments.csv"]:
        if row[5] == "s-10":
            row[1] = "tobedeleted"
    for row in data["users.csv"]:
        if row[0] == "s-10":
            row[1] = "tobedeleted"
    folder = write_set(roster.parent / "noroles", data)
    (folder / "roles.csv").unlink(missing_ok=True)
    proposed = read_oneroster(folder).proposed
    assert "s-10" not in {s["id"] for s in proposed["students"]}
    assert len(proposed["students"]) == 9 and len(proposed["teachers"]) == 3


def test_zip_in_a_subfolder_and_traversal_names_ignored(ctx, roster, tmp_path):
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, body in rows().items():
            z.writestr(f"export-2026/{name}", csv_bytes(HEADERS[name], body))
        z.writestr("../orgs.csv", b"garbage")
        z.writestr("../../evil.csv", b"evil")
        z.writestr("a/b/users.csv", b"too deep")
    result = read_oneroster(archive)
    assert result.source == "roster.zip" and len(result.proposed["students"]) == 10
    assert not (tmp_path.parent / "evil.csv").exists() and not (tmp_path.parent / "orgs.csv").exists()
    run(result, dry_run=False)
    assert is_noop(run(read_oneroster(roster), dry_run=True))  # the zip and the folder say the same


def test_zip_bomb_and_bad_zip_refused(ctx, roster, tmp_path, monkeypatch):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in rows().items():
            z.writestr(name, csv_bytes(HEADERS[name], body))
        z.writestr("users.csv.bak", b"0" * 1000)
    monkeypatch.setattr(csvfile, "MAX_ZIP_BYTES", 2000)
    assert any("more than 2000 bytes" in p for p in problems_of(archive))
    (tmp_path / "not.zip").write_bytes(b"PK nonsense")
    assert any("not a readable zip" in p for p in problems_of(tmp_path / "not.zip"))


def test_manifest_version_and_missing_files(ctx, roster):
    data = rows()
    data["manifest.csv"][1][1] = "1.1"
    data["manifest.csv"].append(["file.enrollments", "delta"])
    folder = write_set(roster.parent / "old", data)
    found = problems_of(folder)
    assert "manifest.csv:3:2: OneRoster version '1.1'; only 1.2 is supported" in found
    assert any("enrollments is a delta file" in p for p in found)
    (folder / "users.csv").unlink()
    assert "users.csv:0:0: file is missing from the OneRoster set" in problems_of(folder)


def test_names():
    assert person_name("小明", "王") == "王小明"
    assert person_name("Ming", "王") == "Ming 王"
    assert person_name("", "Smith") == "Smith"
