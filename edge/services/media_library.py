"""On-demand media (互动点播): the school's library, fetched ahead like planned broadcasts, played by a teacher.

The library arrives in the bundle's ``class_life.media`` (id, title, sha256,
bytes); each file is fetched into the board's media cache by its hash and
checked against it (``edge/sync/media.py``), a few per sync, so a teacher's
pick plays at once and offline. Playing is the speaker's job
(``edge/sound.py``: the mixer at media priority, under bells and any
broadcast, cut by an emergency); each play is a ``media.played`` record
naming the teacher.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..bundle_store import get_setting

log = logging.getLogger(__name__)


def library() -> list[dict[str, Any]]:
    return list(json.loads(get_setting("bundle.class_life") or "{}").get("media", []))


def cached(media_dir: Path) -> list[dict[str, Any]]:
    """The library's items whose file is already here: only those can be offered."""
    return [item for item in library() if (media_dir / item["sha256"]).exists()]


def prefetch_library(board, client, media_dir: Path | None = None, limit: int = 5) -> int:
    from ..sync.media import MediaError, fetch_media

    folder = media_dir or board.config.data_path / "media"
    fetched = 0
    for item in library():
        if fetched >= limit or (folder / item["sha256"]).exists():
            continue
        try:
            fetch_media(client, item["sha256"], folder / item["sha256"])
            fetched += 1
        except MediaError as exc:
            log.warning("media %s: %s; will retry", item.get("id"), exc)
    return fetched
