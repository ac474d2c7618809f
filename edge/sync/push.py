"""Listening for the hub's pushes over MQTT; every message is checked against the pinned hub key."""
from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any, Callable

from protocol.keys import load_public
from protocol.mqtt import MessageError, alert_topic, board_topic, open_message, page_topic, zone_topic

from ..bundle_store import get_setting, put_setting

log = logging.getLogger(__name__)


class RecentIds:
    """A bounded set of message ids already handled, to refuse replays without growing forever."""

    def __init__(self, size: int = 1000) -> None:
        self._order: deque[str] = deque(maxlen=size)
        self._set: set[str] = set()

    def __contains__(self, item: str) -> bool:
        return item in self._set

    def add(self, item: str) -> None:
        if len(self._order) == self._order.maxlen:
            self._set.discard(self._order[0])
        self._order.append(item)
        self._set.add(item)


class PushListener:
    def __init__(self, board, on_poke: Callable[[], None],
                 handlers: dict[str, Callable[[dict[str, Any]], None]] | None = None,
                 zones: list[str] | None = None) -> None:
        """``handlers``: commands by name, plus ``broadcast`` and ``page`` for zone audio."""
        self.board, self.on_poke = board, on_poke
        self.handlers = handlers or {}
        if zones is None and ("broadcast" in self.handlers or "page" in self.handlers):
            from ..zones import board_zones
            zones = board_zones(board)
        self.zones = list(zones or [])
        self.seen = RecentIds()
        self.refused = 0
        self.client = None
        self.school_id = get_setting("enroll.school_id") or ""
        self.hub_key = load_public(get_setting("enroll.hub_public_key") or "")

    def topics(self) -> list[str]:
        own = [board_topic(self.school_id, self.board.id, "poke"), board_topic(self.school_id, self.board.id, "command"),
               alert_topic(self.school_id)]
        return own + [t for z in self.zones for t in (zone_topic(self.school_id, z), page_topic(self.school_id, z))]

    def refresh_zones(self) -> None:
        """Subscribe to the zones of the board's current room and class (after a bundle changed them)."""
        if not ("broadcast" in self.handlers or "page" in self.handlers):
            return
        from ..zones import board_zones
        zones = board_zones(self.board)
        added = [z for z in zones if z not in self.zones]
        self.zones = zones
        if self.client is not None:
            for zone in added:
                self.client.subscribe(zone_topic(self.school_id, zone), qos=1)
                self.client.subscribe(page_topic(self.school_id, zone), qos=0)

    def handle(self, topic: str, raw: bytes) -> None:
        """Verify and act on one message; a refused message is logged and counted, never acted on."""
        if topic == alert_topic(self.school_id) and not raw:
            put_setting("alert.current", "")  # the hub cleared the retained alert
            self.board.scheduler.poke()
            return
        try:
            payload = open_message(raw, self.hub_key, seen=self.seen, school_id=self.school_id,
                                   board_id=self.board.id)
        except MessageError as exc:
            self.refused += 1
            log.warning("refused a pushed message on %s: %s", topic, exc)
            return
        kind = payload["type"]
        if kind == "poke":
            self.on_poke()
        elif kind == "alert":
            put_setting("alert.current", json.dumps({"id": payload["id"], "expires_at": payload["expires_at"],
                                                     **payload.get("alert", {})}, ensure_ascii=False))
            self.board.scheduler.poke()
        elif kind in ("broadcast", "page"):
            handler = self.handlers.get(kind)
            if payload.get("zone") not in self.zones:
                self.refused += 1
                log.warning("refused a %s for zone %r: not one of this board's zones", kind, payload.get("zone"))
            elif handler is not None:
                handler(payload)
        elif kind == "command":
            handler = self.handlers.get(payload["command"])
            if handler is None:
                log.warning("no handler for command %s on this board", payload["command"])
            else:
                handler(payload.get("args") or {})

    def start(self, host: str, port: int, *, username: str = "", password: str = "", cert_pem: str = "") -> None:
        """``username``/``password``: the board's broker user (issued at enrollment); ``cert_pem``: TLS, pinned."""
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"board-{self.board.id}")
        client.reconnect_delay_set(1, 60)
        if username:
            client.username_pw_set(username, password)
        if cert_pem:
            from protocol.tlspin import pinned_context
            client.tls_set_context(pinned_context(cert_pem))

        def on_connect(c, userdata, flags, reason_code, properties):
            for topic in self.topics():
                c.subscribe(topic, qos=0 if topic.endswith("/page") else 1)

        client.on_connect = on_connect
        client.on_message = lambda c, userdata, msg: self.handle(msg.topic, msg.payload)
        client.connect_async(host, port, keepalive=30)
        client.loop_start()  # reconnects by itself with backoff while the broker is away
        self.client = client

    def stop(self) -> None:
        if self.client is not None:
            self.client.loop_stop()
            self.client.disconnect()
