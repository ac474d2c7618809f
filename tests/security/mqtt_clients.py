"""A small paho client for the broker tests: connect with a user (or none), collect what arrives."""
from __future__ import annotations

import queue
import threading
import time

import paho.mqtt.client as mqtt

from protocol.tlspin import pinned_context


class Listener:
    def __init__(self, port: int, username: str = "", password: str = "", cert_pem: str = "",
                 name: str = "probe") -> None:
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connected, self.closed = threading.Event(), threading.Event()
        self.reason: object = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{name}-{time.monotonic_ns()}")
        if username:
            self.client.username_pw_set(username, password)
        if cert_pem:
            self.client.tls_set_context(pinned_context(cert_pem))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, f, reason, p: self.closed.set()
        self.client.on_message = lambda c, u, msg: self.messages.put((msg.topic, msg.payload))
        self.client.connect("127.0.0.1", port, keepalive=10)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self.reason = reason_code
        if not reason_code.is_failure:
            self.connected.set()
        else:
            self.closed.set()

    def accepted(self, timeout: float = 5.0) -> bool:
        """True once the broker accepted the login; False if it refused or said nothing in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.connected.is_set():
                return True
            if self.closed.is_set():
                return False
            time.sleep(0.02)
        return False

    def subscribe(self, *topics: str) -> None:
        for topic in topics:
            self.client.subscribe(topic, qos=1)
        time.sleep(0.3)  # SUBACKs: the broker applies a subscription before the next publish is routed

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def received(self, wait_s: float = 1.5) -> list[tuple[str, bytes]]:
        """Everything that arrived within ``wait_s`` (a quiet period: absence is what some tests check)."""
        got, deadline = [], time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                got.append(self.messages.get(timeout=0.05))
            except queue.Empty:
                pass
        return got

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
