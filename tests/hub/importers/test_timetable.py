import json

import pytest

from hub.importers.apply import is_noop, run
from hub.importers.errors import ImportRejected
from hub.importers.timetable import read_timetable_csv

HEADER = "class,weekday,period,subject,teacher,room,weeks,start,end,moving\n"


def write(tmp_path, body, name="课表.csv"):
    path = tmp_path / name
    path.write_bytes(("\ufeff" + HEADER + body).replace("\n", "\r\n").encode("utf-8"))
    return path


def problems_of(path):
    with pytest.raises(ImportRejected) as caught:
        read_timetable_csv(path)
    return [str(p) for p in caught.value.problems]


def content():
    from hub.bundles import school_content
    return school_content()


BOTH_CLASSES = """C101,1,1,语文,T001,,,08:00,08:45,
C101,周一,2,数学,T002,,,08:55,09:40,
C101,星期二,1,物理,T004,物理实验室,,08:00,08:45,是
C101,5,2,美术,T012,,单,08:55,09:40,
C101,Fri,2,音乐,T011,,even,,,
C102,1,1,数学,T002,,,08:00,08:45,
C102,1,2,体育,T010,GYM,all,08:55,09:40,yes
"""


def test_parity_moving_and_shared_bell_times(ctx, tmp_path):
    path = write(tmp_path, BOTH_CLASSES)
    run(read_timetable_csv(path), dry_run=False)
    school = content()
    lessons = {x["id"]: x for x in school["lessons"]}
    assert set(lessons) == {"L-C101-1-1", "L-C101-1-2", "L-C101-2-1", "L-C101-5-2-odd", "L-C101-5-2-even",
                            "L-C102-1-1", "L-C102-1-2"}
    assert lessons["L-C101-5-2-odd"]["weeks"] == "odd" and lessons["L-C101-5-2-even"]["subject"] == "音乐"
    assert lessons["L-C101-2-1"]["room_id"] == "LAB1"  # 走班: the room found by its name
    assert lessons["L-C101-1-2"]["teacher_id"] == "T002"
    schedules = {b["id"]: b for b in school["bell_schedules"]}
    assert set(schedules) == {"BS-HIGH", "BS-IMPORT"}  # both classes share the times: one schedule
    assert [(p["index"], p["name"], p["start"], p["end"], p["kind"]) for p in schedules["BS-IMPORT"]["periods"]] \
        == [(1, "第1节", "08:00", "08:45", "lesson"), (2, "第2节", "08:55", "09:40", "lesson")]
    assert {c["bell_schedule_id"] for c in school["classes"]} == {"BS-IMPORT"}
    first = json.dumps(school, sort_keys=True)
    assert is_noop(run(read_timetable_csv(path), dry_run=False))
    assert json.dumps(content(), sort_keys=True) == first


def test_per_class_schedules_new_rooms_and_other_classes_kept(ctx, tmp_path):
    path = write(tmp_path, "C101,1,1,语文,T001,Room 9,,07:50,08:35,\nC101,1,2,数学,T002,,,08:45,09:30,\n")
    result = read_timetable_csv(path)
    assert result.notes["rooms_created"] == 1
    run(result, dry_run=False)
    school = content()
    c101 = next(c for c in school["classes"] if c["id"] == "C101")
    assert c101["bell_schedule_id"] == "BS-C101"
    assert sum(1 for x in school["lessons"] if x["class_id"] == "C101") == 2
    assert sum(1 for x in school["lessons"] if x["class_id"] == "C102") == 36  # untouched
    assert any(r["name"] == "Room 9" for r in school["rooms"])


def test_lessons_without_times_must_fit_the_class_schedule(ctx, tmp_path):
    path = write(tmp_path, "C101,1,1,语文,T001,,,,,\nC101,1,12,数学,T002,,,,,\n")
    assert problems_of(path) == ["课表.csv:3:3: period 12 of class C101 is not in the class's bell schedule "
                                 "'BS-HIGH'"]


def test_duplicate_slot_names_both_lines(ctx, tmp_path):
    path = write(tmp_path, "C101,1,1,语文,T001,,,,,\nC101,1,2,数学,T002,,odd,,,\nC101,周一,1,英语,T003,,,,,\n"
                           "C101,1,2,化学,T005,,,,,\n")
    found = problems_of(path)
    assert "课表.csv:4:0: class C101 has two lessons on weekday 1 period 1 (lines 2 and 4)" in found
    assert "课表.csv:5:0: class C101 has two lessons on weekday 1 period 2 (lines 3 and 5)" in found


def test_row_problems_are_all_reported_and_nothing_changes(ctx, tmp_path):
    before = json.dumps(content(), sort_keys=True)
    path = write(tmp_path, "C101,1,1,语文,无名老师,,,,,\nC999,8,0,,T001,,sometimes,8:00,7:00,\n"
                           "C101,2,1,体育,T010,R101,,,,是\nC101,2,2,体育,T010,,,,,yes\n")
    found = problems_of(path)
    assert "课表.csv:2:5: teacher '无名老师' does not exist (import the roster first, or use an existing id or name)" \
        in found
    assert "课表.csv:3:1: class 'C999' does not exist" in found
    assert "课表.csv:3:2: weekday '8' is not 1–7, 周一–周日 or Mon–Sun" in found
    assert "课表.csv:3:3: period '0' is not a number from 1 to 30" in found
    assert "课表.csv:3:4: subject is empty" in found
    assert "课表.csv:3:7: weeks 'sometimes' is not all, odd or even (单/双)" in found
    assert "课表.csv:3:9: period ends (07:00) before it starts (08:00)" in found
    assert any(p.startswith("课表.csv:4:6: a moving (走班) lesson is in another room") for p in found)
    assert "课表.csv:5:6: a moving (走班) lesson needs a room" in found
    assert json.dumps(content(), sort_keys=True) == before


def test_conflicting_times_and_unknown_columns(ctx, tmp_path):
    path = write(tmp_path, "C101,1,1,语文,T001,,,08:00,08:45,\nC101,2,1,数学,T002,,,08:05,08:45,\n")
    assert "课表.csv:3:8: period 1 of class C101 is 08:00–08:45 on line 2, here 08:05–08:45" in problems_of(path)
    bad = tmp_path / "x.csv"
    bad.write_text("class,weekday,period,subject,lehrer\n", encoding="utf-8")
    assert problems_of(bad)[0].startswith("x.csv:1:5: unknown column 'lehrer'")
