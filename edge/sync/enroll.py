"""Enrollment from the board's side: a claim code on screen, or a token from the boot config.

After enrolling, the board pins the hub's public key and from then on trusts
only bundles and pushes that this key signed; over HTTPS it also pins the
hub's TLS certificate (given in the boot config, or as first seen), so a LAN
impostor cannot even read what the board sends.
"""
from __future__ import annotations

import json
import logging
import secrets

from protocol.keys import public_text

from ..bundle_store import get_setting, put_setting
from .client import HubClient, HubRefused, HubUnavailable, peer_fingerprint

log = logging.getLogger(__name__)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen at 2 m


def claim_code() -> str:
    """The board's claim code, made once and kept (so the code on screen never changes under IT staff)."""
    code = get_setting("enroll.claim_code")
    if not code:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        put_setting("enroll.claim_code", code)
    return code


def is_enrolled() -> bool:
    return bool(get_setting("enroll.hub_public_key"))


def enroll(board) -> str:
    """Try to enroll once; returns ``enrolled`` or ``pending`` (the claim code is not claimed yet)."""
    hub = board.config.hub
    if not hub.url:
        raise HubUnavailable("no hub URL configured")
    pin = hub_pin(board, hub.url)
    client = HubClient(hub.url, board.id, board.key, pin=pin)
    body = {"board_id": board.id, "public_key": public_text(board.key), "name": board.config.board.name,
            "version": _version()}
    if hub.enrollment_token:
        body.update(enrollment_token=hub.enrollment_token, room=hub.room)
    else:
        body["claim_code"] = claim_code()
    answer = client.post_json("/api/v1/enroll", body, signed=False).json()
    if answer.get("status") != "enrolled":
        return "pending"
    pinned = get_setting("enroll.hub_public_key")
    if pinned and pinned != answer["hub_public_key"]:
        raise HubRefused(409, "the hub's key differs from the one pinned at enrollment; refusing this hub")
    for key, value in (("enroll.hub_public_key", answer["hub_public_key"]), ("enroll.school_id", answer["school_id"]),
                       ("enroll.hub_tls_fingerprint", pin),
                       ("enroll.hub_url", hub.url), ("enroll.mqtt", json.dumps(answer.get("mqtt") or {})),
                       ("enroll.room_id", answer.get("room_id") or ""), ("enroll.class_id", answer.get("class_id") or "")):
        put_setting(key, value)
    log.info("enrolled with %s as %s (room %s)", hub.url, board.id, answer.get("room_id"))
    return "enrolled"


def hub_pin(board, url: str) -> str:
    """The hub certificate's fingerprint to insist on: the boot config's, else the one pinned at enrollment,
    else (first contact, nothing configured) whatever the hub shows now, pinned from then on."""
    if not url.startswith("https://"):
        return ""
    pin = board.config.hub.tls_fingerprint or get_setting("enroll.hub_tls_fingerprint")
    if not pin:
        pin = peer_fingerprint(url)
        log.warning("no hub fingerprint in the boot config: trusting %s on first use, pinned from now on; "
                    "compare with 'classboard hub fingerprint' on the hub: %s", url, pin)
    return pin


def hub_client(board) -> HubClient:
    """The client for the hub this board enrolled with, pinned to its certificate."""
    url = get_setting("enroll.hub_url") or board.config.hub.url
    pin = board.config.hub.tls_fingerprint or get_setting("enroll.hub_tls_fingerprint")
    return HubClient(url, board.id, board.key, pin=pin)


def first_boot_enroll(board) -> tuple[bool, str]:
    """For the first-boot agent: (enrolled?, claim code to show if not)."""
    try:
        return enroll(board) == "enrolled", "" if is_enrolled() else claim_code()
    except (HubUnavailable, HubRefused) as exc:
        log.warning("first-boot enrollment did not complete: %s", exc)
        return False, claim_code()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("classboard")
    except PackageNotFoundError:
        return "dev"
