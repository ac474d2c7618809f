"""A counter the board bumps whenever what it shows may have changed, so the screen can be told at once.

The screen's event stream waits on it instead of polling the store: an alert
arriving over MQTT or a new bundle wakes every waiting stream in the same
instant. Anything else that changes the screen (a notice starting, the minute
turning) is still found by the stream's short re-check.
"""
from __future__ import annotations

import threading


class Changes:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._count = 0
        self.closed = False

    @property
    def count(self) -> int:
        return self._count

    def notify(self) -> None:
        with self._cond:
            self._count += 1
            self._cond.notify_all()

    def close(self) -> None:
        """The board is stopping: every waiting stream wakes and ends."""
        with self._cond:
            self.closed = True
            self._count += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the count moves past ``seen`` or ``timeout`` seconds pass; the count then."""
        with self._cond:
            self._cond.wait_for(lambda: self._count != seen, timeout=timeout)
            return self._count
