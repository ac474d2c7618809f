"""GPIO outputs and inputs: the fresh-air fan relay, a status LED, a button.

gpiozero on a Raspberry Pi (its default pin factory, lgpio), MockFactory in
tests; on boards gpiozero does not know (RK3566/RK3588) the Linux GPIO
character device through libgpiod.
"""
from __future__ import annotations

from typing import Callable


class GpiodOutput:
    """One output line through libgpiod v2 (``gpiod`` Python bindings)."""

    def __init__(self, chip: str, line: int, active_high: bool = True) -> None:
        try:
            import gpiod
            from gpiod.line import Direction, Value
        except ImportError:
            raise RuntimeError("gpio_backend = 'gpiod' needs the gpiod Python package (libgpiod v2)") from None
        self._values = (Value.INACTIVE, Value.ACTIVE)
        self.request = gpiod.request_lines(chip, consumer="classboard", config={
            line: gpiod.LineSettings(direction=Direction.OUTPUT, active_low=not active_high)})
        self.line = line
        self.is_active = False

    def on(self) -> None:
        self.request.set_value(self.line, self._values[1])
        self.is_active = True

    def off(self) -> None:
        self.request.set_value(self.line, self._values[0])
        self.is_active = False

    def close(self) -> None:
        self.request.release()


def relay(pin: int, *, backend: str = "gpiozero", active_high: bool = True, pin_factory=None, chip: str = "/dev/gpiochip0"):
    """The fan relay: ``.on()``, ``.off()``, ``.is_active``."""
    if backend == "gpiod":
        return GpiodOutput(chip, pin, active_high)
    from gpiozero import OutputDevice
    return OutputDevice(pin, active_high=active_high, initial_value=False, pin_factory=pin_factory)


def status_led(pin: int, *, pin_factory=None):
    from gpiozero import LED
    return LED(pin, pin_factory=pin_factory)


def button(pin: int, on_press: Callable[[], None], *, pin_factory=None, bounce_time: float = 0.05):
    from gpiozero import Button
    b = Button(pin, bounce_time=bounce_time, pin_factory=pin_factory)
    b.when_pressed = on_press
    return b
