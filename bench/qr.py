"""QR decode ms per 640×480 frame and decode rate: OpenCV (what the board uses) vs zxing-cpp, same frames.

Goal (issue 7): know the cost of a close-up card scan at the board, and use
zxing-cpp only if it is worth a new dependency (it is not one today).

Frames: FRAMES 640×480 camera-like frames of a student card held up to the
board: the card's QR is the project's own (edge/cards.py ``qr_payload`` →
drivers/vision/cards.py ``qr_png``, segno, error level M, 2-module border),
on a white card with a dark bar block beside it, warped onto a textured
background with random scale (QR 70–300 px wide), rotation, perspective,
uneven light, Gaussian or motion blur, sensor noise and JPEG compression
(q 55–90). NO_QR_PCT % of frames hold a card without a QR (false positives,
and what an empty look costs). The same frames, converted to gray once, go to
every decoder:

* classboard ``detect_qr`` (drivers/vision/markers.py:
  ``cv2.QRCodeDetector().detectAndDecodeMulti``), the board's path;
* ``cv2.QRCodeDetector().detectAndDecode`` (single code);
* ``cv2.QRCodeDetectorAruco().detectAndDecode``, if this OpenCV has it;
* ``zxingcpp.read_barcodes`` restricted to QR codes, if zxing-cpp is installed.

Printed per decoder: ms/frame p50/p95/mean over all frames, decode rate on the
QR frames (exact payload), wrong payloads and false positives, and the time
ratio against the board's decoder.

Run: .venv/bin/python bench/qr.py [--frames 200] [--seed 7]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
W, H = 640, 480


@dataclass
class Frame:
    gray: object  # uint8 H×W
    truth: str | None  # the payload, None for a frame without a QR
    qr_px: float  # the QR's width in the frame before perspective (0 without)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def card_image(rng, payload: str | None):
    """A white card: dark bars (name, marker) on the left, the card's QR on the right (or blank)."""
    import cv2
    import numpy as np

    from drivers.vision.cards import qr_png

    qr = cv2.imdecode(np.frombuffer(qr_png(payload or "CB1:S:S0000:M:0", 200), np.uint8), cv2.IMREAD_GRAYSCALE)
    side = qr.shape[0]
    card = np.full((int(side * 1.35), int(side * 2.1)), 250, np.uint8)
    top, left = (card.shape[0] - side) // 2, card.shape[1] - side - side // 10
    if payload is not None:
        card[top:top + side, left:left + side] = qr
    else:  # same card, the QR area left with a printed logo-like blob instead
        cv2.circle(card, (left + side // 2, top + side // 2), side // 3, 60, -1)
    for i in range(5):  # text lines / marker block
        y = top + i * side // 5
        cv2.rectangle(card, (side // 12, y), (side // 12 + int(side * rng.uniform(0.4, 0.8)), y + side // 12), 30, -1)
    return card, side


def background(rng):
    import cv2
    import numpy as np

    small = rng.uniform(40, 210, (6, 8)).astype(np.float32)
    bg = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(3, 10))):  # furniture, posters, a shirt
        x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
        w, h = int(rng.integers(20, 260)), int(rng.integers(20, 200))
        cv2.rectangle(bg, (x, y), (x + w, y + h), float(rng.uniform(20, 235)), -1)
    return bg


def make_frame(rng, payload: str | None):
    import cv2
    import numpy as np

    card, side = card_image(rng, payload)
    qr_px = float(rng.uniform(70, 300))
    scale = qr_px / side
    ch, cw = card.shape
    corners = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    angle = np.deg2rad(rng.uniform(0, 360) if rng.random() < 0.5 else rng.uniform(-25, 25))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    pts = (corners - [cw / 2, ch / 2]) * scale @ rot.T
    tilt = rng.uniform(0, 0.18) * qr_px  # perspective: a card not held square to the camera
    pts = pts + rng.uniform(-tilt, tilt, pts.shape)
    span = pts.max(0) - pts.min(0)
    if span[0] > W - 4 or span[1] > H - 4:  # too big for the frame at this angle: shrink to fit
        pts = pts * min((W - 4) / span[0], (H - 4) / span[1])
        qr_px *= min((W - 4) / span[0], (H - 4) / span[1])
    lo = -pts.min(0) + 2
    hi = np.maximum(lo, [W, H] - pts.max(0) - 2)
    pts = (pts + [rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1])]).astype(np.float32)
    m = cv2.getPerspectiveTransform(corners, pts)
    frame = background(rng)
    warped = cv2.warpPerspective(card.astype(np.float32), m, (W, H), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(card, np.float32), m, (W, H), flags=cv2.INTER_LINEAR)
    frame = frame * (1 - mask) + warped * mask
    gx, gy = np.meshgrid(np.linspace(0, 1, W), np.linspace(0, 1, H))  # uneven light
    light = rng.uniform(0.55, 1.0) + rng.uniform(-0.3, 0.3) * (gx if rng.random() < 0.5 else gy)
    frame = frame * np.clip(light, 0.3, 1.2)
    if rng.random() < 0.25:  # motion blur (a hand that moves)
        k = int(rng.integers(3, 10))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1 / k
        kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1),
                                (k, k))
        frame = cv2.filter2D(frame, -1, kernel / max(kernel.sum(), 1e-6))
    else:
        sigma = rng.uniform(0, 1.8)
        if sigma > 0.3:
            frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    frame = frame + rng.normal(0, rng.uniform(0, 12), frame.shape)
    gray = np.clip(frame, 0, 255).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 91))])
    return Frame(cv2.imdecode(jpg, cv2.IMREAD_GRAYSCALE), payload, qr_px if payload else 0.0)


