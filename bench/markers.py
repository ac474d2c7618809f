"""Marker scan on generated class photos: recall, precision and ms per photo, tuned vs OpenCV defaults.

Photos are 1920×1080 with 20–50 cards, markers 22–90 px, rotation, perspective,
blur, noise and uneven light (drivers/vision/synth.py), the same photos for both
detectors in the same run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def score(detect, photos) -> tuple[float, float, float]:
    tp = fp = fn = 0
    start = time.perf_counter()
    for photo in photos:
        found, truth = set(detect(photo.image)), set(photo.ids)
        tp, fp, fn = tp + len(found & truth), fp + len(found - truth), fn + len(truth - found)
    ms = (time.perf_counter() - start) / len(photos) * 1000
    return tp / (tp + fn), (tp / (tp + fp) if tp + fp else 1.0), ms


def main() -> None:
    from drivers.vision.markers import detect_markers, plain_detect
    from drivers.vision.synth import class_photo

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="3 photos (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.photos = min(args.photos, 3)
    photos = [class_photo(seed, cards=20 + (seed * 7) % 31) for seed in range(args.photos)]
    markers = sum(len(p.ids) for p in photos)
    tuned = score(lambda img: [h.marker_id for h in detect_markers(img)], photos)
    plain = score(plain_detect, photos)
    print(f"photos {len(photos)}, markers {markers}")
    print(f"{'':22}{'recall':>8}{'precision':>11}{'ms/photo':>10}")
    print(f"{'classboard (tuned)':22}{tuned[0]:8.4f}{tuned[1]:11.4f}{tuned[2]:10.1f}")
    print(f"{'OpenCV defaults':22}{plain[0]:8.4f}{plain[1]:11.4f}{plain[2]:10.1f}")
    print(f"time ratio tuned/plain  {tuned[2] / plain[2]:.2f}   (goal: recall ≥ 0.995, precision 1.0, ratio ≤ 2)")
    print(json.dumps({"bench": "markers", "photos": len(photos), "markers": markers,
                      "tuned": {"recall": round(tuned[0], 4), "precision": round(tuned[1], 4),
                                "ms_per_photo": round(tuned[2], 1)},
                      "plain": {"recall": round(plain[0], 4), "precision": round(plain[1], 4),
                                "ms_per_photo": round(plain[2], 1)},
                      "time_ratio_tuned_plain": round(tuned[2] / plain[2], 3)}))


if __name__ == "__main__":
    main()
