"""Zone broadcasts that start together in every room, and live paging that plays as it arrives.

A zone broadcast names an instant a few seconds ahead; every board prepares
the sound first (from its media cache, fetched and hash-checked if missing, or
spoken by the offline TTS) and starts it at that instant on its own clock, so
rooms agree as well as their clocks do (boards report their offset in health).
A board that is late by less than the clip joins in step, skipping what it
missed; a later one does not play it at all.

A live page is a stream of signed PCM chunks: the first chunk opens a stream
on the mixer at paging priority (broadcasts and bells duck under it), a short
silence absorbs network jitter, and the page ends on its ``end`` chunk or
after a few seconds without one.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

from drivers.audio import Priority
from drivers.audio.clips import Clip, ClipError, load_clip, synthesize
from protocol.records import parse_time

log = logging.getLogger(__name__)
JITTER_S = 0.06
PAGE_IDLE_S = 3.0
LATE_LIMIT_S = 2.0


class ZonePlayer:
    def __init__(self, mixer, media_dir: Path, fetch_media: Callable[[str, Path], None] | None = None,
                 on_played: Callable[[dict[str, Any], Clip], None] | None = None,
                 wall: Callable[[], float] = time.time, voice: Callable[[str], Clip] | None = None) -> None:
        """``voice``: how spoken broadcasts are made (the board's piper or espeak-ng voice)."""
        self.mixer, self.media_dir, self.fetch_media = mixer, Path(media_dir), fetch_media
        self.voice = voice or (lambda text: synthesize(text, mixer.rate))
        self.on_played = on_played or (lambda payload, clip: None)
        self.wall = wall
        self.started: dict[str, float] = {}  # message id -> wall time the sound was handed to the mixer
        self.playbacks: dict[str, Any] = {}  # message id -> the mixer's playback (its started_at is the first block)
        self.pages: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    # -- zone broadcasts ----------------------------------------------------------------------------------------
    def _clip(self, item: dict[str, Any]) -> Clip:
        if item.get("text"):
            return self.voice(item["text"])
        media = item.get("media") or {}
        sha = str(media.get("sha256", ""))
        path = self.media_dir / sha
        if not path.exists() and self.fetch_media is not None:
            self.fetch_media(sha, path)
        return load_clip(path, self.mixer.rate, sha256=sha)

    def broadcast(self, payload: dict[str, Any]) -> None:
        """Prepare now, start at ``start_at`` (on a thread of its own, so the MQTT loop is never held)."""
        threading.Thread(target=self._run_broadcast, args=(payload,), name="zone-broadcast", daemon=True).start()

    def _run_broadcast(self, payload: dict[str, Any]) -> None:
        item = payload.get("broadcast") or {}
        try:
            start = parse_time(item["start_at"]).timestamp()
            clip = self._clip(item)
        except (KeyError, ValueError, ClipError, OSError) as exc:
            log.error("zone broadcast %s not played: %s", payload.get("id"), exc)
            return
        while True:  # sleep most of the way, then in short steps: wakes within a millisecond or two
            left = start - self.wall()
            if left <= 0:
                break
            time.sleep(left - 0.02 if left > 0.05 else min(left, 0.002))
        late = self.wall() - start
        if late > min(LATE_LIMIT_S, clip.seconds):
            log.warning("zone broadcast %s arrived %.1f s late; not played", payload.get("id"), late)
            return
        skip = int(late * clip.rate)
        if skip > 0:  # join in step with the other rooms
            clip = Clip(clip.samples[skip:], clip.rate)
        self.playbacks[payload.get("id", "")] = self.mixer.play(clip, Priority.BROADCAST)
        self.started[payload.get("id", "")] = self.wall()
        self.on_played(payload, clip)

    # -- live paging --------------------------------------------------------------------------------------------
    def page(self, payload: dict[str, Any]) -> None:
        chunk = payload.get("page") or {}
        page_id = str(chunk.get("page_id", ""))
        now = self.wall()
        with self._lock:
            self._close_idle(now)
            entry = self.pages.get(page_id)
            if entry is None and not chunk.get("end"):
                stream = self.mixer.start_stream(Priority.PAGING)
                stream.feed(b"\x00\x00" * int(JITTER_S * self.mixer.rate))
                entry = self.pages[page_id] = (stream, now)
                log.info("live page %s started", page_id)
            if entry is None:
                return
            stream = entry[0]
            if chunk.get("pcm"):
                try:
                    pcm = base64.b64decode(chunk["pcm"], validate=True)
                except ValueError:
                    log.warning("page %s: chunk %s is not base64; skipped", page_id, chunk.get("seq"))
                    pcm = b""
                stream.feed(resample_pcm(pcm, int(chunk.get("rate", self.mixer.rate)), self.mixer.rate))
            self.pages[page_id] = (stream, now)
            if chunk.get("end"):
                stream.close()
                del self.pages[page_id]
                log.info("live page %s ended", page_id)

    def _close_idle(self, now: float) -> None:
        for page_id, (stream, last) in list(self.pages.items()):
            if now - last > PAGE_IDLE_S:
                stream.close()
                del self.pages[page_id]
                log.warning("live page %s stopped arriving; closed", page_id)


def resample_pcm(pcm: bytes, rate_in: int, rate_out: int) -> bytes:
    """16-bit mono PCM from the page's rate to the mixer's (linear interpolation: speech, not music)."""
    if rate_in == rate_out or not pcm:
        return pcm
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    count = int(len(samples) * rate_out / rate_in)
    positions = np.arange(count) * (rate_in / rate_out)
    return np.interp(positions, np.arange(len(samples)), samples).round().astype("<i2").tobytes()
