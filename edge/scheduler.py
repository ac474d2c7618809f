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
    priority: int = 5  # lower runs first when several are due at once: a bell never waits behind a sensor poll
    planned: tuple | None = None  # (generation, cursor, computed at, upcoming): next_after is not free


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
    _generation: int = 0
    replan_every: timedelta = timedelta(minutes=10)
    on_poke: list[Callable[[], None]] = field(default_factory=list)

    def add(self, name: str, next_after: NextAfter, action: Callable[[datetime], None], *,
            grace: timedelta = timedelta(seconds=60), priority: int = 5) -> Job:
        job = Job(name, next_after, action, grace, priority=priority)
        self.jobs.append(job)
        self.jobs.sort(key=lambda j: j.priority)  # stable: equal priorities keep the order they were added
        self.poke()
        return job

    def poke(self) -> None:
        """Re-plan now: a job's inputs changed (a new bundle, a new bell schedule)."""
        self._generation += 1
        self._wake.set()
        for listener in self.on_poke:  # e.g. the screen's event stream: what it shows may have changed
            listener()

    def _still_planned(self, job: Job, now: datetime) -> datetime | None | bool:
        """The job's cached next occurrence if nothing can have changed it, else False.

        Planning a bell or the screen can scan weeks of calendar; the scheduler
        wakes every few seconds for short jobs, so plans are kept until they fall
        due, a poke says their inputs changed, the clock steps back, or
        ``replan_every`` passes (a long holiday's "nothing within 60 days" expires).
        """
        plan = job.planned
        if plan is None or plan[0] != self._generation or plan[1] != job.cursor:
            return False
        computed_at, upcoming = plan[2], plan[3]
        if now < computed_at or now - computed_at > self.replan_every:
            return False
        return upcoming if upcoming is None or upcoming > now else False

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
        for job in list(self.jobs):
            planned = self._still_planned(job, now)
            if planned is not False:  # not due, and its plan still stands
                if planned is not None and (deadline is None or planned < deadline):
                    deadline = planned
                continue
            cursor = self._floor(job, now)
            upcoming = None
            for _ in range(max_per_job):
                occurrence = job.next_after(cursor)
                if occurrence is None or occurrence > now:
                    upcoming = occurrence  # the next one: no need to ask again
                    break
                cursor = occurrence
                try:
                    job.action(occurrence)
                    job.fired += 1
                except Exception as exc:  # a failing job must not stop the bells
                    job.failures += 1
                    job.last_error = repr(exc)
                    log.exception("job %s failed at %s", job.name, occurrence)
            else:
                upcoming = job.next_after(cursor)  # fired max_per_job times: ask where it stands now
            job.cursor = cursor
            job.planned = (self._generation, cursor, now, upcoming)
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
