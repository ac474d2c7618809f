"""``classboard verify-evidence``: the hub's verifier, with the project's QR reader for spot-check photos.

The hub's code never imports drivers (ARCHITECTURE.md), so the console script
wires the QR reader in here.
"""
from __future__ import annotations

from pathlib import Path

import click

from hub.evidence.cli import run_verify, verify_options


def read_qr_photo(path: Path) -> list[str]:
    """Every QR text in a photo of a board's screen (drivers/vision: zxing-cpp, else OpenCV)."""
    import cv2

    from drivers.vision.markers import detect_qr

    image = cv2.imread(str(path))
    if image is None:
        raise ValueError("not a readable image")
    return detect_qr(image)


@click.command("verify-evidence")
@verify_options
def verify_evidence(archive: Path, hub_key: str | None, witness: str | None, spot_checks: tuple[Path, ...],
                    allow_unattested: bool, as_json: bool) -> None:
    """Check an evidence archive without the hub: every log and checkpoint, the keys, and the report's figures.

    Exit 0: sound and the keys attested by the witness; 1: problems (each named);
    2: sound, but no witness vouched for the keys (unless --allow-unattested).
    """
    run_verify(archive, hub_key, witness, spot_checks, allow_unattested, as_json, read_qr_photo)
