"""Pulling the board's bundle: conditional GET, verify with the pinned key, swap in whole or not at all."""
from __future__ import annotations

import logging

from protocol.bundle import BundleError, open_bundle
from protocol.keys import load_public

from ..bundle_store import get_setting
from .client import HubClient, HubRefused

log = logging.getLogger(__name__)


def pull_bundle(board, client: HubClient) -> str:
    """Returns ``unchanged``, ``installed`` or ``rejected`` (the previous bundle stays on screen)."""
    current = board.bundle_etag()
    headers = {"If-None-Match": f'"{current}"'} if current else {}
    response = client.request("GET", f"/api/v1/boards/{board.id}/bundle", headers=headers)
    if response.status_code == 304:
        return "unchanged"
    try:
        envelope = response.json()
        content = open_bundle(envelope, load_public(get_setting("enroll.hub_public_key") or ""),
                              expect_board=board.id)
    except (BundleError, ValueError) as exc:
        reason = str(exc)
        log.error("bundle refused, keeping the previous one: %s", reason)
        etag = envelope.get("etag", "") if isinstance(locals().get("envelope"), dict) else ""
        try:
            client.post_json(f"/api/v1/boards/{board.id}/bundle-rejections",
                             {"etag": str(etag)[:100], "reason": reason[:2000], "path": getattr(exc, "path", "")})
        except HubRefused:
            pass
        return "rejected"
    board.install_bundle(content, envelope["etag"])
    return "installed"
