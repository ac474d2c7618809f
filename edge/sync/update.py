"""Asking the hub which version to run, and fetching it: verified with the pinned key before anything runs.

The manifest must be signed by the hub key pinned at enrollment, must point
at this board's own release path on the same hub, and the archive must be
exactly as long as the manifest says (a longer stream is cut off and
refused); ``edge.updater`` then checks its SHA-256 before installing.
"""
from __future__ import annotations

import logging
from pathlib import Path

from protocol.auth import sign_request
from protocol.keys import load_public, unb64u

from ..bundle_store import get_setting
from ..updater import UpdateError, UpdateManifest
from .client import TIMEOUT, HubClient
from .enroll import _version

log = logging.getLogger(__name__)


def running_version() -> str:
    return _version()


def fetch_offer(board, client: HubClient) -> UpdateManifest | None:
    """The version the hub offers this board, if it is not the one running; UpdateError if forged."""
    response = client.request("GET", f"/api/v1/boards/{board.id}/update")
    if response.status_code == 204:
        return None
    try:
        body = response.json()
        document, signature = body["manifest"].encode("utf-8"), unb64u(body["signature"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UpdateError("the hub's update answer is not {manifest, signature}") from None
    manifest = UpdateManifest.parse(document, signature, load_public(get_setting("enroll.hub_public_key") or ""))
    if not manifest.url.startswith(f"/api/v1/boards/{board.id}/releases/"):
        raise UpdateError(f"update manifest points outside this board's releases: {manifest.url!r}")
    return None if manifest.version == running_version() else manifest


def download(client: HubClient, manifest: UpdateManifest, into: Path) -> Path:
    """Stream the archive to ``into``; never more bytes than the manifest promised."""
    into.mkdir(parents=True, exist_ok=True)
    target, part = into / f"{manifest.version}.tar.gz", into / f"{manifest.version}.tar.gz.part"
    headers = sign_request(client.key, client.board_id, "GET", manifest.url, b"")
    try:
        with client.http.get(client.base + manifest.url, headers=headers, stream=True, timeout=TIMEOUT) as reply:
            if reply.status_code != 200:
                raise UpdateError(f"downloading {manifest.version}: hub answered {reply.status_code}")
            size = 0
            with part.open("wb") as out:
                for chunk in reply.iter_content(1 << 16):
                    size += len(chunk)
                    if size > manifest.size:
                        raise UpdateError(f"update {manifest.version}: archive is longer than the signed manifest")
                    out.write(chunk)
    except UpdateError:
        part.unlink(missing_ok=True)
        raise
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise UpdateError(f"downloading {manifest.version}: {exc.__class__.__name__}: {exc}") from None
    part.replace(target)
    return target
