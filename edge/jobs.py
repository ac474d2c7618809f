"""The board's timed jobs, planned from deadlines: bells, screen power, sensor polling, history."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

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


def install_jobs(board) -> dict[str, object]:
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
            board.usage.record("sensor.summary", initiator="system", class_id=board.class_id,
                               data={q: {f"{k}_x10": int(round(v * 10)) for k, v in s.items() if k != "n"}
                                     | {"n": s["n"]} for q, s in summary.items()}, at=at)

    board.scheduler.add("sensor-summary", every(timedelta(hours=1)), summarise, grace=timedelta(hours=1))

    install_log_checkpoint(board)

    screen = ScreenPower(open_display(board.config), board.clock, board.zone, board.settings, board.calendar)
    screen.apply()
    board.scheduler.add("screen", lambda t: screen.next_change(t), lambda _at: screen.apply(),
                        grace=timedelta(hours=12))

    return {"air": air, "screen": screen, "sensors": opened}


def install_log_checkpoint(board) -> None:
    """The daily signed checkpoint of the usage log, online or not (checked hourly; edge/services/board_log.py)."""
    board.scheduler.add("log-checkpoint", every(timedelta(hours=1)), lambda _at: board.log.sign_if_due(),
                        grace=timedelta(hours=1))


def _schedule_id(board) -> str:
    group = board.class_group()
    return group.bell_schedule_id if group and group.bell_schedule_id else ""


def install_sound(board, speaker=None):
    """Bells, planned broadcasts and the emergency alarm on the board's speaker."""
    import json

    from .bundle_store import get_setting
    from .sound import Speaker, next_broadcast

    speaker = speaker or Speaker(board)

    def bell_at(t: datetime):
        event = board.bells.next_after(t, _schedule_id(board))
        return event.at if event else None

    board.scheduler.add("bells", bell_at, lambda at: speaker.ring(at), grace=timedelta(seconds=30), priority=0)

    def broadcasts() -> list[dict]:
        return json.loads(get_setting("bundle.broadcasts") or "[]")

    def broadcast_at(t: datetime):
        found = next_broadcast(broadcasts(), t, board.zone)
        return found[0] if found else None

    def play_broadcast(at: datetime) -> None:
        found = next_broadcast(broadcasts(), at - timedelta(microseconds=1), board.zone)
        if found and found[0] == at:
            speaker.broadcast(found[1])

    board.scheduler.add("broadcasts", broadcast_at, play_broadcast, grace=timedelta(seconds=30), priority=1)

    board.scheduler.add("alarm", every(timedelta(seconds=2)), lambda _at: _alarm_check(board, speaker),
                        grace=timedelta(seconds=10), priority=0)
    speaker.mixer.start()
    return speaker


def _alarm_check(board, speaker) -> None:
    """The alarm sounds while an emergency is in force (checked every 2 s, so it also ends on time)."""
    from .alerts import current_emergency

    if current_emergency(board):
        speaker.alarm_on()
    else:
        speaker.alarm_off()
