"""Opening the drivers the board config names, with ``auto`` turned into what this board really has.

A board flashed from the generic image has every driver on ``auto``: the
speaker and microphone it has, the camera it has, the card reader and I2C sensors plugged in.
``simulated`` is used only where the config (the demo, the tests) says so.
Detection runs once per process, and only when some driver is ``auto``.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.util
import logging
from dataclasses import dataclass, field

from drivers.detect import Hardware, detect
from drivers.sensors import Sensor, create_sensor

from .config import BoardConfig, SensorEntry

log = logging.getLogger(__name__)


@dataclass
class Drivers:
    """The concrete backends this board uses, each with the reason it was chosen."""

    audio: str
    audio_device: str
    microphone: str
    microphone_device: str
    camera: str
    card_reader: str
    card_reader_device: str
    display: str
    sensors: list[SensorEntry]
    why: dict[str, str] = field(default_factory=dict)

    def simulated(self) -> list[str]:
        """The drivers that are simulated (on a board: each one is a problem)."""
        names = [n for n in ("audio", "microphone", "camera", "card_reader", "display")
                 if getattr(self, n) == "simulated"]
        return names + [f"sensor {s.kind}" for s in self.sensors if s.backend == "simulated"]


@functools.cache
def detected() -> Hardware:
    """This machine's hardware, looked at once per process (I2C probing takes a moment)."""
    return detect()


def auto_wanted(config: BoardConfig) -> bool:
    d = config.drivers
    return "auto" in (d.audio, d.microphone, d.camera, d.card_reader, d.display) or (d.sensors == "auto" and not config.sensors)


def resolve(config: BoardConfig, hardware: Hardware | None = None) -> Drivers:
    """Replace every ``auto`` in the config with what ``hardware`` (default: this machine) has."""
    d = config.drivers
    hw = hardware if hardware is not None else (detected() if auto_wanted(config) else Hardware())
    why: dict[str, str] = {}

    audio, audio_device = d.audio, d.audio_device
    if audio == "auto":
        playable = [c for c in hw.sound_cards if c.playback]
        if not playable:
            audio, why["audio"] = "none", "no sound card with a playback device (/proc/asound/cards)"
        elif importlib.util.find_spec("pyaudio") is None:
            audio, why["audio"] = "none", f"sound card {playable[0].name} found, but PyAudio is not installed"
        else:
            audio, why["audio"] = "pyaudio", "sound cards: " + ", ".join(f"{c.index} {c.name}" for c in playable)
    else:
        why["audio"] = "set in config"

    microphone, microphone_device = _microphone(d, hw, why)

    camera = d.camera
    if camera == "auto":
        camera = hw.cameras[0] if hw.cameras else "none"
        why["camera"] = f"V4L2 capture device {camera}" if hw.cameras else "no V4L2 capture device"
    else:
        why["camera"] = "set in config"

    reader, reader_device = d.card_reader, d.card_reader_device
    if reader == "auto":
        if hw.card_readers:
            reader, reader_device = hw.card_readers[0]
            why["card_reader"] = f"{reader_device}"
        else:
            reader, why["card_reader"] = "none", "no reader under /dev/input/by-id or /dev/serial/by-id"
    else:
        why["card_reader"] = "set in config"

    display = d.display
    if display == "auto":
        display, why["display"] = hw.display, hw.display_reason
    else:
        why["display"] = "set in config"

    sensors = list(config.sensors)
    if sensors:
        why["sensors"] = "listed in config ([[sensors]])"
    elif d.sensors == "auto":
        sensors = [SensorEntry(kind=s.kind, backend="real", bus=s.bus, address=s.address) for s in hw.i2c_sensors]
        why["sensors"] = (f"I2C buses {hw.i2c_buses or 'none'}: " +
                          (", ".join(f"{s.kind}@{s.bus}:0x{s.address:02x}" for s in hw.i2c_sensors) or "no known chip"))
    else:
        why["sensors"] = f"{d.sensors} in config: only the [[sensors]] listed, and none are"
    return Drivers(audio, audio_device, microphone, microphone_device, camera, reader, reader_device, display,
                   sensors, why)


def _microphone(d, hw: Hardware, why: dict[str, str]) -> tuple[str, str]:
    """``auto``: the first card that records a room, by its ALSA card number (PortAudio names it ``(hw:N,0)``)."""
    if d.microphone != "auto":
        why["microphone"] = "set in config"
        return d.microphone, d.microphone_device
    cards = hw.microphones
    if not cards:
        why["microphone"] = "no sound card with a capture device (/proc/asound/cards, /dev/snd/pcmC*c)"
        return "none", ""
    if importlib.util.find_spec("pyaudio") is None:
        why["microphone"] = f"sound card {cards[0].name} records, but PyAudio is not installed"
        return "none", ""
    why["microphone"] = f"sound card {cards[0].index} {cards[0].name} records"
    return "pyaudio", d.microphone_device or f"(hw:{cards[0].index},"


def resolved(config: BoardConfig) -> Drivers:
    """``resolve`` for this board's config, remembered on the config object (one detection per process)."""
    cached = getattr(config, "_resolved_drivers", None)
    if cached is None or cached[0] != dataclasses.astuple(config.drivers):
        cached = (dataclasses.astuple(config.drivers), resolve(config))
        object.__setattr__(config, "_resolved_drivers", cached)
    return cached[1]


def open_sensors(config: BoardConfig) -> list[tuple[SensorEntry, Sensor]]:
    opened, names = [], set()
    for entry in resolved(config).sensors:
        name = entry.kind if entry.kind not in names else f"{entry.kind}-{len(names)}"
        names.add(name)
        try:
            sensor = create_sensor(entry.kind, entry.backend, bus=entry.bus, address=entry.address,
                                   port=entry.port, pin=entry.pin, name=name)
        except Exception as exc:  # a missing library or device must not stop the board
            log.error("sensor %s (%s) cannot be opened: %s", name, entry.backend, exc)
            continue
        opened.append((entry, sensor))
    return opened


def open_microphone(config: BoardConfig):
    """The board's microphone (drivers/audio/inputs.py); a board without one gets one that refuses, never a fake."""
    from drivers.audio.inputs import create_microphone

    drivers = resolved(config)
    return create_microphone(drivers.microphone, drivers.microphone_device or None)


def open_display(config: BoardConfig):
    from drivers.display import create_display

    backend = resolved(config).display
    try:
        return create_display(backend)
    except Exception as exc:
        log.error("display backend %s cannot be opened (%s); using the simulated one", backend, exc)
        return create_display("simulated")
