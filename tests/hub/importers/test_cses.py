import pytest

from hub.importers import read_any
from hub.importers.apply import is_noop, run
from hub.importers.cses import read_cses
from hub.importers.errors import ImportRejected

# like the CSES project's example; times unquoted on purpose (YAML 1.1 would read 10:00:00 as 36000)
SAMPLE = """\
version: 1
subjects:
  - name: 数学
    simplified_name: 数
    teacher: 李梅
    room: "101"
  - name: 语文
    teacher: {chinese}
  - name: 物理
    teacher: 赵军
    room: 物理实验室
schedules:
  - name: 星期一
    enable_day: 1
    weeks: all
    classes:
      - subject: 数学
        start_time: "08:00:00"
        end_time: "08:45:00"
      - subject: 语文
        start_time: 08:55:00
        end_time: 09:40:00
      - subject: 语文
        start_time: 10:00:00
        end_time: 10:45:00
  - name: 星期二-单周
    enable_day: 2
    weeks: odd
    classes:
      - subject: 物理
        start_time: "08:00:00"
        end_time: "08:45:00"
  - name: 星期二-双周
    enable_day: 2
    weeks: even
    classes:
      - subject: 数学
        start_time: "08:00"
        end_time: "08:45"
"""


def write(tmp_path, text, name="c101.cses.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path, class_id="C101"):
    with pytest.raises(ImportRejected) as caught:
        read_cses(path, class_id)
    return [str(p) for p in caught.value.problems]


def test_cses_odd_even_weeks_for_a_class(ctx, tmp_path):
    from hub.bundles import school_content
    chinese = next(t for t in school_content()["teachers"] if t["id"] == "T001")["name"]  # an existing teacher
    path = write(tmp_path, SAMPLE.format(chinese=chinese))
    run(read_any("timetable", path, "C101"), dry_run=False)
    school = school_content()
    lessons = {x["id"]: x for x in school["lessons"] if x["class_id"] == "C101"}
    assert set(lessons) == {"L-C101-1-1", "L-C101-1-2", "L-C101-1-3", "L-C101-2-1-odd", "L-C101-2-1-even"}
    assert lessons["L-C101-2-1-odd"]["subject"] == "物理" and lessons["L-C101-2-1-odd"]["room_id"] == "LAB1"
    assert lessons["L-C101-2-1-even"]["subject"] == "数学" and lessons["L-C101-2-1-even"]["weeks"] == "even"
    assert lessons["L-C101-1-2"]["teacher_id"] == "T001"  # matched by name
    new = {t["name"]: t["id"] for t in school["teachers"] if t["id"].startswith("T-")}
    assert set(new) == {"李梅", "赵军"} and lessons["L-C101-1-1"]["teacher_id"] == new["李梅"]
    assert any(r["id"] == "101" for r in school["rooms"])
    c101 = next(c for c in school["classes"] if c["id"] == "C101")
    schedule = next(b for b in school["bell_schedules"] if b["id"] == c101["bell_schedule_id"])
    assert schedule["id"] == "BS-C101"
    assert [(p["index"], p["start"], p["end"]) for p in schedule["periods"]] == \
        [(1, "08:00", "08:45"), (2, "08:55", "09:40"), (3, "10:00", "10:45")]
    assert sum(1 for x in school["lessons"] if x["class_id"] == "C102") == 36
    assert is_noop(run(read_cses(path, "C101"), dry_run=True))


def test_bad_time_reported_with_its_line(ctx, tmp_path):
    text = SAMPLE.format(chinese="王芳").replace('end_time: "08:45:00"\n      - subject: 语文',
                                                 'end_time: "8:75:00"\n      - subject: 语文', 1)
    found = problems_of(write(tmp_path, text))
    assert found == ["c101.cses.yaml:19:19: end_time '8:75:00' is not a time (HH:MM:SS)"]


def test_other_problems_with_lines(ctx, tmp_path):
    text = SAMPLE.format(chinese="王芳").replace("enable_day: 2\n    weeks: odd", "enable_day: 9\n    weeks: odd") \
        .replace("subject: 物理", "subject: 化学").replace("start_time: 10:00:00", "start_time: 09:30:00") \
        .replace('start_time: "08:00"\n        end_time: "08:45"', 'start_time: "09:00"\n        end_time: "08:45"')
    found = problems_of(write(tmp_path, text))
    assert "c101.cses.yaml:27:17: enable_day '9' is not a weekday 1–7" in found
    assert "c101.cses.yaml:30:18: subject '化学' is not in subjects" in found
    assert "c101.cses.yaml:23:0: time slot 09:30–10:45 overlaps 08:55–09:40 (line 20)" in found
    assert "c101.cses.yaml:37:9: class ends (08:45) before it starts (09:00)" in found


def test_unknown_class_bad_yaml_and_aliases(ctx, tmp_path):
    assert "c101.cses.yaml:0:0: class 'C999' does not exist (give an existing class id with --class)" in \
        problems_of(write(tmp_path, SAMPLE.format(chinese="x")), "C999")
    assert problems_of(write(tmp_path, "version: 1\nsubjects: [\n"))[0].startswith("c101.cses.yaml:3:1: not valid YAML")
    bomb = "version: 1\na: &a [x, x]\nb: &b [*a, *a]\nsubjects: []\nschedules: []\n"
    assert "aliases" in problems_of(write(tmp_path, bomb))[0]
    with pytest.raises(ImportRejected, match="1 problem"):
        read_any("timetable", write(tmp_path, SAMPLE.format(chinese="x")), None)
