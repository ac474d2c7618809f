"""The scheduler over a fake clock: a school day of bells in milliseconds."""
from datetime import datetime, timedelta, timezone

from edge.clock import FakeClock
from edge.scheduler import Scheduler, every
from tests.conftest import SHANGHAI


def bell_job(board, clock, rung):
    sched = Scheduler(clock)
    sched.add("bells", lambda t: (e.at if (e := board.bells.next_after(t, "BS-HIGH")) else None),
              lambda at: rung.append(at), grace=timedelta(seconds=60))
    return sched


def expected_bells(board, day):
    return [e.at for e in board.bells.events_on(day, "BS-HIGH")]


def test_a_school_day_rings_every_bell_once_on_time(board, clock):
    day = datetime(2026, 11, 24, tzinfo=SHANGHAI).date()
    clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=SHANGHAI))
    rung: list[datetime] = []
    sched = bell_job(board, clock, rung)
    sched.run_until(datetime(2026, 11, 25, 6, 0, tzinfo=SHANGHAI))
    assert rung == expected_bells(board, day)
    assert len(rung) == len(set(rung)) >= 14


def test_a_day_without_lessons_rings_nothing(board, clock):
    clock.set(datetime(2026, 11, 28, 6, 0, tzinfo=SHANGHAI))  # Saturday
    rung: list[datetime] = []
    bell_job(board, clock, rung).run_until(datetime(2026, 11, 29, 23, 0, tzinfo=SHANGHAI))
    assert rung == []


def test_clock_jump_from_1970_rings_only_todays_bells(board, clock):
    clock.set(datetime(1970, 1, 1, tzinfo=timezone.utc), jump=True)
    rung: list[datetime] = []
    sched = bell_job(board, clock, rung)
    sched.run_due()
    assert rung == []
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI), jump=True)  # NTP arrives
    sched.run_until(datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
    today = [t for t in expected_bells(board, clock.now().astimezone(SHANGHAI).date())
             if datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI) < t <= clock.now()]
    assert rung == today and len(rung) == 5  # 09:40 10:05 10:50 11:00 11:45


def test_small_backward_step_never_rings_twice(board, clock):
    clock.set(datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI))
    rung: list[datetime] = []
    sched = bell_job(board, clock, rung)
    sched.run_until(datetime(2026, 11, 24, 8, 1, tzinfo=SHANGHAI))
    assert len(rung) == 1
    clock.set(datetime(2026, 11, 24, 7, 58, tzinfo=SHANGHAI), jump=True)  # NTP steps back 3 minutes
    sched.run_until(datetime(2026, 11, 24, 8, 2, tzinfo=SHANGHAI))
    assert len(rung) == 1


def test_large_backward_jump_replans_from_now(board, clock):
    clock.set(datetime(2027, 1, 4, 7, 59, tzinfo=SHANGHAI))  # RTC a month ahead
    rung: list[datetime] = []
    sched = bell_job(board, clock, rung)
    sched.run_until(datetime(2027, 1, 4, 8, 1, tzinfo=SHANGHAI))
    clock.set(datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI), jump=True)
    sched.run_until(datetime(2026, 11, 24, 8, 1, tzinfo=SHANGHAI))
    assert rung[-1] == datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)


def test_suspend_skips_stale_bells_and_rings_current_one(board, clock):
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=SHANGHAI))
    rung: list[datetime] = []
    sched = bell_job(board, clock, rung)
    sched.run_due()
    clock.set(datetime(2026, 11, 24, 10, 5, 30, tzinfo=SHANGHAI))  # woke 30 s after 第3节 began
    sched.run_due()
    assert rung == [datetime(2026, 11, 24, 10, 5, tzinfo=SHANGHAI)]


def test_interval_job_has_no_drift_and_no_double_firing():
    clock = FakeClock(datetime(2026, 11, 24, 0, 0, 7, tzinfo=timezone.utc))
    runs: list[datetime] = []

    def slow(at):
        runs.append(at)
        clock.advance(0.9)  # the job itself takes time

    sched = Scheduler(clock)
    sched.add("sensors", every(timedelta(seconds=60)), slow)
    sched.run_until(datetime(2026, 11, 24, 1, 0, 0, tzinfo=timezone.utc))
    assert len(runs) == 61  # 00:00 (7 s late, within grace) through 01:00
    assert all(r.second == 0 and r.microsecond == 0 for r in runs)
    assert len(set(runs)) == len(runs)


def test_failing_job_does_not_stop_the_others(board, clock):
    clock.set(datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI))
    rung: list[datetime] = []
    sched = bell_job(board, clock, rung)
    broken = sched.add("broken", every(timedelta(seconds=30)), lambda at: 1 / 0)
    sched.run_until(datetime(2026, 11, 24, 8, 1, tzinfo=SHANGHAI))
    assert len(rung) == 1 and broken.failures >= 3 and "ZeroDivisionError" in broken.last_error


def test_a_bell_runs_before_other_jobs_due_at_the_same_instant_and_plans_are_kept(clock):
    from datetime import timedelta

    from edge.scheduler import Scheduler, every

    order, planned = [], []
    scheduler = Scheduler(clock)

    def slow_plan(moment):
        planned.append(moment)
        return every(timedelta(minutes=1))(moment)

    scheduler.add("sensor", every(timedelta(minutes=1)), lambda at: order.append("sensor"))
    scheduler.add("bell", slow_plan, lambda at: order.append("bell"), priority=0)
    scheduler.add("tick", every(timedelta(seconds=2)), lambda at: None)
    scheduler.run_due()
    calls = len(planned)
    scheduler.run_until(clock.now() + timedelta(seconds=59))  # 30 wake-ups for the 2 s tick
    assert len(planned) <= calls + 2  # the bell's plan was not recomputed on every wake-up
    scheduler.run_until(clock.now() + timedelta(seconds=2))
    assert order[:2] == ["bell", "sensor"]
    scheduler.poke()  # inputs changed: re-planned at once
    before = len(planned)
    scheduler.run_due()
    assert len(planned) == before + 1
