"""Worked scenarios: each figure below is computed by hand from definitions 7 and 8 and the default policy.

The school has 8 classes (高一(1)–(8)班, C101–C108), 13 subjects and 13 teaching
teachers (the sample school's timetable). The period is ISO weeks 37–40 of 2026:

    W37  2026-09-07..11  5 school days
    W38  2026-09-14..18  5 school days, the mid-term exams (期中考试周)
    W39  2026-09-21..25  1 school day: 运动会 Tuesday–Friday → fewer than the policy's 2 days: a short week,
                         not required for 常态化 (its use still counts for 持续化)
    W40  2026-09-28..30  3 school days (国庆节 from 10-01)

Every class's board plays the planned 眼保健操 broadcast (initiator ``schedule``) every school day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.hub.usage import UsageBoard

SHANGHAI = ZoneInfo("Asia/Shanghai")
START, END = date(2026, 9, 7), date(2026, 10, 4)
MONDAYS = [date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21), date(2026, 9, 28)]
ROSTER = {"present": 40, "late": 1, "absent": 1, "leave": 0}  # a roll call recording 42 statuses
EYES = {"id": "B-EYE", "name": "眼保健操", "at": "14:45", "weekdays": [1, 2, 3, 4, 5],
        "media": {"url": "http://127.0.0.1/eyes.ogg", "sha256": "0" * 64}}


def school(two_terms: bool = False) -> dict:
    from classboard.sample import sample_school

    content = sample_school(today=date(2026, 9, 10), classes=8, students_per_class=3)
    content["calendar"]["holidays"].append({"name": "运动会", "start": "2026-09-22", "end": "2026-09-25"})
    if two_terms:
        content["calendar"]["terms"].append({"id": "TERM-2", "name": "2026-2027学年第二学期",
                                             "start": "2027-02-22", "end": "2027-07-09"})
    content["broadcasts"], content["notices"] = [EYES], []
    return content


def school_days() -> list[date]:
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    return [d for d in days if d.isoweekday() <= 5 and not date(2026, 9, 22) <= d <= date(2026, 9, 25)
            and d < date(2026, 10, 1)]


@pytest.fixture
def eight(hub_app):
    from hub.school import replace_school

    replace_school(school())
    return {f"C1{i:02d}": UsageBoard(f"cb-c1{i:02d}", f"C1{i:02d}") for i in range(1, 9)}


def report(as_of: date, **period):
    from hub.report.service import make_report

    return make_report(start=period.get("start", START.isoformat()), end=period.get("end", END.isoformat()),
                       as_of=as_of)


def week_use(boards: dict[str, UsageBoard]) -> None:
    """C101–C103 a roll call every Monday at 08:05 (C101 and C103 not in the short W39); C104 the same but not in
    the exam week W38; C105 only 0-second saves on a roster of 3 and a 0-second teacher session; C101's board also carries
    teacher T001's own 3-minute session every Wednesday 14:00 (W37, W38, W40); C106–C108 nothing of their own."""
    for day in school_days():
        for board in boards.values():
            board.use(day, "broadcast.played", 300, at=time(14, 45), initiator="schedule", data={"broadcast": "B-EYE"})
    for monday in MONDAYS:
        week = monday.isocalendar()[1]
        for cid in ("C101", "C102", "C103", "C104"):
            if (cid, week) in (("C101", 39), ("C103", 39), ("C104", 38)):
                continue
            boards[cid].use(monday, "attendance.session", 95, at=time(8, 5), data=ROSTER)
        boards["C105"].use(monday, "attendance.session", 0, at=time(8, 5), data={"present": 3})
        boards["C105"].use(monday, "teacher.session", 0, at=time(8, 10), data={"teacher": "T009"})
        if week != 39:
            boards["C101"].use(monday + timedelta(days=2), "teacher.session", 180, at=time(14, 0),
                               data={"teacher": "T001", "method": "card"})
    for board in boards.values():
        board.upload()


