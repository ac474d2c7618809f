"""What the screen answers a card tap with, told over its event stream whoever read the card.

A tap on the board's own reader arrives in the reader's thread, not in a
screen request, so its answer cannot ride on an HTTP reply: ``handle_tap``
leaves it here and wakes the screen's event stream, which shows it. The
answer is a short toast (``say``: an unknown card, a student checked in or
already checked in while the screen stays as it is) or a page to open
(``open``: the teacher page after a teacher's card); ``name`` is whose card
it was (a student's given name, a teacher's name), for the toast.
It is shown for a few seconds of real time and then forgotten; every answer
has its own id, so a page shows each one once.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

SHOW_S = 5.0  # long enough to read a toast, short enough that a page loaded later does not show a stale one


@dataclass(frozen=True)
class TapAnswer:
    id: str
    say: str | None = None  # unknown | checked_in | already
    open: str | None = None  # teacher
    name: str | None = None  # a student's given name or a teacher's name; never a full student name
    given_at: float = 0.0


class TapAnswers:
    """The latest answer to a tap; ``give`` from any thread, ``current`` for the screen's stream."""

    def __init__(self, notify: Callable[[], None] = lambda: None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.notify, self.monotonic = notify, monotonic
        self._lock = threading.Lock()
        self._last: TapAnswer | None = None

    def give(self, *, say: str | None = None, open: str | None = None, name: str | None = None) -> TapAnswer:
        answer = TapAnswer(secrets.token_urlsafe(6), say, open, name, self.monotonic())
        with self._lock:
            self._last = answer
        self.notify()
        return answer

    def current(self) -> TapAnswer | None:
        with self._lock:
            last = self._last
        if last is None or self.monotonic() - last.given_at > SHOW_S:
            return None
        return last
