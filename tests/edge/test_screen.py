from datetime import datetime

from edge.screen import ScreenPower, brightness_for_lux
from tests.conftest import SHANGHAI


class RecordingDisplay:
    def __init__(self, fail: bool = False):
        self.commands: list[str] = []
        self.fail = fail

    def power_on(self):
        if self.fail:
            raise OSError("cec-ctl: no TV")
        self.commands.append("on")

    def power_off(self):
        self.commands.append("off")

    def set_brightness(self, pct):
        self.commands.append(f"brightness {pct}")


def screen(board, display):
    return ScreenPower(display, board.clock, board.zone, board.settings, board.calendar)


def test_schedule_commands_only_on_change(board, clock):
    display = RecordingDisplay()
    power = screen(board, display)
    clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=SHANGHAI))
    for _ in range(3):
        power.apply()
    clock.set(datetime(2026, 11, 24, 7, 30, tzinfo=SHANGHAI))
    for _ in range(3):
        power.apply()
    clock.set(datetime(2026, 11, 24, 22, 30, tzinfo=SHANGHAI))
    power.apply()
    assert display.commands == ["off", "on", "off"]


def test_weekend_and_holiday_stay_dark(board, clock):
    power = screen(board, RecordingDisplay())
    assert not power.scheduled(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI))
    assert not power.scheduled(datetime(2026, 10, 2, 10, 0, tzinfo=SHANGHAI))
    assert power.next_change(datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI)) == \
        datetime(2026, 11, 30, 7, 0, tzinfo=SHANGHAI)


def test_command_holds_until_next_scheduled_change(board, clock):
    display = RecordingDisplay()
    power = screen(board, display)
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
    power.apply()
    power.command(False)
    clock.set(datetime(2026, 11, 24, 21, 0, tzinfo=SHANGHAI))
    assert power.apply() is False
    clock.set(datetime(2026, 11, 25, 7, 1, tzinfo=SHANGHAI))
    assert power.apply() is True
    assert display.commands == ["on", "off", "on"]


def test_motion_wakes_a_sleeping_screen_briefly(board, clock):
    display = RecordingDisplay()
    power = screen(board, display)
    clock.set(datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI))
    power.apply()
    power.motion()
    clock.advance(6 * 60)
    power.apply()
    assert display.commands == ["off", "on", "off"]


def test_intended_state_survives_restart_and_faults_are_reported(board, clock):
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
    screen(board, RecordingDisplay()).apply()
    display = RecordingDisplay()
    screen(board, display).apply()
    assert display.commands == []  # already on: no command after a restart
    broken = screen(board, RecordingDisplay(fail=True))
    broken.sent = False
    broken.apply()
    assert "cec-ctl" in broken.fault


def test_brightness_follows_light():
    assert brightness_for_lux(1) == 30 and brightness_for_lux(5000) == 100
    assert 30 < brightness_for_lux(100) < brightness_for_lux(500) < 100
