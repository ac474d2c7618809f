"""Fetching a broadcast's sound file from the hub into the board's media cache, checked against its hash."""
from __future__ import annotations

import hashlib
from pathlib import Path

from protocol.auth import sign_request

from .client import TIMEOUT, HubClient

MAX_MEDIA_BYTES = 50 * 1024 * 1024


class MediaError(OSError):
    """The file could not be fetched, or is not the file the hub announced."""


def fetch_media(client: HubClient, sha256: str, target: Path, limit: int = MAX_MEDIA_BYTES) -> None:
    path = f"/api/v1/boards/{client.board_id}/media/{sha256}"
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest, size = hashlib.sha256(), 0
    try:
        with client.http.get(client.base + path, headers=sign_request(client.key, client.board_id, "GET", path, b""),
                             stream=True, timeout=TIMEOUT) as reply:
            if reply.status_code != 200:
                raise MediaError(f"media {sha256[:12]}: hub answered {reply.status_code}")
            with part.open("wb") as out:
                for chunk in reply.iter_content(1 << 16):
                    size += len(chunk)
                    if size > limit:
                        raise MediaError(f"media {sha256[:12]} is larger than {limit >> 20} MB")
                    digest.update(chunk)
                    out.write(chunk)
    except MediaError:
        part.unlink(missing_ok=True)
        raise
    except Exception as exc:  # noqa: BLE001 - network errors of any kind: the broadcast is skipped, logged
        part.unlink(missing_ok=True)
        raise MediaError(f"media {sha256[:12]}: {exc.__class__.__name__}: {exc}") from None
    if digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise MediaError(f"media {sha256[:12]}: the file's SHA-256 differs from the announced one")
    part.replace(target)


def prefetch_broadcast_media(board, client: HubClient, media_dir: Path | None = None, limit: int = 20) -> int:
    """Fetch the sound files of the bundle's planned broadcasts before they are due (a few per sync cycle).

    A planned broadcast must start on time even if the network is down at that
    moment, so its file is fetched when the bundle arrives, not when it plays.
    """
    import json
    import logging

    from ..bundle_store import get_setting

    folder = media_dir or board.config.data_path / "media"
    fetched = 0
    for item in json.loads(get_setting("bundle.broadcasts") or "[]"):
        sha = str((item.get("media") or {}).get("sha256", ""))
        if not sha or (folder / sha).exists() or fetched >= limit:
            continue
        try:
            fetch_media(client, sha, folder / sha)
            fetched += 1
        except MediaError as exc:
            logging.getLogger(__name__).warning("broadcast %s: %s; will retry", item.get("id"), exc)
    return fetched
