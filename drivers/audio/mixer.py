"""A priority mixer: emergency > live paging > scheduled broadcast > bell > media.

While a source of higher priority plays, lower ones are ducked (quieter, still
running) and resume at full level when it ends; an emergency pauses everything
else outright and has a floor volume that the master volume cannot go below,
so a board turned down to silence still sounds an evacuation alarm.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from enum import IntEnum

from .clips import Clip
from .outputs import AudioOutput

log = logging.getLogger(__name__)

class Priority(IntEnum):
    EMERGENCY = 0
    PAGING = 1
    BROADCAST = 2
    BELL = 3
    MEDIA = 4


@dataclass(eq=False)
class Playback:
    priority: Priority
    volume: float = 1.0
    loop: bool = False
    clip: Clip | None = None
    position: int = 0
    started_at: float | None = None  # monotonic time of its first rendered block
    done: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        self.done.set()

    def take(self, n: int):
        """The next ``n`` samples (fewer at the end of a non-looping clip)."""
        import numpy as np

        samples = self.clip.samples
        if self.loop:
            idx = (self.position + np.arange(n)) % len(samples)
            self.position = (self.position + n) % len(samples)
            return samples[idx]
        chunk = samples[self.position:self.position + n]
        self.position += len(chunk)
        if self.position >= len(samples):
            self.done.set()
        return chunk


@dataclass(eq=False)
class LiveStream(Playback):
    """Live paging: PCM chunks arrive from the network and play as they come."""

    chunks: "queue.Queue[bytes]" = field(default_factory=queue.Queue)
    pending: bytes = b""
    closed: bool = False

    def feed(self, pcm: bytes) -> None:
        self.chunks.put(pcm)

    def close(self) -> None:
        self.closed = True

    def take(self, n: int):
        import numpy as np

        while len(self.pending) < 2 * n and not self.chunks.empty():
            self.pending += self.chunks.get_nowait()
        data, self.pending = self.pending[:2 * n], self.pending[2 * n:]
        if self.closed and not data and self.chunks.empty():
            self.done.set()
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")


class Mixer:
    def __init__(self, output: AudioOutput, block_ms: int = 20, duck_gain: float = 0.15,
                 emergency_floor: float = 0.7) -> None:
        self.output, self.rate = output, output.rate
        self.block = self.rate * block_ms // 1000
        self.duck_gain, self.emergency_floor = duck_gain, emergency_floor
        self.master_volume = 1.0
        self.active: list[Playback] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fault = ""  # the last output failure, for health; empty while sound plays

    def play(self, clip: Clip, priority: Priority = Priority.MEDIA, volume: float = 1.0, loop: bool = False) -> Playback:
        if clip.rate != self.rate:
            raise ValueError(f"clip is at {clip.rate} Hz, the mixer at {self.rate} Hz")
        playback = Playback(Priority(priority), volume, loop, clip)
        with self._lock:
            self.active.append(playback)
        return playback

    def start_stream(self, priority: Priority = Priority.PAGING, volume: float = 1.0) -> LiveStream:
        stream = LiveStream(Priority(priority), volume)
        with self._lock:
            self.active.append(stream)
        return stream

    def gain_for(self, playback: Playback, top: Priority) -> float:
        master = self.master_volume
        if playback.priority == Priority.EMERGENCY:
            master = max(master, self.emergency_floor)
        if playback.priority > top:
            return 0.0 if top == Priority.EMERGENCY else playback.volume * master * self.duck_gain
        return playback.volume * master

    def render_block(self):
        """Mix one block; a paused source does not advance, so it resumes where it was."""
        import numpy as np

        with self._lock:
            self.active = [p for p in self.active if not p.done.is_set()]
            playing = list(self.active)
        mix = np.zeros(self.block, dtype=np.float64)
        if playing:
            top = min(p.priority for p in playing)
            now = time.monotonic()
            for p in playing:
                if top == Priority.EMERGENCY and p.priority > top:
                    continue  # paused: it resumes where it was when the emergency ends
                gain = self.gain_for(p, top)  # may be 0 (muted): the source still moves on in time
                chunk = p.take(self.block)
                if p.started_at is None and len(chunk):
                    p.started_at = now
                mix[: len(chunk)] += chunk * gain
        return np.clip(mix, -32768, 32767).astype("<i2")

    def render(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.output.write(self.render_block().tobytes())

    def idle(self) -> bool:
        with self._lock:
            return not any(not p.done.is_set() for p in self.active)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="mixer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            if self.idle():  # nothing to play: do not keep the sound card busy
                self._stop.wait(0.005)
                continue
            try:
                self.render()
                if failures:
                    log.warning("audio output works again after %d failure(s)", failures)
                    failures, self.fault = 0, ""
            except Exception as exc:  # noqa: BLE001 - a dead mixer thread would silence the alarm for good
                failures += 1
                self.fault = f"audio output failed: {exc.__class__.__name__}: {exc}"
                log.error("%s; reopening in %.1f s", self.fault, min(10.0, 0.5 * 2 ** min(failures, 5)))
                try:
                    self.output.close()
                except Exception:  # noqa: BLE001
                    pass
                self._stop.wait(min(10.0, 0.5 * 2 ** min(failures, 5)))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self.output.close()
