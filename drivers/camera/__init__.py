"""Camera frames through OpenCV (V4L2/USB/CSI devices and video files), or a simulated camera.

An unplugged camera is a state the screen can show, not an exception: reads
return None, and the camera is reopened with a growing, bounded delay until
it comes back.
"""
from __future__ import annotations

import time
from typing import Callable


class Camera:
    def __init__(self, source: str | int, width: int | None = None, height: int | None = None,
                 opener: Callable | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.source, self.width, self.height = source, width, height
        self.opener = opener or self._open_cv
        self.clock = clock
        self.capture = None
        self.state = "closed"  # ok | unplugged | closed
        self.failures = 0
        self.next_try = 0.0

    def _open_cv(self):
        import cv2

        if isinstance(self.source, int) or (isinstance(self.source, str) and self.source.isdigit()):
            capture = cv2.VideoCapture(int(self.source), cv2.CAP_V4L2)
        else:
            capture = cv2.VideoCapture(str(self.source))
        if self.width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        return capture

    def _lost(self) -> None:
        if self.capture is not None:
            self.capture.release()
        self.capture = None
        self.state = "unplugged"
        self.failures += 1
        self.next_try = self.clock() + min(30.0, 0.5 * 2 ** min(self.failures, 6))

    def read(self):
        """The next frame (BGR numpy array), or None while the camera is away."""
        if self.capture is None:
            if self.clock() < self.next_try:
                return None
            self.capture = self.opener()
            if self.capture is None or not self.capture.isOpened():
                self._lost()
                return None
        ok, frame = self.capture.read()
        if not ok or frame is None:
            self._lost()
            return None
        self.state, self.failures = "ok", 0
        return frame

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
        self.capture, self.state = None, "closed"


class SimulatedCamera(Camera):
    """A synthetic class photo with marker cards, so the demo's photo roll call has something to see."""

    def __init__(self, seed: int = 1, cards: int = 30) -> None:
        super().__init__("simulated", opener=lambda: None)
        self.seed, self.cards, self.state = seed, cards, "ok"
        self._frame = None

    def read(self):
        if self._frame is None:
            from drivers.vision.synth import class_photo
            self._frame = class_photo(self.seed, self.cards).image
        return self._frame.copy()


def open_camera(source: str | int = "simulated", width: int | None = None, height: int | None = None) -> Camera:
    if source == "simulated":
        return SimulatedCamera()
    return Camera(source, width, height)
