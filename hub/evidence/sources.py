"""What a reviewer brings besides the archive: the witness's registry, and spot checks from the classrooms.

A witness is a URL of ``classboard witness serve`` (or the district's) or a
file it exported (``classboard witness export``). A spot check is a board's
checkpoint as text, or a photo of the QR code on its admin screen, read with
the project's QR reader (drivers/vision/markers.py), which the console script
passes in as ``photo_reader`` because the hub's code never imports drivers.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import requests

from protocol.checkpoint import CheckpointError, parse_checkpoint

PHOTO_SUFFIXES = {".png", ".jpg", ".jpeg"}
TIMEOUT = (5, 30)


class SourceError(ValueError):
    """A witness or spot check could not be read at all; the message says which and why."""


def load_witness(where: str, board_ids: list[str]) -> dict[str, dict[str, Any]]:
    """``{board id: {public_key, fingerprint, school, enrolled_at, checkpoints: [text]}}`` for the boards it knows."""
    if where.startswith(("http://", "https://")):
        entries = {}
        for bid in board_ids:
            try:
                response = requests.get(f"{where.rstrip('/')}/v1/boards/{bid}", timeout=TIMEOUT)
            except requests.RequestException as exc:
                raise SourceError(f"witness {where} unreachable: {exc}") from None
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise SourceError(f"witness {where} answered {response.status_code} for board {bid}")
            entries[bid] = response.json()
        return entries
    try:
        document = json.loads(Path(where).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"witness file {where}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("boards"), dict):
        raise SourceError(f"witness file {where}: not a witness export (an object with boards)")
    return document["boards"]


PhotoReader = Callable[[Path], list[str]]


def read_spot_check(path: Path, photo_reader: PhotoReader | None = None) -> str:
    """The checkpoint text of one spot check (a text file, or a photo of the board's QR code)."""
    if path.suffix.lower() in PHOTO_SUFFIXES:
        if photo_reader is None:
            raise SourceError(f"spot check {path}: no QR reader to read photos with")
        try:
            texts = photo_reader(path)
        except ValueError as exc:
            raise SourceError(f"spot check {path}: {exc}") from None
        found = [t for t in texts if t.startswith("classboard/board/")]
        if not found:
            raise SourceError(f"spot check {path}: no board checkpoint QR code found in the photo")
        text = found[0]
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"spot check {path}: {exc}") from None
    try:
        parse_checkpoint(text)
    except CheckpointError as exc:
        raise SourceError(f"spot check {path}: {exc}") from None
    return text


def spot_checks_by_board(paths: list[Path], photo_reader: PhotoReader | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in paths:
        text = read_spot_check(path, photo_reader)
        out.setdefault(parse_checkpoint(text)[0].board_id, []).append(text)
    return out
