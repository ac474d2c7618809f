"""On-demand media (互动点播): the school's library, fetched ahead like planned broadcasts, played by a teacher.

The library arrives in the bundle's ``class_life.media`` (id, title, sha256,
bytes, kind audio|video); each file is fetched into the board's media cache by its hash and
checked against it (``edge/sync/media.py``), a few per sync, so a teacher's
pick plays at once and offline. Playing is the speaker's job
(``edge/sound.py``: the mixer at media priority, under bells and any
broadcast, cut by an emergency); each play is a ``media.played`` record
naming the teacher. A video plays on the screen itself (the browser's
``<video>``, WebM or MP4 as the hub checked them), after its hash is checked
again here, and an emergency takes the screen from it; its sound is the
browser's, not the mixer's, so bells do not duck it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from ..bundle_store import get_setting

log = logging.getLogger(__name__)
MAX_VIDEO_BYTES = 200 * 1024 * 1024  # as the hub's library takes them (hub/classlife/media.py)
_checked: dict[tuple[str, int, int], bool] = {}  # (path, size, mtime) -> the file's hash matched
_checked_lock = threading.Lock()


def library() -> list[dict[str, Any]]:
    return list(json.loads(get_setting("bundle.class_life") or "{}").get("media", []))


def cached(media_dir: Path) -> list[dict[str, Any]]:
    """The library's items whose file is already here: only those can be offered."""
    return [item for item in library() if (media_dir / item["sha256"]).exists()]


def prefetch_library(board, client, media_dir: Path | None = None, limit: int = 5) -> int:
    from ..sync.media import MAX_MEDIA_BYTES, MediaError, fetch_media

    folder = media_dir or board.config.data_path / "media"
    fetched = 0
    for item in library():
        if fetched >= limit or (folder / item["sha256"]).exists():
            continue
        try:
            fetch_media(client, item["sha256"], folder / item["sha256"],
                        limit=MAX_VIDEO_BYTES if is_video(item) else MAX_MEDIA_BYTES)
            fetched += 1
        except MediaError as exc:
            log.warning("media %s: %s; will retry", item.get("id"), exc)
    return fetched


def is_video(item: dict[str, Any]) -> bool:
    return item.get("kind") == "video"


def find(media_dir: Path, item_id: str, *, video: bool | None = None) -> dict[str, Any] | None:
    """The library item with this id whose file is here (of the kind asked for), or None."""
    return next((i for i in cached(media_dir) if i["id"] == item_id and (video is None or is_video(i) == video)),
                None)


def checked_file(media_dir: Path, item: dict[str, Any]) -> Path | None:
    """The item's file if its SHA-256 still matches (an SD card can rot); hashed once per file version."""
    path = media_dir / item["sha256"]
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _checked_lock:
        known = _checked.get(key)
    if known is None:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        known = digest.hexdigest() == item["sha256"]
        with _checked_lock:
            _checked[key] = known
        if not known:
            log.error("media %s: the file's SHA-256 differs from the library's; not shown", item.get("id"))
    return path if known else None


def video_type(path: Path) -> str:
    """``video/webm`` or ``video/mp4``, from the container's first bytes."""
    with path.open("rb") as f:
        head = f.read(4)
    return "video/webm" if head == b"\x1a\x45\xdf\xa3" else "video/mp4"


def video_seconds(path: Path) -> int:
    """The video's length from OpenCV when the board has it (the record's duration), else 0."""
    try:
        import cv2
    except ImportError:
        return 0
    capture = cv2.VideoCapture(str(path))
    try:
        frames, fps = capture.get(cv2.CAP_PROP_FRAME_COUNT), capture.get(cv2.CAP_PROP_FPS)
    finally:
        capture.release()
    return int(round(frames / fps)) if frames > 0 and fps > 0 else 0


def start_video(board, item: dict[str, Any], teacher_id: str) -> bool:
    """A teacher's pick of a library video: shown only if its hash matches; one ``media.played`` naming the teacher."""
    path = checked_file(board.config.data_path / "media", item)
    if path is None:
        return False
    board.usage.record("media.played", initiator="teacher", class_id=board.class_id, duration_s=video_seconds(path),
                       data={"media": item["id"], "teacher_id": teacher_id, "kind": "video"})
    return True