def make_frames(n: int, no_qr_pct: float, seed: int) -> list[Frame]:
    import numpy as np

    from edge.cards import CardStudent, qr_payload

    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        student = CardStudent(f"S{1000 + int(rng.integers(0, 9000))}", "学生", "初一(3)班",
                              int(rng.integers(0, 1000)))
        payload = None if rng.random() < no_qr_pct / 100 else qr_payload(student)
        frames.append(make_frame(rng, payload))
    return frames


def decoders() -> tuple[dict, list[str]]:
    import cv2

    from drivers.vision.markers import detect_qr

    found = {"classboard detect_qr (cv2 multi)": detect_qr}
    single = cv2.QRCodeDetector()

    def cv_single(gray):
        text, _, _ = single.detectAndDecode(gray)
        return [text] if text else []

    found["cv2.QRCodeDetector"] = cv_single
    notes = []
    if hasattr(cv2, "QRCodeDetectorAruco"):
        aruco = cv2.QRCodeDetectorAruco()

        def cv_aruco(gray):
            text, _, _ = aruco.detectAndDecode(gray)
            return [text] if text else []

        found["cv2.QRCodeDetectorAruco"] = cv_aruco
    else:
        notes.append(f"cv2.QRCodeDetectorAruco not in OpenCV {cv2.__version__}: skipped")
    try:
        import zxingcpp
    except ImportError:
        notes.append("zxing-cpp not installed: skipped")
    else:
        qr_format = getattr(zxingcpp.BarcodeFormat, "QRCode", None)

        def zx(gray):
            found = zxingcpp.read_barcodes(gray, formats=qr_format) if qr_format is not None else \
                zxingcpp.read_barcodes(gray)
            return [r.text for r in found if getattr(r, "valid", True)]

        from importlib.metadata import PackageNotFoundError, version
        try:
            label = f"zxing-cpp {version('zxing-cpp')}"
        except PackageNotFoundError:
            label = "zxing-cpp"
        found[label] = zx
    return found, notes


