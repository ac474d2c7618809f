"""Publishing signed pushes to boards over MQTT (paho-mqtt), when a broker is configured.

Pushes only speed things up: a poke says "pull now", an alert is also in the
bundle as an emergency notice. So a missing broker is logged, not fatal.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.mqtt import alert_topic, board_topic, seal_message
from protocol.tlspin import pinned_context

log = logging.getLogger(__name__)
RETRY_S = 30


class Pusher:
    def __init__(self, key: Ed25519PrivateKey, host: str, port: int, *, username: str = "", password: str = "",
                 tls_cert: Path | None = None) -> None:
        """``username``/``password``: the hub's broker user; ``tls_cert``: the broker's certificate, pinned."""
        self.key, self.host, self.port = key, host, port
        self.username, self.password, self.tls_cert = username, password, tls_cert
        self._client = None
        self._lock = threading.Lock()
        self._retry_at = 0.0  # after a failed connect, do not try again (and stall a request) until then

    def _connected(self):
        if not self.host:
            return None
        with self._lock:
            if self._client is None:
                if time.monotonic() < self._retry_at:
                    return None
                import paho.mqtt.client as mqtt

                client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"classboard-hub-{uuid.uuid4().hex[:12]}")
                # (one id per process: the broker closes an older connection with the same id, so hub processes
                # sharing one id would push each other off)
                client.reconnect_delay_set(1, 30)
                if self.username:
                    client.username_pw_set(self.username, self.password)
                if self.tls_cert:
                    client.tls_set_context(pinned_context(Path(self.tls_cert).read_text()))
                try:
                    client.connect(self.host, self.port, keepalive=30)
                except OSError as exc:
                    log.warning("MQTT broker %s:%d unreachable (%s); boards will poll; retrying in %d s",
                                self.host, self.port, exc, RETRY_S)
                    self._retry_at = time.monotonic() + RETRY_S
                    return None
                client.loop_start()
                self._client = client
            return self._client

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False) -> bool:
        client = self._connected()
        if client is None:
            return False
        info = client.publish(topic, payload, qos=qos, retain=retain)
        return info.rc == 0

    def poke(self, school_id: str, board_ids: list[str]) -> None:
        for board_id in board_ids:
            self.publish(board_topic(school_id, board_id, "poke"),
                         seal_message(self.key, school_id, "poke", board_id=board_id), qos=0)

    def command(self, school_id: str, board_id: str, command: str, **args) -> bool:
        return self.publish(board_topic(school_id, board_id, "command"),
                            seal_message(self.key, school_id, "command", board_id=board_id, command=command,
                                         args=args))

    def alert(self, school_id: str, title: str, body: str, level: str = "evacuate",
              ttl: timedelta = timedelta(hours=2)) -> bool:
        return self.publish(alert_topic(school_id), seal_message(
            self.key, school_id, "alert", ttl=ttl, alert={"title": title, "body": body, "level": level}), retain=True)

    def clear_alert(self, school_id: str) -> bool:
        return self.publish(alert_topic(school_id), b"", retain=True)

    def close(self) -> None:
        if self._client is not None:
            self._client.loop_stop()
            self._client.disconnect()
