"""The screen's intended power state: schedule, commands and motion.

Signage players that only knew the panel's *actual* state sent commands on
every tick and reported boards switched off by schedule as "out of use". Here
the board keeps the state it *intends* (persisted, so it survives a restart),
sends a command to the display only when that intention changes, and tells the
hub the intention alongside any fault.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Protocol
from zoneinfo import ZoneInfo

from .bundle_store import get_setting, put_setting
from .clock import Clock
from .services.calendar import SchoolCalendar

log = logging.getLogger(__name__)


class DisplayLike(Protocol):
    def power_on(self) -> None: ...
    def power_off(self) -> None: ...
    def set_brightness(self, pct: int) -> None: ...


@dataclass
class Override:
    on: bool
    until: datetime  # aware UTC
    why: str


def brightness_for_lux(lux: float, low: int = 30, high: int = 100) -> int:
    """Dim in a dark corridor, full in sunlight: a log-ish ramp from 10 lx to 1000 lx."""
    if lux <= 10:
        return low
    if lux >= 1000:
        return high
    import math
    return round(low + (high - low) * (math.log10(lux) - 1) / 2)


class ScreenPower:
    def __init__(self, display: DisplayLike, clock: Clock, zone: ZoneInfo,
                 settings: Callable[[], dict[str, Any]], calendar: SchoolCalendar | None = None,
                 wake_minutes: int = 5) -> None:
        self.display, self.clock, self.zone, self.settings = display, clock, zone, settings
        self.calendar = calendar or SchoolCalendar()
        self.wake = timedelta(minutes=wake_minutes)
        self.override: Override | None = None
        self.fault = ""
        saved = get_setting("screen.intended")
        self.sent: bool | None = None if saved is None else saved == "on"

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.calendar.is_school_day(day):
            return None
        s = self.settings()
        on = time.fromisoformat(s.get("screen_on", "07:00"))
        off = time.fromisoformat(s.get("screen_off", "22:00"))
        return (datetime.combine(day, on, self.zone).astimezone(timezone.utc),
                datetime.combine(day, off, self.zone).astimezone(timezone.utc))

    def scheduled(self, now: datetime) -> bool:
        window = self._window(now.astimezone(self.zone).date())
        return bool(window and window[0] <= now < window[1])

    def intended(self, now: datetime | None = None) -> bool:
        now = now or self.clock.now()
        if self.override and now < self.override.until:
            return self.override.on
        self.override = None
        return self.scheduled(now)

    def apply(self, now: datetime | None = None) -> bool:
        """Bring the display to the intended state; a command only on a change."""
        want = self.intended(now)
        if want == self.sent:
            return want
        try:
            self.display.power_on() if want else self.display.power_off()
            self.fault = ""
        except Exception as exc:  # a broken HDMI-CEC link must not stop the board
            self.fault = f"display command failed: {exc}"
            log.error(self.fault)
            return want
        self.sent = want
        put_setting("screen.intended", "on" if want else "off")
        return want

    def command(self, on: bool, minutes: int | None = None) -> None:
        """The hub said on/off: hold it until the next scheduled change (or ``minutes``)."""
        now = self.clock.now()
        until = now + timedelta(minutes=minutes) if minutes else (self.next_change(now) or now + timedelta(days=1))
        self.override = Override(on, until, "command")
        self.apply(now)

    def motion(self) -> None:
        """Someone walked up to a sleeping screen: wake it for a few minutes."""
        now = self.clock.now()
        if not self.intended(now):
            self.override = Override(True, now + self.wake, "motion")
            self.apply(now)

    def next_change(self, after: datetime) -> datetime | None:
        """The next schedule boundary (or override end) strictly after ``after``."""
        candidates = []
        if self.override and self.override.until > after:
            candidates.append(self.override.until)
        day = after.astimezone(self.zone).date()
        for offset in range(0, 60):
            window = self._window(day + timedelta(days=offset))
            if window:
                candidates += [t for t in window if t > after]
                if candidates:
                    break
        return min(candidates) if candidates else None