def levels(unit: dict) -> list[tuple[int, str]]:
    return [(w["units"], w["level"]) for w in unit["weeks"]]


def test_eight_classes_by_class_teacher_and_subject(eight):
    """Per class (8 classes; 规模化 needs share ≥ 1/4 and ≥ 3 classes, 普及化 ≥ 2/3):

    W37 C101 C102 C103 C104 → 4/8 = 50 %   → 规模化
    W38 C101 C102 C103      → 3/8 = 37.5 % → 规模化 (exactly the floor of 3)
    W39 C102 C104           → 2/8 = 25 %   → 未达标: a quarter, but fewer than 3 classes (short week, not required)
    W40 C101 C102 C103 C104 → 4/8          → 规模化
    常态化 (every required week: W37, W38, W40): C101 C102 C103 → 3/8 = 37.5 % → 规模化. C104 missed the exam
    week: not 常态化, still 持续化. 持续化 (term): C101–C104 → 4/8 → 规模化. C105's 0-second roll calls on a
    roster of 3 and its 0-second session never count; the daily broadcasts (112 = 14 school days × 8) never do.

    Per subject (13 taught; Monday period 1 is 化学 C101, 生物 C102, 历史 C103, 地理 C104; Wednesday
    14:00 on C101 is 物理): W37 化学 生物 历史 地理 物理 → 5/13 = 38.5 % 规模化; W38 化学 生物 历史 物理 → 4/13 =
    30.8 % 规模化; 常态化 化学 生物 历史 物理 → 4/13 → 规模化.
    Per teacher (13 who teach): the session names T001 (语文), not 物理's T004, so W37 T005 T006 T007 T008 T001
    → 5/13; 常态化 T005 T006 T007 T001 → 4/13 = 30.8 % → 规模化.
    """
    week_use(eight)
    figures = report(as_of=date(2026, 10, 5))
    assert [(w["week"], w["school_days"], w["short"]) for w in figures["weeks"]] == [
        ("2026-W37", 5, False), ("2026-W38", 5, False), ("2026-W39", 1, True), ("2026-W40", 3, False)]
    classes = figures["points"]["2.1.10"]["units"]["class"]
    assert levels(classes) == [(4, "规模化"), (3, "规模化"), (2, "未达标"), (4, "规模化")]
    members = {m["id"]: m for m in classes["members"]}
    assert [m for m in members if members[m]["常态化"]] == ["class:C101", "class:C102", "class:C103"]
    assert not members["class:C104"]["常态化"] and members["class:C104"]["持续化_学期"]
    assert members["class:C101"]["weeks"] == 3 and classes["grid"]["class:C101"] == [1, 1, 0, 1]
    assert not members["class:C105"]["持续化_学期"] and not members["class:C108"]["持续化_学期"]
    assert classes["常态化"] == {"units": 3, "share": 0.375, "level": "规模化"}
    assert classes["持续化_学期"] == {"units": 4, "share": 0.5, "level": "规模化"}
    assert classes["weeks_required"] == 3 and classes["weeks_规模化_or_better"] == 3 and classes["weeks_普及化"] == 0

    subjects = figures["points"]["2.1.10"]["units"]["subject"]
    assert subjects["total"] == 13 and levels(subjects)[:2] == [(5, "规模化"), (4, "规模化")]
    assert sorted(m["name"] for m in subjects["members"] if m["常态化"]) == sorted(["化学", "生物", "历史", "物理"])
    assert subjects["常态化"] == {"units": 4, "share": 0.3077, "level": "规模化"}
    teachers = figures["points"]["2.1.10"]["units"]["teacher"]
    assert teachers["total"] == 13 and levels(teachers)[0] == (5, "规模化")
    assert sorted(m["id"] for m in teachers["members"] if m["常态化"]) == [
        "teacher:T001", "teacher:T005", "teacher:T006", "teacher:T007"]
    assert not next(m for m in teachers["members"] if m["id"] == "teacher:T004")["持续化_学期"]

    # what the schedule did on its own is shown, never counted
    assert figures["records_by_initiator"]["schedule"] == {"broadcast.played": 112}
    assert figures["broadcasts_3_6_2"] == [{"initiator": "schedule", "broadcast": "B-EYE", "name": "眼保健操",
                                           "purpose": "眼保健操", "plays": 112}]
    row = next(r for r in figures["summary"] if (r["point"], r["unit"]) == ("2.1.10", "class"))
    assert row["level"] == "规模化" and row["常态化"] == "3/8" and row["weeks_required"] == 3


