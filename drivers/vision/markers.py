"""ArUco markers (DICT_4X4_1000) in a whole-class photo.

A roll call must never mark a student present who is not in the photo, so
precision comes first: OpenCV's own error correction, no looser polygon or
border rules (each of those invented ids in the bench). Recall on small,
tilted, dim or blurred cards comes from a second pass with one small
threshold window over a contrast-equalised (CLAHE) image, merged by id.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MarkerHit:
    marker_id: int
    corners: tuple[tuple[float, float], ...]

    @property
    def side_px(self) -> float:
        (x0, y0), (x1, y1) = self.corners[0], self.corners[1]
        return ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5


def _dictionary():
    import cv2
    return cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_1000)


def tuned_parameters(window: int | None = None):
    """Small markers allowed, coarser cell sampling (faster, steadier on blur); error correction as OpenCV's."""
    import cv2

    p = cv2.aruco.DetectorParameters()
    p.minMarkerPerimeterRate = 0.015  # 22 px markers in a 1920 px photo
    p.perspectiveRemovePixelPerCell = 8
    p.perspectiveRemoveIgnoredMarginPerCell = 0.2
    if window is not None:  # the second pass: one small threshold window on the equalised image,
        p.adaptiveThreshWinSizeMin = p.adaptiveThreshWinSizeMax = window
        p.errorCorrectionRate = 0.2  # and almost no bit correction: it sees harder cards, so trusts less
    return p


def _detect(detector, gray) -> dict[int, MarkerHit]:
    corners, ids, _ = detector.detectMarkers(gray)
    found = {}
    if ids is not None:
        for quad, marker in zip(corners, ids.flatten()):
            found[int(marker)] = MarkerHit(int(marker), tuple((float(x), float(y)) for x, y in quad[0]))
    return found


def to_gray(image):
    import cv2
    import numpy as np

    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        raise ValueError("expected an image as a non-empty numpy array (grey or BGR)")
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _center(hit: MarkerHit) -> tuple[float, float]:
    return (sum(x for x, _ in hit.corners) / 4, sum(y for _, y in hit.corners) / 4)


def _same_place(a: MarkerHit, b: MarkerHit) -> bool:
    (ax, ay), (bx, by) = _center(a), _center(b)
    return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 < max(a.side_px, b.side_px) / 2


def has_quiet_zone(gray, hit: MarkerHit, cell_px: int = 10, min_contrast: float = 45.0) -> bool:
    """A printed card has white paper around the marker's black border; texture that decodes by chance does not."""
    import cv2
    import numpy as np

    cells = 8  # 4×4 data + black border = 6 cells, plus one quiet-zone cell on each side
    size = cells * cell_px
    src = np.float32(hit.corners)
    dst = np.float32([[cell_px, cell_px], [size - cell_px, cell_px], [size - cell_px, size - cell_px],
                      [cell_px, size - cell_px]])
    patch = cv2.warpPerspective(gray, cv2.getPerspectiveTransform(src, dst), (size, size),
                                flags=cv2.INTER_LINEAR, borderValue=0).astype(np.float32)
    inner = np.zeros((size, size), bool)
    inner[cell_px:size - cell_px, cell_px:size - cell_px] = True
    border = inner.copy()
    border[2 * cell_px:size - 2 * cell_px, 2 * cell_px:size - 2 * cell_px] = False
    ring = ~inner
    return float(np.median(patch[ring]) - np.median(patch[border])) >= min_contrast


def detect_markers(image) -> list[MarkerHit]:
    """Every marker in the photo, once, with its corners."""
    import cv2

    gray = to_gray(image)
    found = _detect(cv2.aruco.ArucoDetector(_dictionary(), tuned_parameters()), gray)
    equalised = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)
    second = cv2.aruco.ArucoDetector(_dictionary(), tuned_parameters(window=7))
    for marker, hit in _detect(second, equalised).items():
        if marker not in found and not any(_same_place(hit, other) for other in found.values()):
            found[marker] = hit  # a card the first pass missed, not a second reading of one it found
    return sorted((h for h in found.values() if has_quiet_zone(gray, h)), key=lambda h: h.marker_id)


def plain_detect(image) -> list[int]:
    """The baseline the bench compares against: OpenCV's detector with default parameters."""
    import cv2

    detector = cv2.aruco.ArucoDetector(_dictionary(), cv2.aruco.DetectorParameters())
    return sorted(_detect(detector, to_gray(image)))


def detect_qr(image) -> list[str]:
    """QR texts in a close-up frame (a card held up to the board's camera).

    zxing-cpp when installed (bench/qr.py: about 17x faster per 640x480 frame
    than OpenCV's decoder and 94 % of cards read against 76 %), else OpenCV.
    """
    gray = to_gray(image)
    try:
        import zxingcpp
    except ImportError:
        zxingcpp = None
    if zxingcpp is not None:
        qr = getattr(zxingcpp.BarcodeFormat, "QRCode", None)
        found = zxingcpp.read_barcodes(gray, formats=qr) if qr is not None else zxingcpp.read_barcodes(gray)
        return [r.text for r in found if r.text]
    import cv2

    ok, texts, _, _ = cv2.QRCodeDetector().detectAndDecodeMulti(gray)
    return [t for t in texts if t] if ok else []
