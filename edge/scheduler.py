"""Timed jobs (bells, screen power, sensor polling, sync) driven by deadlines.

Each job says when it next falls due after a moment; the scheduler sleeps until
the nearest deadline instead of polling on a tick. The rules that keep a school
day right when the clock misbehaves:

* a job fires at most once per occurrence: the cursor only moves forward, so a
  small backward step of the clock (NTP slewing back) never rings a bell twice;
* an occurrence later than its ``grace`` is skipped, not fired late: a board
  that booted in 1970 and then got NTP time does not ring 56 years of bells,
  and one woken from suspend rings only what is still current;
* a large backward jump (the RTC was in the future) resets the cursor, so the
  board does not stay silent until that future date;
* sleeps are capped (``max_sleep``) because a wall-clock jump does not wake a
  sleeping thread: the plan is re-checked at least that often.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from .clock import Clock

log = logging.getLogger(__name__)

NextAfter = Callable[[datetime], "datetime | None"]


@dataclass
class Job:
    name: str
    next_after: NextAfter  # first occurrence strictly after the given moment
    action: Callable[[datetime], None]  # receives the occurrence it fires for
    grace: timedelta = timedelta(seconds=60)
    cursor: datetime | None = None  # the last occurrence handled (fired or skipped)
    fired: int = 0
    failures: int = 0
    last_error: str = ""


def every(interval: timedelta, *, phase: datetime | None = None) -> NextAfter:
    """Occurrences on a fixed grid (``phase`` + k·interval): no drift, however late a run is."""
    origin = phase or datetime(2000, 1, 1, tzinfo=timezone.utc)

    def next_after(moment: datetime) -> datetime:
        steps = (moment - origin) // interval + 1
        return origin + steps * interval

    return next_after


@dataclass
class Scheduler:
    clock: Clock
    max_sleep: float = 30.0
    max_backward: timedelta = timedelta(minutes=10)
    jobs: list[Job] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _wake: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def add(self, name: str, next_after: NextAfter, action: Callable[[datetime], None], *,
            grace: timedelta = timedelta(seconds=60)) -> Job:
        job = Job(name, next_after, action, grace)
        self.jobs.append(job)
        self.poke()
        return job

    def poke(self) -> None:
        """Re-plan now: a job's inputs changed (a new bundle, a new bell schedule)."""
        self._wake.set()

    def _floor(self, job: Job, now: datetime) -> datetime:
        floor = now - job.grace
        if job.cursor is None:
            return floor
        if job.cursor > now + self.max_backward:
            log.warning("clock moved back past %s's last run (%s); re-planning from now", job.name, job.cursor)
            return floor
        return max(job.cursor, floor)

    def run_due(self, max_per_job: int = 100) -> datetime | None:
        """Fire every job that is due now; return the next deadline over all jobs."""
        now = self.clock.now()
        deadline: datetime | None = None
        for job in self.jobs:
            cursor = self._floor(job, now)
            for _ in range(max_per_job):
                occurrence = job.next_after(cursor)
                if occurrence is None or occurrence > now:
                    break
                cursor = occurrence
                try:
                    job.action(occurrence)
                    job.fired += 1
                except Exception as exc:  # a failing job must not stop the bells
                    job.failures += 1
                    job.last_error = repr(exc)
                    log.exception("job %s failed at %s", job.name, occurrence)
            job.cursor = cursor
            upcoming = job.next_after(cursor)
            if upcoming is not None and (deadline is None or upcoming < deadline):
                deadline = upcoming
        return deadline

    def sleep_seconds(self, deadline: datetime | None) -> float:
        if deadline is None:
            return self.max_sleep
        return min(self.max_sleep, max(0.0, (deadline - self.clock.now()).total_seconds()))

    def run_until(self, until: datetime, max_steps: int = 100_000) -> None:
        """Drive a FakeClock through time, jumping from deadline to deadline (tests, simulation)."""
        for _ in range(max_steps):
            deadline = self.run_due()
            now = self.clock.now()
            if now >= until:
                return
            target = min(deadline, until) if deadline else until
            step = max((target - now).total_seconds(), 0.0)
            self.clock.advance(min(step, self.max_sleep) if deadline is None else step)  # type: ignore[attr-defined]
        raise RuntimeError(f"scheduler did not reach {until} in {max_steps} steps")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            deadline = self.run_due()
            self._wake.clear()
            seconds = self.sleep_seconds(deadline)
            if seconds > 0:
                self._wake.wait(seconds)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
