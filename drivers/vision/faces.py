"""Faces through OpenCV's YuNet detector and SFace recogniser, from model files IT staff put on the board.

No model is bundled or downloaded: without the two ONNX files there is no face
engine, and :func:`open_face_engine` says which file is missing and where it
was looked for. The engine returns feature vectors only; images stay with the
caller and are never written anywhere by this module.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

DETECTOR_FILE = "face_detection_yunet_2023mar.onnx"
RECOGNISER_FILE = "face_recognition_sface_2021dec.onnx"
SFACE_COSINE_MATCH = 0.363  # the SFace authors' cosine threshold for "same person"


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # x, y, w, h
    score: float
    row: Any  # the detector's full row (box, landmarks, score), which alignment needs


class FaceEngine(Protocol):
    def detect(self, image) -> list[Face]: ...
    def feature(self, image, face: Face) -> bytes: ...
    def similarity(self, a: bytes, b: bytes) -> float: ...
    threshold: float


class OpenCvFaceEngine:
    """YuNet finds faces (with landmarks); SFace aligns and embeds each into a 128-float feature."""

    threshold = SFACE_COSINE_MATCH

    def __init__(self, models_dir: Path, score_threshold: float = 0.8) -> None:
        import cv2

        self._cv2 = cv2
        self._detector = cv2.FaceDetectorYN.create(str(models_dir / DETECTOR_FILE), "", (320, 320),
                                                   score_threshold, 0.3, 50)
        self._recogniser = cv2.FaceRecognizerSF.create(str(models_dir / RECOGNISER_FILE), "")

    def detect(self, image) -> list[Face]:
        height, width = image.shape[:2]
        self._detector.setInputSize((width, height))
        _, rows = self._detector.detect(image)
        if rows is None:
            return []
        return [Face(tuple(int(v) for v in row[:4]), float(row[14]), row) for row in rows]

    def feature(self, image, face: Face) -> bytes:
        import numpy as np

        aligned = self._recogniser.alignCrop(image, face.row)
        return np.asarray(self._recogniser.feature(aligned), dtype=np.float32).tobytes()

    def similarity(self, a: bytes, b: bytes) -> float:
        import numpy as np

        fa, fb = (np.frombuffer(x, dtype=np.float32).reshape(1, -1) for x in (a, b))
        return float(self._recogniser.match(fa, fb, self._cv2.FaceRecognizerSF_FR_COSINE))


def missing_models(models_dir: Path) -> Sequence[str]:
    return [name for name in (DETECTOR_FILE, RECOGNISER_FILE) if not (models_dir / name).is_file()]


def open_face_engine(models_dir: Path) -> tuple[FaceEngine | None, str]:
    """The engine, or ``None`` and a reason a technician can act on."""
    missing = missing_models(models_dir)
    if missing:
        return None, f"model files missing in {models_dir}: {', '.join(missing)}"
    try:
        return OpenCvFaceEngine(models_dir), ""
    except Exception as exc:  # noqa: BLE001 - a corrupt model file must not stop the board
        return None, f"face models in {models_dir} could not be loaded: {exc.__class__.__name__}: {exc}"
