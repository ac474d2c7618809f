"""Push over MQTT: topics, and signed envelopes a board checks before obeying.

A broker is only a carrier: anyone who can publish to it could forge a "reboot"
or an alarm, so every payload is signed by the hub, carries an expiry and a
unique id, and a board refuses forged, expired or replayed messages.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, MutableSet

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import canonical_bytes
from .keys import sign, verify
from .records import format_time

PREFIX = "classboard"
COMMANDS = ("screen_on", "screen_off", "volume", "reboot", "sync_now", "broadcast_start", "broadcast_stop")


class MessageError(ValueError):
    """A pushed message is refused; the message says why."""


def board_topic(school_id: str, board_id: str, kind: str) -> str:
    """``kind`` is ``poke`` (bundle changed) or ``command``."""
    if kind not in ("poke", "command"):
        raise ValueError(f"unknown board topic kind {kind!r}")
    return f"{PREFIX}/{school_id}/board/{board_id}/{kind}"


def alert_topic(school_id: str) -> str:
    """Retained: a board that connects later still gets a live alert."""
    return f"{PREFIX}/{school_id}/alert"


def zone_topic(school_id: str, zone: str) -> str:
    return f"{PREFIX}/{school_id}/zone/{zone}/broadcast"


def page_topic(school_id: str, zone: str) -> str:
    return f"{PREFIX}/{school_id}/zone/{zone}/page"


def zone_name(kind: str, *parts: object) -> str:
    """``school``, ``board:<id>``, ``building:<b>``, ``floor:<b>:<n>``, ``grade:<g>``; safe inside a topic."""
    text = ":".join([kind, *(str(p) for p in parts)])
    return "".join("_" if ch in "/+#" or ord(ch) < 32 else ch for ch in text)[:120]


def seal_message(key: Ed25519PrivateKey, school_id: str, kind: str, *, board_id: str | None = None,
                 ttl: timedelta = timedelta(minutes=5), now: datetime | None = None, **fields: Any) -> bytes:
    now = now or datetime.now(timezone.utc)
    payload = {"id": uuid.uuid4().hex, "type": kind, "school_id": school_id, "board_id": board_id,
               "issued_at": format_time(now), "expires_at": format_time(now + ttl), **fields}
    return json.dumps({"payload": payload, "sig": sign(key, canonical_bytes(payload))},
                      ensure_ascii=False, separators=(",", ":")).encode()


def open_message(raw: bytes, hub_key: Ed25519PublicKey, *, now: datetime | None = None,
                 seen: MutableSet[str] | None = None, school_id: str | None = None,
                 board_id: str | None = None) -> dict[str, Any]:
    """Verify a pushed message; returns its payload or raises MessageError."""
    try:
        envelope = json.loads(raw)
        payload, sig = envelope["payload"], envelope["sig"]
        body = canonical_bytes(payload)
    except (ValueError, KeyError, TypeError):
        raise MessageError("not a signed classboard message") from None
    if not isinstance(payload, dict) or not verify(hub_key, body, sig):
        raise MessageError("signature does not verify with the pinned hub key")
    now = now or datetime.now(timezone.utc)
    try:
        expires = datetime.strptime(payload["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except (KeyError, ValueError, TypeError):
        raise MessageError("message has no valid expires_at") from None
    if expires <= now:
        raise MessageError(f"message {payload.get('id')} expired at {payload['expires_at']}")
    if school_id is not None and payload.get("school_id") != school_id:
        raise MessageError("message is for another school")
    if board_id is not None and payload.get("board_id") not in (None, board_id):
        raise MessageError("message is for another board")
    if payload.get("type") == "command" and payload.get("command") not in COMMANDS:
        raise MessageError(f"unknown command {payload.get('command')!r}")
    if seen is not None:
        if payload.get("id") in seen:
            raise MessageError(f"message {payload.get('id')} was already received (replay)")
        seen.add(payload.get("id"))
    return payload
