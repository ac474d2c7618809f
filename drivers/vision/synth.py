"""Synthetic class photos with known marker ids: for tests and the marker bench (deterministic by seed)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SyntheticPhoto:
    image: "object"
    ids: list[int]
    sizes: list[int]


def class_photo(seed: int, cards: int = 40, width: int = 1920, height: int = 1080, min_px: int = 22,
                max_px: int = 90, blur: bool = True, noise: float = 6.0) -> SyntheticPhoto:
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    light = 110 + 70 * np.sin(xx / width * np.pi * rng.uniform(0.5, 1.5)) * np.cos(yy / height * rng.uniform(0.5, 2))
    image = np.clip(light + rng.normal(0, 12, (height, width)), 0, 255).astype(np.uint8)
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_1000)
    candidates = [int(i) for i in rng.choice(1000, size=cards, replace=False)]
    ids, sizes, taken = [], [], []
    for marker in candidates:
        side = int(rng.integers(min_px, max_px + 1))
        card = side + 2 * max(4, side // 4)
        spot = None
        for _ in range(300):  # find a free spot (room for rotation and skew), bounded
            x, y = int(rng.integers(20, width - card - 20)), int(rng.integers(20, height - card - 20))
            if all(abs(x - a) > max(card, c) * 1.3 + 10 or abs(y - b) > max(card, c) * 1.3 + 10 for a, b, c in taken):
                spot = (x, y)
                break
        if spot is None:
            continue  # the photo is full: fewer cards, never overlapping ones
        x, y = spot
        taken.append((x, y, card))
        ids.append(marker)
        tile = np.full((card, card), 245, np.uint8)
        pad = (card - side) // 2
        tile[pad:pad + side, pad:pad + side] = cv2.aruco.generateImageMarker(dictionary, marker, side)
        angle = rng.uniform(-35, 35)
        skew = rng.uniform(-0.12, 0.12, size=(4, 2)) * card
        src = np.float32([[0, 0], [card, 0], [card, card], [0, card]])
        center = np.float32([card / 2, card / 2])
        rot = cv2.getRotationMatrix2D((card / 2, card / 2), angle, 1.0)[:, :2]
        dst = np.float32([(rot @ (p - center)) + center + s for p, s in zip(src, skew)]) + np.float32([x, y])
        warp = cv2.getPerspectiveTransform(src, dst)
        mask = cv2.warpPerspective(np.full((card, card), 255, np.uint8), warp, (width, height))
        placed = cv2.warpPerspective(tile, warp, (width, height))
        shade = rng.uniform(0.65, 1.05)
        image[mask > 128] = np.clip(placed[mask > 128] * shade, 0, 255)
        sizes.append(side)
    if blur:
        image = cv2.GaussianBlur(image, (3, 3), rng.uniform(0.4, 0.9))
    image = np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)
    return SyntheticPhoto(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), ids, sizes)
