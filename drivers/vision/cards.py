"""Printable images of one marker and one QR code (the card layout itself is the school's business)."""
from __future__ import annotations


def marker_png(marker_id: int, px: int = 400, quiet_zone: float = 0.25) -> bytes:
    """An ArUco DICT_4X4_1000 marker with a white quiet zone around it, as PNG."""
    import cv2

    if not 0 <= marker_id < 1000:
        raise ValueError(f"marker id {marker_id} is outside 0..999 (DICT_4X4_1000)")
    inner = int(px / (1 + 2 * quiet_zone))
    marker = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_1000), marker_id, inner)
    pad = (px - inner) // 2
    image = cv2.copyMakeBorder(marker, pad, px - inner - pad, pad, px - inner - pad, cv2.BORDER_CONSTANT, value=255)
    ok, png = cv2.imencode(".png", image)
    return png.tobytes()


def qr_png(text: str, px: int = 200) -> bytes:
    import io

    import segno

    qr = segno.make_qr(text, error="m")  # never Micro QR: phones and OpenCV read only full QR
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=max(1, px // (qr.symbol_size()[0])), border=2)
    return buffer.getvalue()
