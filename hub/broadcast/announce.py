"""Zone broadcasts and live paging from the hub: one board, a building, a floor, a grade or the whole school.

A broadcast is announced for an instant a few seconds ahead, long enough for
every board to fetch and check the sound, so all rooms start together on their
own clocks. A page is relayed chunk by chunk as the operator speaks (or as a
file plays out in real time); every broadcast and page is written to the
command log with who sent it where.
"""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from protocol.mqtt import page_topic, seal_message, zone_name, zone_topic
from protocol.records import format_time

from ..bundles import school_content
from ..models import Board, CommandLog
from ..tenancy import current

MAX_MEDIA_BYTES = 50 * 1024 * 1024
SOUND_MAGIC = (b"RIFF", b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"OggS", b"fLaC")
MAX_PAGE_CHUNK = 48_000  # bytes of PCM per chunk: 1.5 s at 16 kHz


class BroadcastError(ValueError):
    """Refused; nothing was sent."""


def media_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "media"


def store_media(data_dir: Path, data: bytes) -> dict[str, Any]:
    """Keep a sound file by its hash; boards fetch it by that hash and check it."""
    if not data:
        raise BroadcastError("the sound file is empty")
    if len(data) > MAX_MEDIA_BYTES:
        raise BroadcastError(f"the sound file is {len(data) >> 20} MB; the limit is {MAX_MEDIA_BYTES >> 20} MB")
    if not data.startswith(SOUND_MAGIC):
        raise BroadcastError("the file is not WAV, MP3, OGG or FLAC")
    return keep_by_hash(data_dir, data)


def keep_by_hash(data_dir: Path, data: bytes) -> dict[str, Any]:
    """Store checked bytes under their SHA-256, where boards fetch media (``/api/v1/boards/<id>/media/<sha>``)."""
    sha = hashlib.sha256(data).hexdigest()
    folder = media_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / sha
    if not target.exists():
        part = target.with_suffix(".part")
        part.write_bytes(data)
        part.replace(target)
    return {"sha256": sha, "size": len(data)}


def zones() -> list[tuple[str, str]]:
    """(zone, label) for the console's target list, from the school's rooms, grades and boards."""
    school = school_content()
    found = [(zone_name("school"), "全校 / whole school")]
    buildings = sorted({r.get("building") for r in school["rooms"] if r.get("building")})
    for building in buildings:
        found.append((zone_name("building", building), f"{building}"))
        for floor in sorted({r.get("floor") for r in school["rooms"]
                             if r.get("building") == building and r.get("floor") is not None}):
            found.append((zone_name("floor", building, floor), f"{building} {floor} 层"))
    for grade in sorted({c.get("grade") for c in school["classes"] if c.get("grade")}):
        found.append((zone_name("grade", grade), f"{grade} 年级"))
    for board in Board.select(Board.id, Board.name, Board.room_id).where(
            (Board.state == "enrolled") & (Board.school == current())).order_by(Board.id):
        found.append((zone_name("board", board.id), f"{board.name or board.id} ({board.room_id or '—'})"))
    return found


def _log(user: str, zone: str, command: str, **args: Any) -> None:
    CommandLog.create(at=datetime.now(timezone.utc).replace(tzinfo=None), user=user, target=zone, command=command,
                      args=json.dumps(args, ensure_ascii=False))


def announce(pusher, school_id: str, zone: str, *, user: str, media: dict[str, Any] | None = None,
             text: str | None = None, name: str = "", delay_s: float = 3.0) -> dict[str, Any]:
    """Publish a zone broadcast starting ``delay_s`` from now; returns the message's fields."""
    if zone not in {z for z, _ in zones()}:
        raise BroadcastError(f"no zone {zone!r}")
    if bool(media) == bool(text):
        raise BroadcastError("give either a sound file or a sentence to speak")
    if not 1.0 <= delay_s <= 600:
        raise BroadcastError("the start must be 1 to 600 seconds ahead")
    start = datetime.now(timezone.utc) + timedelta(seconds=delay_s)
    item: dict[str, Any] = {"start_at": format_time(start), "name": name[:200]}
    item.update({"media": media} if media else {"text": text[:500]})
    sent = pusher.publish(zone_topic(school_id, zone), seal_message(
        pusher.key, school_id, "broadcast", zone=zone, broadcast=item, ttl=timedelta(seconds=delay_s + 60)))
    if not sent:
        raise BroadcastError("no MQTT broker is connected; zone broadcasts need one")
    _log(user, zone, "broadcast", **item)
    return item


class Page:
    """One live page to one zone: chunks of 16-bit mono PCM relayed in order."""

    def __init__(self, pusher, school_id: str, zone: str, user: str, rate: int = 16000) -> None:
        if zone not in {z for z, _ in zones()}:
            raise BroadcastError(f"no zone {zone!r}")
        self.pusher, self.school_id, self.zone, self.user, self.rate = pusher, school_id, zone, user, rate
        self.id, self.seq, self.samples = uuid.uuid4().hex, 0, 0
        self.started = datetime.now(timezone.utc)

    def _send(self, **fields: Any) -> None:
        message = seal_message(self.pusher.key, self.school_id, "page", zone=self.zone, ttl=timedelta(seconds=10),
                               page={"page_id": self.id, "seq": self.seq, "rate": self.rate, **fields})
        if not self.pusher.publish(page_topic(self.school_id, self.zone), message, qos=0):
            raise BroadcastError("no MQTT broker is connected; paging needs one")
        self.seq += 1

    def chunk(self, pcm: bytes) -> None:
        if len(pcm) > MAX_PAGE_CHUNK or len(pcm) % 2:
            raise BroadcastError(f"a chunk must be whole 16-bit samples, at most {MAX_PAGE_CHUNK} bytes")
        self.samples += len(pcm) // 2
        self._send(pcm=base64.b64encode(pcm).decode("ascii"))

    def end(self) -> None:
        self._send(end=True)
        _log(self.user, self.zone, "page", page_id=self.id, seconds=round(self.samples / self.rate, 1),
             chunks=self.seq - 1, started_at=format_time(self.started))