def test_scheduled_broadcasts_alone_are_no_participation(eight):
    """Only the daily 眼保健操 plays on every board (initiator schedule): 0 of 8 classes take part in any week for
    2.1.10, and 2.4.5 文化生活 has no record of its kinds at all → 不能提供证据, never 未达标."""
    for day in school_days():
        for board in eight.values():
            board.use(day, "broadcast.played", 300, at=time(14, 45), initiator="schedule", data={"broadcast": "B-EYE"})
    for board in eight.values():
        board.upload()
    figures = report(as_of=date(2026, 10, 5))
    classes = figures["points"]["2.1.10"]["units"]["class"]
    assert all(w["units"] == 0 for w in classes["weeks"]) and classes["持续化_学期"]["units"] == 0
    assert figures["points"]["2.4.5"]["evidenced_by_boards"] is False
    assert figures["points"]["2.4.5"]["units"]["class"]["level"] == "不能提供证据"
    assert {w["level"] for w in figures["points"]["2.4.5"]["units"]["class"]["weeks"]} == {"不能提供证据"}


def test_future_weeks_are_not_yet_not_missed(eight):
    """Made on Wednesday 2026-09-16 (W38): W37 is past, W38 current, W39 and W40 未到.

    C104 has not yet had its W38 roll call: the current week unmet is not required, so C104 is still 常态化
    (its one required week W37 was met): 常态化 C101–C104 → 4/8 = 50 % → 规模化; grid C104 = [1, 0, -1, -1].
    """
    week_use(eight)
    figures = report(as_of=date(2026, 9, 16))
    classes = figures["points"]["2.1.10"]["units"]["class"]
    assert [w["state"] for w in classes["weeks"]] == ["past", "current", "future", "future"]
    assert [w["level"] for w in classes["weeks"]][2:] == ["未到", "未到"]
    assert classes["grid"]["class:C104"] == [1, 0, -1, -1] and classes["weeks_future"] == 2
    assert classes["常态化"] == {"units": 4, "share": 0.5, "level": "规模化"}


def test_a_school_year_spans_two_terms(hub_app):
    """TERM-1 2026-09-01..2027-01-20, TERM-2 2027-02-22..2027-07-09: one school year 2026-2027.

    C101 took a roll call only in September 2026; C102 only in March 2027. For TERM-2 (made 2027-07-20):
    持续化 per term C102 → 1/8 (未达标); per school year C101 and C102 → 2/8 = 25 % but fewer than 3 → 未达标.
    """
    from hub.report.service import make_report
    from hub.school import replace_school

    replace_school(school(two_terms=True))
    boards = {cid: UsageBoard(f"cb-{cid.lower()}", cid) for cid in ("C101", "C102")}
    boards["C101"].use(date(2026, 9, 7), "attendance.session", 60, at=time(8, 5), data=ROSTER)
    boards["C102"].use(date(2027, 3, 8), "attendance.session", 60, at=time(8, 5), data=ROSTER)
    for board in boards.values():
        board.upload()
    figures = make_report(term="TERM-2", as_of=date(2027, 7, 20))
    assert figures["school_year"] == {"from": "2026-09-01", "to": "2027-07-09", "name": "2026-2027学年"}
    classes = figures["points"]["2.1.10"]["units"]["class"]
    assert classes["持续化_学期"] == {"units": 1, "share": 0.125, "level": "未达标"}
    assert classes["持续化_学年"] == {"units": 2, "share": 0.25, "level": "未达标"}
    by_id = {m["id"]: m for m in classes["members"]}
    assert by_id["class:C101"]["持续化_学年"] and not by_id["class:C101"]["持续化_学期"]


