"""Card-reader input without the hardware: an evtest recording fed to evdev's own parser, and a pty as serial port.

This machine has no /dev/uinput, so no input device can be made. Instead the
recording's events are packed as the kernel's ``struct input_event`` and written
to a pipe that ``RecordedDevice`` (python-evdev's ``InputDevice`` with only the
ioctls left out) reads with evdev's real ``read()``.
"""
from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import evdev

DATA = Path(__file__).parent / "data"
EVENT = re.compile(r"^Event: time (\d+)\.(\d+), (?:type (\d+) \(\w+\), code (\d+) \(\w+\), value (-?[0-9a-f]+)"
                   r"|-+ SYN_REPORT -+)$")
INPUT_EVENT = "llHHi"  # struct input_event on 64-bit Linux: timeval, type, code, value


@dataclass(frozen=True)
class Recorded:
    t: float
    raw: bytes


def load_evtest(name: str) -> list[Recorded]:
    """Events from an ``evtest`` transcript (MSC_SCAN values are hex there, like evtest prints them)."""
    events = []
    for line in (DATA / name).read_text().splitlines():
        found = EVENT.match(line)
        if not found:
            continue
        sec, usec, etype, code, value = found.groups()
        if etype is None:
            etype, code, number = 0, 0, 0  # SYN_REPORT
        else:
            etype, code = int(etype), int(code)
            number = int(value, 16) if etype == evdev.ecodes.EV_MSC else int(value)
        events.append(Recorded(int(sec) + int(usec) / 1e6, struct.pack(INPUT_EVENT, int(sec), int(usec), etype, code,
                                                                       number)))
    return events


def taps(events: list[Recorded], gap_s: float = 0.2) -> list[list[Recorded]]:
    """The recording cut where the reader paused: one group per card read."""
    groups: list[list[Recorded]] = []
    for event in events:
        if not groups or event.t - groups[-1][-1].t > gap_s:
            groups.append([])
        groups[-1].append(event)
    return groups


class RecordedDevice(evdev.InputDevice):
    """evdev's InputDevice over a pipe: ``read()`` and its C parser are evdev's, the grab is only noted."""

    def __init__(self, fd: int) -> None:  # noqa: D107 - no ioctls: a pipe is not an input device
        self.fd, self.path, self.grabbed = fd, "recording", False

    def grab(self) -> None:
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
