"""The board's speaker: bells on the bell schedule, planned broadcasts, spoken notices, the alarm.

Everything goes through one priority mixer, so an evacuation alarm always wins
over a broadcast, a broadcast ducks under live paging, and a bell never cuts
off an announcement.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from drivers.audio import Clip, ClipError, Mixer, Priority, create_output, load_clip, tone
from drivers.audio.clips import speak

log = logging.getLogger(__name__)


def chime(rate: int = 48000) -> Clip:
    """The default bell: a two-tone chime (a school can ship its own bell file in the bundle)."""
    import numpy as np

    parts = [tone(f, 0.45, rate, 0.45).samples for f in (784, 659, 784, 523)]
    return Clip(np.concatenate(parts), rate)


def alarm_clip(rate: int = 48000) -> Clip:
    """A siren sweeping 600–1200 Hz, one second per cycle, looped while the alarm lasts."""
    import numpy as np

    t = np.arange(rate) / rate
    freq = 900 + 300 * np.sin(2 * np.pi * t)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    return Clip((np.sin(phase) * 0.6 * 32767).astype("<i2"), rate)


class Speaker:
    def __init__(self, board, mixer: Mixer | None = None, media_dir: Path | None = None,
                 bell: Clip | None = None) -> None:
        from .hardware import resolved

        self.board = board
        if mixer is None:
            drivers = resolved(board.config)
            mixer = Mixer(create_output(drivers.audio, drivers.audio_device or None))
        self.mixer = mixer
        self.media_dir = media_dir or board.config.data_path / "media"
        self._bell: Clip | None = bell  # a school's own chime (or a bench's short one); default made lazily
        self.alarm = None
        self.set_volume(board.settings().get("volume", 70))

    def set_volume(self, level: int) -> None:
        self.mixer.master_volume = max(0, min(100, int(level))) / 100

    def ring(self, event: Any) -> None:
        """A bell from the scheduler (not a usage record: bells ring whether or not anyone uses the board)."""
        self.mixer.play(self.bell, Priority.BELL)

    @property
    def bell(self) -> Clip:
        """Made at the first bell, not at start-up: numpy is 20 MB a board without sound need not carry."""
        if self._bell is None:
            self._bell = chime(self.mixer.rate)
        return self._bell

    def speech(self, text: str):
        """A sentence in the board's voice (piper if configured, else espeak-ng), at the mixer's rate."""
        return speak(text, self.mixer.rate, self.board.config.drivers.piper_model or None)

    def say(self, text: str, priority: Priority = Priority.BROADCAST) -> None:
        try:
            self.mixer.play(self.speech(text), priority)
        except ClipError as exc:
            log.error("cannot speak %r: %s", text[:40], exc)

    def broadcast(self, item: dict[str, Any]) -> bool:
        """Play a planned broadcast from the local media cache (checked against its hash)."""
        return self._play_cached(item.get("media", {}).get("sha256"), item.get("name"), Priority.BROADCAST,
                                 "broadcast.played", "schedule", {"broadcast": item.get("id", "")})

    def on_demand(self, item: dict[str, Any], teacher_id: str) -> bool:
        """A teacher's pick from the media library (互动点播): at media priority, so bells and broadcasts duck it
        and an emergency cuts it; one ``media.played`` record naming the teacher."""
        return self._play_cached(item.get("sha256"), item.get("title"), Priority.MEDIA, "media.played", "teacher",
                                 {"media": item.get("id", ""), "teacher_id": teacher_id})

    def _play_cached(self, sha256: str | None, label: Any, priority: Priority, kind: str, initiator: str,
                     data: dict[str, Any]) -> bool:
        """A hash-checked file from the media cache, played and recorded with who started it; False if unplayable."""
        try:
            clip = load_clip(self.media_dir / str(sha256 or "missing"), self.mixer.rate, sha256=sha256)
        except ClipError as exc:
            log.error("%s %s not played: %s", kind, label, exc)
            return False
        self.mixer.play(clip, priority)
        self.board.usage.record(kind, initiator=initiator, class_id=self.board.class_id,
                                duration_s=int(clip.seconds), data=data)
        return True

    def alarm_on(self) -> None:
        if self.alarm is None or self.alarm.done.is_set():
            self.alarm = self.mixer.play(alarm_clip(self.mixer.rate), Priority.EMERGENCY, loop=True)

    def alarm_off(self) -> None:
        if self.alarm is not None:
            self.alarm.stop()
            self.alarm = None


def next_broadcast(items: list[dict[str, Any]], after: datetime, zone) -> tuple[datetime, dict] | None:
    """The first planned broadcast strictly after ``after`` (daily ``HH:MM`` with weekdays, or one instant)."""
    found = []
    for item in items:
        at = item.get("at", "")
        if "T" in at:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
            if when > after:
                found.append((when, item))
            continue
        hour, minute = (int(x) for x in at.split(":"))
        local = after.astimezone(zone)
        for offset in range(0, 8):
            day = local.date() + timedelta(days=offset)
            if item.get("weekdays") and day.isoweekday() not in item["weekdays"]:
                continue
            when = datetime.combine(day, time(hour, minute), zone).astimezone(timezone.utc)
            if when > after:
                found.append((when, item))
                break
    return min(found, key=lambda x: x[0]) if found else None
