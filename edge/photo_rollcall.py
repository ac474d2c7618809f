"""A whole class's attendance from one photo of students holding up their marker cards.

The photo's result is a proposal, not a record: the teacher sees it on the
roster grid (seen → 到, not seen → 缺勤), corrects it, and only saving makes
an attendance session. A marker not on this class's roster is listed, never
guessed at; a student is marked present only when their own marker was seen.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from .checkin import match_markers

MAX_PHOTO_BYTES = 12 * 1024 * 1024


class PhotoError(ValueError):
    """The photo cannot be used; ``key`` and ``values`` let the screen say why in its own language."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key, self.values = key, values


@dataclass
class PhotoRollCall:
    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    unknown_markers: list[int] = field(default_factory=list)
    no_marker: list[str] = field(default_factory=list)  # roster students without a card: teacher decides
    ms: int = 0

    def statuses(self) -> dict[str, str]:
        """The grid's starting point: seen → present; not seen → absent; no card → present (teacher checks)."""
        return {sid: "present" for sid in self.present + self.no_marker} | {sid: "absent" for sid in self.absent}


def decode_photo(data: bytes):
    """An uploaded JPEG/PNG as an image, or PhotoError (empty, too big, not an image)."""
    if not data:
        raise PhotoError("photo_missing", "no photo was uploaded")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError("photo_too_big", f"the photo is {len(data) // 1024} KB; the limit is "
                         f"{MAX_PHOTO_BYTES // 1024 // 1024} MB", kb=len(data) // 1024, mb=MAX_PHOTO_BYTES >> 20)
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise PhotoError("photo_unreadable", "the file is not a JPEG or PNG photo")
    return image


def scan_class_photo(board, class_id: str, image) -> PhotoRollCall:
    from drivers.vision.markers import detect_markers

    started = time.perf_counter()
    students = board.rollcall.roster(class_id)
    roster = {s.marker_id: s.id for s in students if s.marker_id is not None}
    match = match_markers([hit.marker_id for hit in detect_markers(image)], roster)
    return PhotoRollCall(present=match.present, absent=match.absent, unknown_markers=match.unknown_markers,
                         no_marker=sorted(s.id for s in students if s.marker_id is None),
                         ms=int((time.perf_counter() - started) * 1000))
