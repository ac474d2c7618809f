"""The board's card reader: a tap on the real reader goes the way a tap sent to the screen goes.

``handle_tap`` is the one path every tap takes (the screen's ``/checkin/tap``
and the reader thread alike): the arrival check-in, a teacher signing in, or
the student's corner opening on the screen; the screen is told of every answer
over its event stream (edge/tap_answer.py), whichever thread tapped. ``CardTaps`` reads the reader the
board resolved (a keyboard-like USB reader via evdev, a serial reader, or the
simulated one only where the config says so) in its own thread. A reader that
is unplugged, or not there yet, is looked for again with a growing pause, so a
reader plugged in after boot is found without a restart on ``auto``.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from drivers.cardreader import CardReader, create_card_reader
from drivers.detect import card_readers

from .checkin import TapResult
from .services.student_corner import given_name
from .store import models as m

log = logging.getLogger(__name__)

MAX_UID = 32
FIRST_PAUSE_S, MAX_PAUSE_S = 1.0, 30.0


@dataclass(frozen=True)
class Tap:
    result: TapResult
    corner_token: str | None = None  # set when the student's corner opened on the screen


def handle_tap(board, uid: str, method: str = "card") -> Tap:
    """Check the card in: a student arrives (and sees their corner), a teacher signs in, or it is unknown.

    The screen is always answered, except over an emergency (nothing covers
    its takeover): the corner that opens, a toast when the screen is held
    (a teacher's page, an exam: 已签到 and the given name) or the card is
    unknown, the teacher page after a teacher's card.
    """
    uid = uid.strip()
    if not uid or len(uid) > MAX_UID:
        raise ValueError(f"a card UID has 1 to {MAX_UID} characters, got {len(uid)}")
    result = board.checkin_desk().tap(uid, method)
    token, answer = None, {"say": result.outcome}
    if result.outcome == "teacher":
        teacher = m.Teacher.get_by_id(result.teacher_id)
        board.teachers.login_card(teacher)
        answer = {"open": "teacher", "name": teacher.name}
    elif result.outcome in ("checked_in", "already"):
        token = board.student_tapped(result.student_id, method)
        if token is None:  # the screen stays as it is: a toast says who checked in
            answer["name"] = given_name(result.student_name or "")
        elif result.outcome == "checked_in":
            answer = None  # the corner that opens is the answer
    if answer is not None and board.screen_held() != "emergency":
        board.tap_answers.give(**answer)  # the screen is told over its event stream, whichever thread tapped
    return Tap(result, token)


class CardTaps:
    """Reads one card reader in a thread and gives every tap to ``on_tap``; survives unplugging."""

    def __init__(self, board, backend: str, device: str = "", *, auto: bool = False,
                 opener: Callable[..., CardReader] = create_card_reader,
                 find: Callable[[], list[tuple[str, str]]] = card_readers,
                 on_tap: Callable[[object, str], Tap] = handle_tap, first_pause_s: float = FIRST_PAUSE_S) -> None:
        self.board, self.backend, self.device, self.auto = board, backend, device, auto
        self.opener, self.find, self.on_tap = opener, find, on_tap
        self.reader: CardReader | None = None
        self.state = "starting"  # reading | waiting (no reader, unplugged, cannot open) | stopped
        self.problem = ""
        self.taps = 0
        self.lost = 0  # times the open reader went away (unplugged)
        self.first_pause_s = first_pause_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="card-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def fault(self) -> str | None:
        """What the hub's board list should show: a reader that is configured or was seen, and is not read now."""
        if self.state != "waiting" or (self.auto and not self.device):
            return None  # reading, or on auto with no reader ever found (a board may have none)
        return f"card reader: {self.problem}"

    def run(self) -> None:
        pause = self.first_pause_s
        while not self._stop.is_set():
            reader = self._open()
            if reader is None:
                self.state = "waiting"
                self._stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
                continue
            pause = self.first_pause_s
            self.reader, self.state, self.problem = reader, "reading", ""
            try:
                while not self._stop.is_set():
                    uid = reader.read(0.5)
                    if uid:
                        self._give(uid)
            except OSError as exc:  # unplugged (ENODEV), or the serial port went away
                self.problem, self.lost = f"{type(exc).__name__}: {exc}", self.lost + 1
                log.warning("card reader %s stopped (%s); looking for it again", self.device or self.backend, exc)
            finally:
                self.reader = None
                try:
                    reader.close()
                except OSError:
                    pass
        self.state = "stopped"

    def _open(self) -> CardReader | None:
        backend, device = self.backend, self.device
        if self.auto:
            found = self.find()
            if not found:
                self.problem = "no reader under /dev/input/by-id or /dev/serial/by-id"
                return None
            backend, device = found[0]
            self.backend, self.device = backend, device
        try:
            reader = self.opener(backend, device)
        except (OSError, ImportError) as exc:  # missing, busy (grabbed elsewhere), no permission, no library
            self.problem = f"cannot open {device or backend}: {exc}"
            log.warning("card reader: %s", self.problem)
            return None
        log.info("card reader %s (%s) open", device or backend, backend)
        return reader

    def _give(self, uid: str) -> None:
        try:
            tap = self.on_tap(self.board, uid)
        except Exception:  # noqa: BLE001 - one bad tap must not stop the reader; the UID is not logged in clear
            log.exception("a card tap could not be handled")
            return
        self.taps += 1
        log.info("card tap: %s", tap.result.outcome)


def start_card_taps(board) -> CardTaps | None:
    """The board's reader thread, started; None when the config says there is no reader."""
    from .hardware import resolved

    wanted = board.config.drivers.card_reader
    if wanted == "none":
        return None
    drivers = resolved(board.config)
    taps = CardTaps(board, drivers.card_reader, drivers.card_reader_device, auto=wanted == "auto")
    taps.start()
    return taps
