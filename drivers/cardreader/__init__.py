"""Card readers: USB readers that type like keyboards (evdev, grabbed), serial readers, or a simulated one.

A card held on the reader repeats its UID; the same UID within ``hold_s`` is
one tap, not many. The keyboard device is grabbed so the UID never leaks into
the kiosk browser as keystrokes.
"""
from __future__ import annotations

import queue
import time
from typing import Callable, Iterable

DIGITS = {f"KEY_{c}": c for c in "0123456789ABCDEF"}


class CardReader:
    def __init__(self, hold_s: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.hold_s, self.clock = hold_s, clock
        self._last: tuple[str, float] | None = None

    def _debounced(self, uid: str) -> str | None:
        now = self.clock()
        if self._last and self._last[0] == uid and now - self._last[1] < self.hold_s:
            self._last = (uid, now)  # still held: extend, do not repeat
            return None
        self._last = (uid, now)
        return uid

    def read(self, timeout: float) -> str | None:
        raise NotImplementedError


class SimulatedReader(CardReader):
    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.taps: "queue.Queue[str]" = queue.Queue()

    def tap(self, uid: str) -> None:
        self.taps.put(uid)

    def read(self, timeout: float) -> str | None:
        deadline = self.clock() + timeout
        while True:
            remaining = deadline - self.clock()
            try:
                uid = self.taps.get(timeout=max(0.0, remaining))
            except queue.Empty:
                return None
            uid = self._debounced(uid.strip().upper())
            if uid:
                return uid
            if self.clock() >= deadline:
                return None


class EvdevReader(CardReader):
    """A keyboard-wedge reader: digits then Enter, read from /dev/input with the device grabbed."""

    def __init__(self, device: str | object, **kw) -> None:
        super().__init__(**kw)
        if isinstance(device, str):
            import evdev
            device = evdev.InputDevice(device)
        self.device = device
        self.device.grab()
        self.buffer = ""

    def feed(self, events: Iterable) -> str | None:
        """Assemble key-down events into a UID; returns it on Enter (after debouncing)."""
        from evdev import categorize, ecodes

        for event in events:
            if event.type != ecodes.EV_KEY:
                continue
            key = categorize(event)
            if key.keystate != key.key_down:
                continue  # ignore key-up and auto-repeat
            code = key.keycode if isinstance(key.keycode, str) else key.keycode[0]
            if code in ("KEY_ENTER", "KEY_KPENTER"):
                uid, self.buffer = self.buffer, ""
                if uid:
                    found = self._debounced(uid)
                    if found:
                        return found
            elif code in DIGITS or code.replace("KEY_KP", "KEY_") in DIGITS:
                self.buffer = (self.buffer + DIGITS.get(code, DIGITS.get(code.replace("KEY_KP", "KEY_"), "")))[-32:]
        return None

    def read(self, timeout: float) -> str | None:
        import select

        deadline = self.clock() + timeout
        while self.clock() < deadline:
            ready, _, _ = select.select([self.device.fd], [], [], max(0.0, deadline - self.clock()))
            if ready:
                uid = self.feed(self.device.read())
                if uid:
                    return uid
        return None

    def close(self) -> None:
        self.device.ungrab()


class SerialReader(CardReader):
    """A serial reader sending one UID per line (ASCII hex or decimal)."""

    def __init__(self, port: str | object, baud: int = 9600, **kw) -> None:
        super().__init__(**kw)
        if isinstance(port, str):
            import serial
            port = serial.Serial(port, baud, timeout=0.2)
        self.port = port

    def read(self, timeout: float) -> str | None:
        deadline = self.clock() + timeout
        while self.clock() < deadline:
            line = self.port.readline()
            text = line.decode("ascii", "ignore").strip().upper() if line else ""
            if text and all(c in "0123456789ABCDEF" for c in text):
                uid = self._debounced(text)
                if uid:
                    return uid
        return None


def create_card_reader(backend: str = "simulated", device: str = "", **kw) -> CardReader:
    if backend == "simulated":
        return SimulatedReader(**kw)
    if backend == "evdev":
        return EvdevReader(device, **kw)
    if backend == "serial":
        return SerialReader(device, **kw)
    raise ValueError(f"card reader backend must be simulated, evdev or serial; got {backend!r}")