def test_a_point_becomes_evidence_when_its_records_appear(eight):
    """2.6.3 网络学习空间 counts students' own sessions (``student.session`` ≥ 60 s, among others), which no board
    writes yet: 不能提供证据, never 未达标. When one student's 90-second session arrives from C101 (W37) the same
    code reports it: 1/8 in W37 → 未达标, evidenced; the per-subject unit finds Wednesday 10:05's lesson."""
    week_use(eight)
    before = report(as_of=date(2026, 10, 5))["points"]["2.6.3"]
    assert before["evidenced_by_boards"] is False and before["units"]["class"]["level"] == "不能提供证据"
    assert report(as_of=date(2026, 10, 5))["points"]["2.3.2"]["units"]["class"]["level"] == "不能提供证据"
    eight["C101"].use(date(2026, 9, 9), "student.session", 90, at=time(10, 10), initiator="student",
                      data={"screen": "corner"})
    eight["C101"].upload()
    after = report(as_of=date(2026, 10, 5))["points"]["2.6.3"]
    assert after["evidenced_by_boards"] is True
    assert levels(after["units"]["class"])[0] == (1, "未达标") and after["units"]["class"]["level"] == "未达标"
    assert after["units"]["subject"]["weeks"][0]["units"] == 1


def test_coverage_domestic_share_and_availability(eight):
    """Boards of C101–C106 were heard from at 10:00 on 2026-09-08 (school hours), C107's only at 22:00, C108's
    never: coverage 6/8. Hardware: C101–C103 rockchip, C104 brcm, C105 authenticamd, C106–C108 never reported →
    3 domestic of 5 reporting = 60 %: ≥ 1/4, < 2/3 → 规模化. School hours: 14 days × 11 clock hours = 154."""
    import json

    from hub import health_history
    from hub.models import Board

    at = datetime(2026, 9, 8, 10, 0, tzinfo=SHANGHAI)
    health_history.note_many([(f"cb-c1{i:02d}", at) for i in range(1, 7)]
                             + [("cb-c107", datetime(2026, 9, 8, 22, 0, tzinfo=SHANGHAI))])
    vendors = {"cb-c101": "rockchip", "cb-c102": "rockchip", "cb-c103": "rockchip", "cb-c104": "brcm",
               "cb-c105": "authenticamd"}
    for board_id, vendor in vendors.items():
        Board.update(health=json.dumps({"hardware": {"soc_vendor": vendor, "soc": "x"}})).where(
            Board.id == board_id).execute()
    figures = report(as_of=date(2026, 10, 5))
    coverage = figures["coverage"]
    assert (coverage["classes_covered"], coverage["classes_total"], coverage["share"]) == (6, 8, 0.75)
    assert coverage["level"] == "缺 2 个班" and "教学班级配备公用交互终端（电子班牌）" in coverage["clause"]
    share = figures["domestic_share"]
    assert (share["domestic"], share["reported"], share["not_reported"], share["share"], share["level"]) == (
        3, 5, 3, 0.6, "规模化")
    availability = {a["board"]: a for a in figures["availability"]}
    assert availability["cb-c101"]["hours_online"] == 1 and availability["cb-c101"]["school_hours"] == 154
    assert availability["cb-c107"]["hours_online"] == 0
    row = next(r for r in figures["summary"] if r["point"] == "3.3.3")
    assert row["level"] == "规模化" and row["常态化"] == "3/5"


