"""The sync service: enrollment, jittered pulls, uploads with backoff, health, pushes.

Hundreds of boards must not call the hub in the same second, so each board's
pull interval is jittered; a push ("sync now") pulls at once instead of
waiting. While the hub is down, retries back off exponentially with full
jitter, capped, and the screen keeps working from the local store.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from ..bundle_store import get_setting, put_setting
from .client import HubClient, HubRefused, HubUnavailable
from .enroll import enroll, hub_client, is_enrolled
from .health import clock_offset_ms, health_report
from .media import prefetch_broadcast_media
from .pull import pull_bundle
from .push import PushListener
from .upload import drain

log = logging.getLogger(__name__)


class Backoff:
    """Full-jitter exponential backoff: 1 s, 2 s, 4 s … up to ``cap``, each drawn uniformly below."""

    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None) -> None:
        self.base, self.cap, self.failures = base, cap, 0
        self.rng = rng or random.Random()

    def next_delay(self) -> float:
        self.failures += 1
        return self.rng.uniform(0, min(self.cap, self.base * 2 ** min(self.failures, 20)))

    def reset(self) -> None:
        self.failures = 0


class SyncService:
    def __init__(self, board, faults: Callable[[], list[str]] = list,
                 commands: dict[str, Callable[[dict[str, Any]], None]] | None = None) -> None:
        self.board, self.faults = board, faults
        self.commands = dict(commands or {})
        self.commands.setdefault("sync_now", lambda args: self.sync_now())
        hub = board.config.hub
        self.interval = max(5, int(board.settings().get("pull_interval_s", hub.pull_interval_s)))
        self.batch = hub.batch_size
        self.backoff = Backoff()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.push: PushListener | None = None
        self.last_health = 0.0

    def client(self) -> HubClient:
        return hub_client(self.board)

    def sync_now(self) -> None:
        self._wake.set()

    def cycle(self, max_batches: int = 50) -> dict[str, Any]:
        """One round: enroll if needed, pull, drain (bounded), report health. Raises when the hub is away."""
        if not is_enrolled():
            if enroll(self.board) != "enrolled":
                return {"enrolled": False}
            self._start_push()
        client = self.client()
        outcome = {"enrolled": True, "bundle": pull_bundle(self.board, client), "uploaded": 0}
        if outcome["bundle"] == "installed" and self.push is not None:
            self.push.refresh_zones()  # a new room or class may put the board in other zones
        outcome["media"] = prefetch_broadcast_media(self.board, client)
        from ..services.media_library import prefetch_library
        outcome["media"] += prefetch_library(self.board, client)  # on-demand items, after the timed ones
        from ..services.family_messages import sync_family
        outcome["family"] = sync_family(self.board, client)
        outcome["uploaded"] = drain(self.board, client, self.batch, max_batches)[0]
        if time.monotonic() - self.last_health > 60:
            offset = clock_offset_ms(client)
            client.post_json(f"/api/v1/boards/{self.board.id}/health", health_report(self.board, self.faults, offset))
            self.last_health = time.monotonic()
        put_setting("sync.last_ok_at", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        put_setting("sync.last_error", "")
        return outcome

    def _start_push(self) -> None:
        mqtt = json.loads(get_setting("enroll.mqtt") or "{}")
        host = self.board.config.mqtt.host or mqtt.get("host")
        port = self.board.config.mqtt.port if self.board.config.mqtt.host else mqtt.get("port", 1883)
        if host and self.push is None:
            self.push = PushListener(self.board, self.sync_now, self.commands)
            self.push.start(host, int(port), username=mqtt.get("username", ""), password=mqtt.get("password", ""),
                            cert_pem=mqtt.get("cert_pem", "") if mqtt.get("tls") else "")

    def _loop(self) -> None:
        put_setting("sync.hub_url", self.board.config.hub.url)
        if is_enrolled():
            self._start_push()
        first_delay = random.uniform(0, min(self.interval, 10))
        self._wake.wait(first_delay)
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.cycle()
                self.backoff.reset()
                delay = self.interval * random.uniform(0.8, 1.2)
            except (HubUnavailable, HubRefused) as exc:
                put_setting("sync.last_error", str(exc)[:500])
                log.warning("sync failed: %s", exc)
                delay = self.backoff.next_delay()
            except Exception as exc:  # a sync bug must never take the board down
                put_setting("sync.last_error", repr(exc)[:500])
                log.exception("sync cycle crashed")
                delay = self.backoff.next_delay()
            self._wake.wait(delay)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.push is not None:
            self.push.stop()
        if self._thread is not None:
            self._thread.join(timeout)
