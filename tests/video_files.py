"""Small video files made with OpenCV for the media-library tests (no downloads, no fixtures on disk)."""
from __future__ import annotations

from pathlib import Path


def make_video(path: Path, fourcc: str = "VP80", seconds: int = 2, fps: int = 10, size=(160, 120)) -> bytes:
    """A clip of moving bars: WebM VP8 by default (what a board's Chromium plays); returns its bytes."""
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} to {path.name}"
    for i in range(seconds * fps):
        frame = np.zeros((size[1], size[0], 3), np.uint8)
        frame[:, (i * 7) % size[0]:(i * 7) % size[0] + 20] = (40, 200, 255)
        writer.write(frame)
    writer.release()
    return path.read_bytes()
