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
        """The next tap's UID, or None after ``timeout`` seconds; OSError when the reader is gone."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of the device (a reader that is reopened later must not find it still held)."""


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
        self.pending: list[str] = []

    def feed(self, events: Iterable) -> str | None:
        """Assemble key-down events into UIDs, each ending with Enter; the next new one (after debouncing).

        Every event is taken in, even after a UID is found: a batch read from
        the device can hold the start of the next card too.
        """
        from evdev import ecodes

        for event in events:
            if event.type != ecodes.EV_KEY or event.value != 1:
                continue  # key-up (0), auto-repeat (2), and the reader's EV_MSC/EV_SYN around each key
            name = ecodes.KEY.get(event.code, "")
            name = name[0] if isinstance(name, (list, tuple)) else name
            if name in ("KEY_ENTER", "KEY_KPENTER"):
                uid, self.buffer = self.buffer, ""
                found = self._debounced(uid) if uid else None
                if found:
                    self.pending.append(found)
            elif name.replace("KEY_KP", "KEY_") in DIGITS:
                self.buffer = (self.buffer + DIGITS[name.replace("KEY_KP", "KEY_")])[-32:]
        return self.pending.pop(0) if self.pending else None

    def read(self, timeout: float) -> str | None:
        import select

        if self.pending:
            return self.pending.pop(0)
        deadline = self.clock() + timeout
        waiting = select.poll()  # not select(): it refuses a descriptor past 1023, which a long-running board can reach
        waiting.register(self.device.fd, select.POLLIN)
        while self.clock() < deadline:
            if waiting.poll(max(0.0, deadline - self.clock()) * 1000):
                try:
                    events = list(self.device.read())
                except BlockingIOError:
                    continue  # woken, but another reader of the fd took the events
                uid = self.feed(events)
                if uid:
                    return uid
        return None

    def close(self) -> None:
        try:
            self.device.ungrab()
        except OSError:
            pass  # unplugged: nothing left to let go of
        closer = getattr(self.device, "close", None)
        if closer:
            closer()


class SerialReader(CardReader):
    """A serial reader sending one UID per frame: a line (CR/LF) or STX ... ETX, ASCII hex or decimal.

    Bytes are kept across reads until a frame ends, because a read can stop in
    the middle of one (pyserial's timeout): the two halves are never two cards.
    """

    FRAME_END = b"\r\n\x03"

    def __init__(self, port: str | object, baud: int = 9600, **kw) -> None:
        super().__init__(**kw)
        if isinstance(port, str):
            import serial
            port = serial.Serial(port, baud, timeout=0.2)
        self.port = port
        self.buffer = b""
        self.pending: list[str] = []

    def feed(self, data: bytes) -> str | None:
        """Add received bytes; the next new UID among the frames they complete (after debouncing)."""
        self.buffer = (self.buffer + data)[-256:]
        while True:
            ends = [i for i in (self.buffer.find(bytes([c])) for c in self.FRAME_END) if i >= 0]
            if not ends:
                return self.pending.pop(0) if self.pending else None
            end = min(ends)
            frame, self.buffer = self.buffer[:end], self.buffer[end + 1:]
            text = frame.replace(b"\x02", b"").decode("ascii", "ignore").strip().upper()
            if text and len(text) <= 32 and all(c in "0123456789ABCDEF" for c in text):
                uid = self._debounced(text)
                if uid:
                    self.pending.append(uid)

    def read(self, timeout: float) -> str | None:
        if self.pending:
            return self.pending.pop(0)
        deadline = self.clock() + timeout
        while self.clock() < deadline:
            waiting = getattr(self.port, "in_waiting", 0)
            data = self.port.read(waiting or 1)  # blocks up to the port's own timeout for the first byte
            if data:
                uid = self.feed(data)
                if uid:
                    return uid
        return None

    def close(self) -> None:
        self.port.close()


def probe(backend: str, device: str) -> str:
    """Open the reader without taking it (no grab, nothing read) and say what it is; OSError when it cannot be.

    What ``classboard doctor`` shows: a reader the board's user may not open
    (not in the input or dialout group) is found here, not at the first tap.
    """
    if backend == "evdev":
        import evdev

        found = evdev.InputDevice(device)
        try:
            keys = found.capabilities().get(evdev.ecodes.EV_KEY, [])
            if evdev.ecodes.KEY_ENTER not in keys:
                raise OSError(f"{device} ({found.name}) has no Enter key: not a keyboard-like reader")
            return f"{found.name} (evdev, opens)"
        finally:
            found.close()
    if backend == "serial":
        import serial

        port = serial.Serial(device, timeout=0)
        port.close()
        return f"{device} (serial, opens)"
    raise ValueError(f"only evdev and serial readers can be probed, not {backend!r}")


def create_card_reader(backend: str = "simulated", device: str = "", **kw) -> CardReader:
    if backend == "simulated":
        return SimulatedReader(**kw)
    if backend == "evdev":
        return EvdevReader(device, **kw)
    if backend == "serial":
        return SerialReader(device, **kw)
    raise ValueError(f"card reader backend must be simulated, evdev or serial; got {backend!r}")
