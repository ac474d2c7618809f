from datetime import date, datetime, timedelta

from edge.store import models as m
from tests.conftest import SHANGHAI


def test_current_and_next_lesson(board, clock):
    current, upcoming = board.timetable.current_and_next(class_id="C101")
    assert current is not None and current.period == 4  # 第3节 is period index 4 (after 课间操)
    assert current.starts_at.astimezone(SHANGHAI).strftime("%H:%M") == "10:05"
    assert upcoming is not None and upcoming.period == 5
    lesson = m.Lesson.get((m.Lesson.class_group == "C101") & (m.Lesson.weekday == 2) & (m.Lesson.period == 4))
    assert current.subject == lesson.subject


def test_between_lessons_only_next(board, clock):
    clock.set(datetime(2026, 11, 24, 12, 30, tzinfo=SHANGHAI))  # 午休
    current, upcoming = board.timetable.current_and_next(class_id="C101")
    assert current is None and upcoming.period == 7


def test_friday_evening_next_is_monday(board, clock):
    clock.set(datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI))
    current, upcoming = board.timetable.current_and_next(class_id="C101")
    assert current is None
    assert upcoming.date == date(2026, 11, 30) and upcoming.period == 1


def test_odd_and_even_weeks_alternate(board):
    fridays = [date(2026, 11, 20), date(2026, 11, 27)]
    last = [board.timetable.lessons_on(d, class_id="C101")[-1].subject for d in fridays]
    assert sorted(last) == ["美术", "音乐"]
    weeks = [board.calendar.day(d).week for d in fridays]
    assert weeks[1] == weeks[0] + 1


def test_holiday_and_weekend_have_no_lessons(board):
    assert board.timetable.lessons_on(date(2026, 10, 2), class_id="C101") == []  # 国庆节
    assert board.timetable.lessons_on(date(2026, 11, 28), class_id="C101") == []  # Saturday
    assert board.calendar.day(date(2026, 10, 2)).reason == "国庆节"


def test_make_up_workday_follows_another_weekday(board):
    with board.db.atomic():
        m.Workday.create(date=date(2026, 11, 28), follows_weekday=1)  # Saturday follows Monday
    saturday = board.timetable.lessons_on(date(2026, 11, 28), class_id="C101")
    monday = board.timetable.lessons_on(date(2026, 11, 23), class_id="C101")
    assert [x.subject for x in saturday] == [x.subject for x in monday] and saturday


def test_override_cancel_and_replace(board):
    day = date(2026, 11, 25)
    m.LessonOverride.create(id="o1", date=day, class_group="C101", period=1, action="cancel")
    m.LessonOverride.create(id="o2", date=day, class_group="C101", period=2, action="replace", subject="班会")
    lessons = {x.period: x for x in board.timetable.lessons_on(day, class_id="C101")}
    assert 1 not in lessons
    assert lessons[2].subject == "班会" and lessons[2].changed


def test_room_view_shows_visiting_classes(board):
    week = board.timetable.week(room_id="LAB1")
    visitors = {x.class_id for lessons in week.values() for x in lessons}
    assert visitors == {"C101", "C102"}
    assert all(x.moved for lessons in week.values() for x in lessons)


def test_week_has_seven_days_and_lessons_on_weekdays(board):
    week = board.timetable.week(class_id="C101")
    assert len(week) == 7
    counts = [len(v) for v in week.values()]
    assert all(c >= 7 for c in counts[:5]) and counts[5:] == [0, 0]


def test_clock_before_term_has_no_lessons(board, clock):
    clock.set(datetime(2026, 8, 20, 9, 0, tzinfo=SHANGHAI))
    current, upcoming = board.timetable.current_and_next(class_id="C101")
    assert current is None and upcoming.date == date(2026, 9, 1)
    assert board.calendar.day(date(2026, 8, 20)).reason == "outside term"
    assert timedelta(0) < upcoming.starts_at - clock.now()
