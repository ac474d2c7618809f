"""A fault-injecting HTTP proxy on 127.0.0.1, between a board and its hub.

Faults are *scheduled*, not only drawn: record uploads (``POST …/records``)
take their fault from rounds that hold every kind once, shuffled by a seeded
generator, with some clean passes between; so each kind fires a known number
of times in any long enough run, and ``counts`` says how often each really
fired. Other requests (enrollment, bundle, health) pass through untouched.

The kinds, and what the board sees:

- ``drop``: the request is read and the connection closed; the hub never saw it.
- ``reset_mid_body``: half the request reaches the hub, then both sides are reset.
- ``truncate_after_commit``: the hub answers 200 (it committed), the board gets
  half the answer and a reset. Counted only when the hub's answer was 2xx.
- ``delay_past_timeout``: the hub answers (it committed); the answer is held
  longer than the board's read timeout, so the board gives up on it.
- ``duplicate``: the request is sent to the hub twice; the board gets the second answer.
- ``hub_503``: the proxy answers 503 without forwarding, as an overloaded hub's front does.
- ``hub_500_after_commit``: the hub committed; the board is answered 500 instead.

``retries_acked_again`` counts hub answers to uploads that acked records the
hub already held (``duplicates`` > 0): retries of batches already committed.
"""
from __future__ import annotations

import json
import random
import re
import socket
import struct
import threading
import time

FAULTS = ("drop", "reset_mid_body", "truncate_after_commit", "delay_past_timeout", "duplicate", "hub_503",
          "hub_500_after_commit")
UPLOAD = re.compile(rb"^POST /api/v1/boards/[^/ ]+/records ")


def _read_message(conn: socket.socket, timeout: float = 10.0) -> bytes:
    """One HTTP message (head and a Content-Length body) from ``conn``; what arrived if it closed early."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _one_shot(request: bytes) -> bytes:
    """The request with ``Connection: close``, so each connection carries exactly one exchange."""
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body


def _exchange(upstream: tuple[str, int], request: bytes) -> bytes:
    with socket.create_connection(upstream, timeout=30) as s:
        s.sendall(request)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def json_body(response: bytes) -> dict:
    try:
        body = json.loads(response.partition(b"\r\n\r\n")[2])
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _answer(status: int, title: str) -> bytes:
    body = json.dumps({"type": "about:blank", "title": title, "status": status}).encode()
    return (f"HTTP/1.1 {status} {title}\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class FaultProxy:
    """``faults``: the kinds to schedule (empty: a clean, counting pass-through); ``passes``: clean uploads
    per round; ``client_timeout``: the board's read timeout, which ``delay_past_timeout`` outlasts."""

    def __init__(self, upstream_port: int, seed: int = 1, faults: tuple[str, ...] = FAULTS, passes: int = 3,
                 client_timeout: float = 2.0) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.rng = random.Random(seed)
        self.kinds, self.passes, self.client_timeout = tuple(faults), passes, client_timeout
        self.counts = {f: 0 for f in ("pass",) + FAULTS}
        self.uploads = self.retries_acked_again = self.upstream_errors = 0
        self._round: list[str] = []
        self._lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _next_fault(self) -> str:
        with self._lock:
            if not self._round:
                self._round = list(self.kinds) + ["pass"] * self.passes
                self.rng.shuffle(self._round)
            return self._round.pop()

    def fired_at_least(self, n: int) -> bool:
        return all(self.counts[k] >= n for k in self.kinds)

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = _read_message(conn)
            if not request:
                conn.close()
                return
            request = _one_shot(request)
            if not UPLOAD.match(request):
                conn.sendall(_exchange(self.upstream, request))
                conn.close()
                return
            with self._lock:
                self.uploads += 1
            fault = self._next_fault()
            fired = self._apply(conn, request, fault)
            with self._lock:
                self.counts[fault if fired else "pass"] += 1
        except OSError:
            with self._lock:
                self.upstream_errors += 1
            try:
                _reset(conn)
            except OSError:
                pass

    def _forward(self, request: bytes) -> bytes:
        response = _exchange(self.upstream, request)
        if status_of(response) == 200 and int(json_body(response).get("duplicates", 0) or 0) > 0:
            with self._lock:
                self.retries_acked_again += 1
        return response

    def _apply(self, conn: socket.socket, request: bytes, fault: str) -> bool:
        """Carry out ``fault`` on one upload; False when it could not fire as meant (then it counts as a pass)."""
        if fault == "drop":
            conn.close()
            return True
        if fault == "reset_mid_body":
            with socket.create_connection(self.upstream, timeout=5) as s:
                s.sendall(request[: max(1, len(request) // 2)])
                _reset(s)
            _reset(conn)
            return True
        if fault == "hub_503":
            conn.sendall(_answer(503, "Service Unavailable"))
            conn.close()
            return True
        response = self._forward(request)
        if fault == "duplicate":
            response = self._forward(request)
        committed = 200 <= status_of(response) < 300
        if fault == "truncate_after_commit" and committed:
            conn.sendall(response[: max(1, len(response) // 2)])
            _reset(conn)
            return True
        if fault == "hub_500_after_commit" and committed:
            conn.sendall(_answer(500, "Internal Server Error"))
            conn.close()
            return True
        if fault == "delay_past_timeout" and committed:
            time.sleep(self.client_timeout + 0.5)
            try:
                conn.sendall(response)
            except OSError:
                pass
            conn.close()
            return True
        conn.sendall(response)
        conn.close()
        return fault in ("pass", "duplicate")

    def summary(self) -> dict:
        return {"fired": dict(self.counts), "uploads": self.uploads, "retries_acked_again": self.retries_acked_again}

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(2)
