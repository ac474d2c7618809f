"""The board's timed jobs, planned from deadlines: bells, screen power, sensor polling, history."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from drivers.sensors.validate import Validator

from .environment import RoomAir
from .hardware import open_display, open_sensors
from .scheduler import every
from .screen import ScreenPower

log = logging.getLogger(__name__)


class ValidatedSensor:
    """A sensor whose readings pass the range and stuck-at checks before anyone believes them."""

    def __init__(self, sensor, validator: Validator) -> None:
        self.sensor, self.validator, self.name = sensor, validator, sensor.name

    def read(self):
        return self.validator.check(self.name, self.sensor.read())


def install_jobs(board, on_bell: Callable[[object], None] | None = None) -> dict[str, object]:
    """Add every timed job to the board's scheduler; returns the parts others may use."""
    validator = Validator()
    opened = open_sensors(board.config)
    air = RoomAir(board.db, board.clock, [ValidatedSensor(s, validator) for _, s in opened])
    for entry, sensor in opened:
        board.scheduler.add(f"sensor:{sensor.name}", every(timedelta(seconds=entry.interval_s)),
                            lambda _at, name=sensor.name: air.poll(name), grace=timedelta(seconds=entry.interval_s))
    board.scheduler.add("history", every(timedelta(hours=1)), lambda _at: air.compact(), grace=timedelta(hours=1))

    def summarise(at: datetime) -> None:
        summary = air.hourly_summary(at - timedelta(hours=1), at)
        if summary:
            board.usage.record("sensor.summary", role="system", class_id=board.class_id,
                               data={q: {f"{k}_x10": int(round(v * 10)) for k, v in s.items() if k != "n"}
                                     | {"n": s["n"]} for q, s in summary.items()}, at=at)

    board.scheduler.add("sensor-summary", every(timedelta(hours=1)), summarise, grace=timedelta(hours=1))

    screen = ScreenPower(open_display(board.config), board.clock, board.zone, board.settings, board.calendar)
    screen.apply()
    board.scheduler.add("screen", lambda t: screen.next_change(t), lambda _at: screen.apply(),
                        grace=timedelta(hours=12))

    def ring(at: datetime) -> None:
        event = board.bells.next_after(at - timedelta(microseconds=1), _schedule_id(board))
        if on_bell and event:
            on_bell(event)

    board.scheduler.add("bells", lambda t: (e.at if (e := board.bells.next_after(t, _schedule_id(board))) else None),
                        ring, grace=timedelta(seconds=60))
    return {"air": air, "screen": screen, "sensors": opened}


def _schedule_id(board) -> str:
    group = board.class_group()
    return group.bell_schedule_id if group and group.bell_schedule_id else ""
