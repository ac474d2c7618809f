"""Clocks the board runs on.

Every service takes a clock instead of calling ``datetime.now()`` so that a test
can run a whole school day (or a clock jump from 1970 to today) in milliseconds.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current wall-clock time, timezone-aware UTC."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps."""

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Sleep up to ``seconds`` or until ``stop`` is set; True if stopped."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when told to; ``wait`` advances it instantly."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start.astimezone(timezone.utc)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += max(0.0, seconds)

    def set(self, when: datetime, *, jump: bool = False) -> None:
        """Move wall time to ``when``; with ``jump`` the monotonic clock stays (an NTP step)."""
        delta = (when - self._now).total_seconds()
        self._now = when.astimezone(timezone.utc)
        if not jump:
            self._mono += max(0.0, delta)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if stop.is_set():
            return True
        self.advance(seconds)
        return stop.is_set()


def utc(dt: datetime) -> datetime:
    """Normalise to aware UTC; naive values are taken to be UTC already (as stored)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
