"""A term of use played through a real board, so the demo's report means something in the first minute.

Run once per demo board before it starts (``python -m classboard.history``,
with the board's own environment): the board enrolls, pulls its bundle, and
then lives the term so far on a fake clock — roll calls through its RollCall
service, teachers' sessions through its TeacherDesk, check-ins and planned
broadcasts through ``board.usage.record`` — and uploads everything through
the real sync path, so the hub holds the board's records signed exactly as the
protocol signs them. Nothing here builds a record or a signature itself.

Each class has its own habits (``HABITS``); the 国庆节 holiday comes from the
calendar; term week 9 is the 期中考试 week (exams, no lessons at the board);
a few weeks per class are "scheduled-only": the daily 眼保健操 still plays,
nobody uses the board, and the report must show those weeks as not taken part.
"""
from __future__ import annotations

import random
import sys
from time import monotonic
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EXAM_WEEK = 9  # 期中考试: the ninth teaching week of the term
HABITS = [  # per class, by its index in the school: roll-call weekdays, teacher sessions a week, quiet weeks
    {"roll_call_days": (1, 2, 3, 4, 5), "sessions": 3, "scheduled_only": (13,)},
    {"roll_call_days": (1, 4), "sessions": 1, "scheduled_only": (6, 12, 15)},
    {"roll_call_days": (2,), "sessions": 2, "scheduled_only": (3, 4, 5)},
    {"roll_call_days": (), "sessions": 1, "scheduled_only": (7,)},
]


def school_days(board, first: date, last: date) -> list[date]:
    return [d for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
            if board.calendar.day(d).is_school_day]


def play(board, clock, first: date, last: date, index: int, seed: int = 7) -> int:
    """Live [first, last] on the board's fake clock; returns how many records it wrote."""
    from edge.store import models as m

    rng = random.Random(seed * 100 + index)
    habit = HABITS[index % len(HABITS)]
    zone: ZoneInfo = board.zone
    roster = [s.id for s in board.rollcall.roster(board.class_id)]
    teachers = list(m.Teacher.select())
    before = board.usage.outbox_depth()
    at = lambda day, hh, mm: datetime.combine(day, time(hh, mm), zone)  # noqa: E731
    for day in school_days(board, first, last):
        week = board.calendar.day(day).week or 1
        clock.set(at(day, 7, 35))
        for student in rng.sample(roster, k=min(len(roster), rng.randint(3, 12))):  # card taps at the door
            clock.advance(rng.uniform(1, 8))
            board.usage.record("checkin", initiator="student", class_id=board.class_id,
                               data={"kind": "arrival", "method": "card"}, at=clock.now())
        clock.set(at(day, 14, 45))
        board.usage.record("broadcast.played", initiator="schedule", class_id=board.class_id, duration_s=300,
                           data={"broadcast": "B-EYE"}, at=clock.now())
        if week == EXAM_WEEK or week in habit["scheduled_only"]:
            continue
        if day.isoweekday() in habit["roll_call_days"] and roster:
            clock.set(at(day, 8, 2))
            absent = rng.sample(roster, k=rng.choice((0, 0, 1, 2)))
            board.rollcall.save(board.class_id, teachers[0].id if teachers else None,
                                {sid: "absent" for sid in absent}, period=1, started_at=clock.now())
            clock.advance(rng.randint(40, 150))
        if teachers and rng.random() < habit["sessions"] / 5:
            clock.set(at(day, rng.choice((10, 14, 16)), rng.randint(0, 30)))
            board.teachers.login_card(rng.choice(teachers))
            clock.advance(rng.randint(150, 600))
            board.teachers.end()
    return board.usage.outbox_depth() - before


def upload_all(board, client, batch: int = 500, max_rounds: int = 1000) -> int:
    from edge.sync.upload import upload_once

    sent = 0
    for _ in range(max_rounds):
        acked, left = upload_once(board, client, batch)
        sent += acked
        if not left or not acked:
            break
    return sent


def main(argv: list[str] | None = None) -> int:
    """``python -m classboard.history CLASS_INDEX [UNTIL]``: the board's term so far, uploaded to its hub."""
    from edge.board import Board
    from edge.clock import FakeClock
    from edge.config import load_config
    from edge.sync.client import HubClient
    from edge.sync.enroll import enroll
    from edge.store import models as m
    from edge.sync.pull import pull_bundle

    args = sys.argv[1:] if argv is None else argv
    index = int(args[0]) if args else 0
    config = load_config()
    clock = FakeClock(datetime.now(ZoneInfo("Asia/Shanghai")))
    board = Board(config, clock=clock)
    if enroll(board) != "enrolled":
        print("history: the board is not enrolled; no history", file=sys.stderr)
        return 1
    client = HubClient(config.hub.url, board.id, board.key)
    pull_bundle(board, client)
    board.teachers.class_id = board.class_id  # known only now that the bundle is in
    today = datetime.now(board.zone).date()
    until = date.fromisoformat(args[1]) if len(args) > 1 else today - timedelta(days=1)
    term = m.Term.get_or_none(m.Term.id == board.calendar.day(until).term_id)
    first = term.start if term else until - timedelta(weeks=12)
    started = monotonic()
    with board.db.atomic():  # one commit for the term: the records join it, as they join any caller's transaction
        written = play(board, clock, first, until, index)
    played = monotonic()
    sent = upload_all(board, client)
    print(f"history: {board.id} ({board.class_id}) {first}..{until}: {written} records in {played - started:.1f} s, "
          f"{sent} uploaded in {monotonic() - played:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
