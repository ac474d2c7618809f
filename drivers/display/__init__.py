"""Screen power and brightness, behind one interface with several backends.

Wayland (``wlr-randr``), X11 (``xset dpms``), HDMI-CEC TVs (``cec-ctl``) and
panels with a kernel backlight (``/sys/class/backlight``). Commands run through
an injectable runner so tests can check exactly what would be executed.
"""
from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Callable, Sequence

log = logging.getLogger(__name__)
Runner = Callable[[Sequence[str]], int]


class DisplayError(Exception):
    """A display command failed; the message has the command and its exit code."""


def run(argv: Sequence[str]) -> int:
    try:
        return subprocess.run(list(argv), timeout=10, capture_output=True).returncode
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("%s: %s", argv[0], exc)
        return 127


class Display:
    name = "display"

    def __init__(self, runner: Runner = run) -> None:
        self.runner = runner
        self.brightness = 100

    def _run(self, *argv: str) -> None:
        code = self.runner(argv)
        if code != 0:
            raise DisplayError(f"{' '.join(argv)} exited with {code}")

    def power_on(self) -> None:
        raise NotImplementedError

    def power_off(self) -> None:
        raise NotImplementedError

    def set_brightness(self, pct: int) -> None:
        self.brightness = max(0, min(100, int(pct)))  # most backends cannot dim: remembered only


class SimulatedDisplay(Display):
    name = "simulated"

    def __init__(self, runner: Runner = run) -> None:
        super().__init__(runner)
        self.is_on = True
        self.history: list[str] = []

    def power_on(self) -> None:
        self.is_on = True
        self.history.append("on")

    def power_off(self) -> None:
        self.is_on = False
        self.history.append("off")


class WlrRandr(Display):
    name = "wlr-randr"

    def __init__(self, output: str = "HDMI-A-1", runner: Runner = run) -> None:
        super().__init__(runner)
        self.output = output

    def power_on(self) -> None:
        self._run("wlr-randr", "--output", self.output, "--on")

    def power_off(self) -> None:
        self._run("wlr-randr", "--output", self.output, "--off")


class Xset(Display):
    name = "xset"

    def power_on(self) -> None:
        self._run("xset", "dpms", "force", "on")

    def power_off(self) -> None:
        self._run("xset", "dpms", "force", "off")


class Cec(Display):
    """A TV over HDMI-CEC: become the active source to wake it, send standby to sleep it."""

    name = "cec"

    def __init__(self, device: str = "/dev/cec0", runner: Runner = run) -> None:
        super().__init__(runner)
        self.device = device

    def power_on(self) -> None:
        self._run("cec-ctl", "-d", self.device, "--playback")  # claim a logical address first
        self._run("cec-ctl", "-d", self.device, "--to", "0", "--image-view-on")

    def power_off(self) -> None:
        self._run("cec-ctl", "-d", self.device, "--to", "0", "--standby")


class Backlight(Display):
    name = "backlight"

    def __init__(self, path: Path | None = None, runner: Runner = run) -> None:
        super().__init__(runner)
        root = Path("/sys/class/backlight")
        self.path = path or next(iter(sorted(root.iterdir())), root / "missing")
        self.max = int((self.path / "max_brightness").read_text().strip())

    def _write(self, name: str, value: int) -> None:
        try:
            (self.path / name).write_text(str(value))
        except OSError as exc:
            raise DisplayError(f"writing {self.path / name}: {exc}") from None

    def power_on(self) -> None:
        self._write("bl_power", 0)

    def power_off(self) -> None:
        self._write("bl_power", 4)  # FB_BLANK_POWERDOWN

    def set_brightness(self, pct: int) -> None:
        super().set_brightness(pct)
        self._write("brightness", max(1, round(self.max * self.brightness / 100)))


def create_display(backend: str = "auto", runner: Runner = run, **options) -> Display:
    if backend == "auto":
        from drivers.detect import display
        backend = display()[0]
    classes = {"simulated": SimulatedDisplay, "wlr-randr": WlrRandr, "xset": Xset, "cec": Cec, "backlight": Backlight}
    if backend not in classes:
        raise ValueError(f"display backend must be one of auto, {', '.join(classes)}; got {backend!r}")
    return classes[backend](runner=runner, **options)
