"""A small fault-injecting TCP proxy on 127.0.0.1, between a board and its hub.

Per connection it picks one fault at random: pass through, drop before
forwarding, reset halfway through the request body, delay, truncate the
response, or send the request to the hub twice (a duplicated request).
"""
from __future__ import annotations

import random
import socket
import struct
import threading
import time

FAULTS = ("pass", "drop", "reset_mid_body", "delay", "truncate_response", "duplicate")


def _read_request(conn: socket.socket, timeout: float = 5.0) -> bytes:
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


def _exchange(upstream: tuple[str, int], request: bytes) -> bytes:
    with socket.create_connection(upstream, timeout=30) as s:
        s.sendall(request.replace(b"Connection: keep-alive", b"Connection: close"))
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class FaultProxy:
    def __init__(self, upstream_port: int, seed: int = 1, fault_rate: float = 0.5) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.counts = {f: 0 for f in FAULTS}
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(32)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _pick(self) -> str:
        if self.rng.random() >= self.fault_rate:
            return "pass"
        return self.rng.choice(FAULTS[1:])

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn, self._pick()), daemon=True).start()

    def _handle(self, conn: socket.socket, fault: str) -> None:
        self.counts[fault] += 1
        try:
            request = _read_request(conn)
            if fault == "drop" or not request:
                conn.close()
                return
            if fault == "reset_mid_body":  # the hub sees half a request, the board a reset
                try:
                    with socket.create_connection(self.upstream, timeout=5) as s:
                        s.sendall(request[: max(1, len(request) // 2)])
                except OSError:
                    pass
                _reset(conn)
                return
            if fault == "delay":
                time.sleep(self.rng.uniform(0.2, 1.0))
            response = _exchange(self.upstream, request)
            if fault == "duplicate":
                response = _exchange(self.upstream, request)
            if fault == "truncate_response":
                conn.sendall(response[: max(1, len(response) // 2)])
                _reset(conn)
                return
            conn.sendall(response)
            conn.close()
        except OSError:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(2)