def score(decode, frames: list[Frame], limit_s: float) -> dict:
    decode(frames[0].gray)  # warm-up: first-call allocations are not a frame's cost
    times, hits, wrong, false_pos, done = [], 0, 0, 0, 0
    misses_px = []
    deadline = time.monotonic() + limit_s
    for f in frames:
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        texts = decode(f.gray)
        times.append((time.perf_counter() - start) * 1000)
        done += 1
        if f.truth is None:
            false_pos += bool(texts)
        elif f.truth in texts:
            hits += 1
            wrong += any(t != f.truth for t in texts)
        else:
            wrong += bool(texts)
            misses_px.append(f.qr_px)
    with_qr = sum(1 for f in frames[:done] if f.truth)
    return {"times": times, "done": done, "rate": hits / with_qr if with_qr else float("nan"), "hits": hits,
            "with_qr": with_qr, "wrong": wrong, "false_pos": false_pos, "misses_px": misses_px,
            "qr_ms": [t for t, f in zip(times, frames) if f.truth],
            "no_qr_ms": [t for t, f in zip(times, frames) if not f.truth]}


def main() -> None:
    import cv2

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--no-qr-pct", type=float, default=15.0, help="share of frames without a QR")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=float, default=300.0, help="wall-clock cap per decoder (s)")
    parser.add_argument("--save", type=Path, help="write the first 12 frames as PNG here, to look at")
    parser.add_argument("--quick", action="store_true", help="12 frames (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.frames = min(args.frames, 12)
    start = time.perf_counter()
    frames = make_frames(args.frames, args.no_qr_pct, args.seed)
    gen_s = time.perf_counter() - start
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(frames[:12]):
            cv2.imwrite(str(args.save / f"frame{i:02d}.png"), f.gray)
    with_qr = [f for f in frames if f.truth]
    sizes = sorted(f.qr_px for f in with_qr)
    print(f"frames {len(frames)} of {W}×{H} ({len(with_qr)} with a card QR, {len(frames) - len(with_qr)} without), "
          f"QR {sizes[0]:.0f}–{sizes[-1]:.0f} px wide, made in {gen_s:.1f} s; OpenCV {cv2.__version__}, "
          f"{cv2.getNumThreads()} threads; 1-min load average {os.getloadavg()[0]:.2f}")
    found, notes = decoders()
    results = {name: score(fn, frames, args.limit) for name, fn in found.items()}
    print(f"{'':34}{'p50 ms':>8}{'p95 ms':>8}{'mean ms':>9}{'QR fr. ms':>10}{'no-QR ms':>9}{'decoded':>13}"
          f"{'rate':>7}{'wrong':>6}{'false+':>7}")
    for name, r in results.items():
        t = r["times"]
        print(f"{name:34}{pct(t, 50):8.1f}{pct(t, 95):8.1f}{statistics.fmean(t):9.1f}"
              f"{statistics.fmean(r['qr_ms']) if r['qr_ms'] else float('nan'):10.1f}"
              f"{statistics.fmean(r['no_qr_ms']) if r['no_qr_ms'] else float('nan'):9.1f}"
              f"{r['hits']:6d}/{r['with_qr']:<6d}{r['rate']:7.3f}{r['wrong']:6d}{r['false_pos']:7d}"
              + ("" if r["done"] == len(frames) else f"  (stopped at the {args.limit:.0f} s cap after {r['done']})"))
    for note in notes:
        print(note)
    base_name = next(iter(results))
    base = results[base_name]
    for name, r in results.items():
        if name == base_name:
            continue
        print(f"ratio {name} / board's decoder: time p50 {pct(r['times'], 50) / pct(base['times'], 50):.2f}, "
              f"mean {statistics.fmean(r['times']) / statistics.fmean(base['times']):.2f}; decode rate "
              f"{r['rate']:.3f} vs {base['rate']:.3f}")
    for name, r in results.items():
        if r["misses_px"]:
            small = sum(1 for px in r["misses_px"] if px < 110)
            print(f"misses, {name}: {len(r['misses_px'])}, of which {small} with the QR under 110 px wide")
    print(json.dumps({"bench": "qr", "frames": len(frames), "decoders": {
        name: {"p50_ms": round(pct(r["times"], 50), 2), "p95_ms": round(pct(r["times"], 95), 2),
               "rate": round(r["rate"], 4), "wrong": r["wrong"], "false_pos": r["false_pos"]}
        for name, r in results.items()},
        "ratio_p50_vs_board": {name: round(pct(r["times"], 50) / pct(base["times"], 50), 3)
                               for name, r in results.items() if name != base_name}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