def test_retention_prunes_logs_older_than_the_setting(eight):
    """Records, health hours, command and access logs older than retention_days go; newer stay; < 180 refused."""
    from hub.access_log import log_access
    from hub.models import AccessLog, BoardHour, CommandLog, UsageRecord
    from hub.retention import RetentionError, prune, retention_days
    from hub import health_history

    eight["C101"].use(date(2026, 9, 7), "attendance.session", 60, at=time(8, 5), data=ROSTER)
    eight["C101"].upload()
    health_history.note("cb-c101", datetime(2026, 9, 7, 2, 0, tzinfo=timezone.utc))
    CommandLog.create(at=datetime(2026, 9, 7), user="admin", target="*", command="volume")
    log_access("login", actor="admin", address="127.0.0.1", ok=True)
    AccessLog.update(at=datetime(2026, 9, 7)).execute()
    assert prune(400, now=datetime(2027, 9, 1, tzinfo=timezone.utc)) == {
        "usage_records": 0, "health_hours": 0, "command_log": 0, "access_log": 0}
    removed = prune(400, now=datetime(2027, 10, 13, tzinfo=timezone.utc))  # 401 days later
    assert removed == {"usage_records": 1, "health_hours": 1, "command_log": 1, "access_log": 1}
    assert UsageRecord.select().count() == BoardHour.select().count() == 0
    with pytest.raises(RetentionError, match="≥ 180"):
        retention_days({"retention_days": 90})
    with pytest.raises(RetentionError):
        prune(30)
    assert retention_days({}) == 400


def test_a_make_up_workday_follows_the_timetable_it_names(hub_app, monkeypatch):
    """调休: Sunday 2026-09-27 is a school day that follows Monday's timetable.

    W39 then has 2 school days (Monday 09-21 and Sunday 09-27; 运动会 Tuesday–Friday), no longer a short week.
    C106 calls the roll at 08:05 on that Sunday: Monday period 1 (08:00–08:45) is C106's 体育 with T010, so the
    record counts for class C106, subject 体育 and teacher T010 in W39. C107 calls the roll at 08:05 on Sunday
    09-20, an ordinary Sunday: no lesson, so it counts for class C107 (W38) only, never for its Monday 音乐/T011.
    The verifier's plain-Python recount gives the same figures as the hub's SQL.
    """
    from hub.report import tally
    from hub.report.compute import Counts, build_report
    from hub.report.service import make_report, report_inputs
    from hub.report.source import wire_records
    from hub.school import replace_school

    content = school()
    content["calendar"]["workdays"] = [{"date": "2026-09-27", "follows_weekday": 1}]
    replace_school(content)
    boards = {c: UsageBoard(f"cb-{c.lower()}", c) for c in ("C106", "C107")}
    boards["C106"].use(date(2026, 9, 27), "attendance.session", 95, at=time(8, 5), data=ROSTER)
    boards["C107"].use(date(2026, 9, 20), "attendance.session", 95, at=time(8, 5), data=ROSTER)
    for board in boards.values():
        board.upload()
    monkeypatch.setattr(tally, "LAG", timedelta(0))
    inputs = report_inputs(start=START.isoformat(), end=END.isoformat(), as_of=date(2026, 10, 5))
    figures = make_report(inputs=inputs)
    assert [(w["week"], w["school_days"], w["short"]) for w in figures["weeks"]][2] == ("2026-W39", 2, False)
    units = figures["points"]["2.1.10"]["units"]
    assert units["class"]["grid"]["class:C106"] == [0, 0, 1, 0]
    assert units["class"]["grid"]["class:C107"] == [0, 1, 0, 0]
    assert units["subject"]["grid"]["subject:体育"] == [0, 0, 1, 0]
    assert units["teacher"]["grid"]["teacher:T010"] == [0, 0, 1, 0]
    assert not any(units["subject"]["grid"]["subject:音乐"]) and not any(units["teacher"]["grid"]["teacher:T011"])
    recount = Counts()
    for board in boards.values():
        recount.add(list(wire_records(board.id)), inputs["rules"], SHANGHAI, inputs)
    assert build_report(recount, inputs, figures["title"]) == figures
