"""What hardware this computer has: sound cards (speaker, microphone), cameras, card readers, I2C sensors, a screen to switch.

A board flashed from the generic image must use its real speaker and camera
without anyone editing a file, so every driver defaults to ``auto`` and these
functions say what ``auto`` finds. They only read ``/proc``, ``/sys`` and
``/dev`` (given as roots, so tests build fake trees in a temporary directory)
and, for I2C, ask each known address whether a chip answers.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

log = logging.getLogger(__name__)

# Video nodes that are not cameras: the Pi's codec/ISP/decoder memory-to-memory devices.
NOT_CAMERAS = re.compile(r"codec|isp|hevc|rpivid|pispbe|decoder|encoder|jpeg|scaler|deinterlace|mem2mem", re.I)
# USB card readers type like keyboards or show up as serial ports; their by-id names say what they are.
READER_NAMES = re.compile(r"rfid|reader|card|nfc|id_ic|idic|mifare|hid_omnikey|acr122|sycreader|ic_reader", re.I)
# Sound cards with a capture side that hears no room: ALSA's loopback and dummy drivers.
NOT_MICROPHONES = re.compile(r"^(loopback|dummy)", re.I)
# Known sensor addresses, and which kinds may answer there (the first that identifies wins).
I2C_ADDRESSES: dict[int, tuple[str, ...]] = {0x76: ("bme280",), 0x77: ("bme280",), 0x44: ("sht4x", "sht31"),
                                             0x45: ("sht31",), 0x62: ("scd4x",), 0x61: ("scd30",), 0x23: ("bh1750",)}
BME280_CHIP_ID = 0x60


@dataclass(frozen=True)
class SoundCard:
    index: int
    id: str
    name: str
    playback: bool  # has a playback PCM device node
    capture: bool = False  # has a capture PCM device node: a microphone (or line in) is there


@dataclass(frozen=True)
class I2CSensor:
    kind: str
    bus: int
    address: int


@dataclass
class Hardware:
    """Everything detection found, with the reason for each choice, for ``classboard doctor`` to print."""

    sound_cards: list[SoundCard] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    card_readers: list[tuple[str, str]] = field(default_factory=list)  # (backend, device path)
    i2c_buses: list[int] = field(default_factory=list)
    i2c_sensors: list[I2CSensor] = field(default_factory=list)
    display: str = "simulated"
    display_reason: str = ""

    @property
    def audio(self) -> str:
        return "pyaudio" if any(card.playback for card in self.sound_cards) else "none"

    @property
    def microphones(self) -> list[SoundCard]:
        """Cards that can record sound from a room (a loopback or dummy card captures only what plays)."""
        return [c for c in self.sound_cards if c.capture and not NOT_MICROPHONES.search(c.id)]


def sound_cards(proc: Path = Path("/proc"), dev: Path = Path("/dev")) -> list[SoundCard]:
    """ALSA's cards (``/proc/asound/cards``), each marked by whether it has a playback and a capture device."""
    try:
        text = (proc / "asound" / "cards").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    cards = []
    for match in re.finditer(r"^\s*(\d+)\s+\[(\S+)\s*\]:\s*(.*?)\s*$", text, re.M):
        index = int(match.group(1))
        next_line = text[match.end():].lstrip("\n").split("\n", 1)[0].strip()
        playback = any((dev / "snd").glob(f"pcmC{index}D*p"))
        capture = any((dev / "snd").glob(f"pcmC{index}D*c"))
        cards.append(SoundCard(index, match.group(2), next_line or match.group(3), playback, capture))
    return cards


def cameras(sys: Path = Path("/sys"), dev: Path = Path("/dev")) -> list[str]:
    """Capture devices (``/dev/videoN``), leaving out codecs, ISPs and UVC metadata nodes."""
    found = []
    root = sys / "class" / "video4linux"
    for node in sorted(root.glob("video*"), key=lambda p: int(re.sub(r"\D", "", p.name) or 0)):
        name = _read(node / "name")
        if NOT_CAMERAS.search(name) or _read(node / "index", "0") != "0":
            continue
        if (dev / node.name).exists():
            found.append(str(dev / node.name))
    return found


def card_readers(dev: Path = Path("/dev")) -> list[tuple[str, str]]:
    """USB card readers by their stable by-id names: keyboard-like ones (evdev) first, then serial ones."""
    found = []
    for path in sorted((dev / "input" / "by-id").glob("*-event-kbd")):
        if READER_NAMES.search(path.name):
            found.append(("evdev", str(path)))
    for path in sorted((dev / "serial" / "by-id").glob("*")):
        if READER_NAMES.search(path.name):
            found.append(("serial", str(path)))
    return found


def i2c_buses(dev: Path = Path("/dev")) -> list[int]:
    return sorted(int(p.name.split("-")[1]) for p in dev.glob("i2c-*") if p.name.split("-")[1].isdigit())


def _smbus(bus: int):
    from smbus2 import SMBus
    return SMBus(bus)


def i2c_sensors(buses: list[int], open_bus: Callable[[int], object] = _smbus) -> list[I2CSensor]:
    """Ask each known address on each bus whether a chip answers, and which kind it is."""
    found = []
    for number in buses:
        try:
            bus = open_bus(number)
        except (OSError, ImportError) as exc:
            log.info("I2C bus %d cannot be opened: %s", number, exc)
            continue
        try:
            for address, kinds in I2C_ADDRESSES.items():
                kind = _identify(bus, address, kinds)
                if kind:
                    found.append(I2CSensor(kind, number, address))
        finally:
            getattr(bus, "close", lambda: None)()
    return found


def _identify(bus, address: int, kinds: tuple[str, ...]) -> str | None:
    """The kind answering at ``address``, or None; a BME280 must also give its chip id (a BMP280 is not one)."""
    from drivers.sensors.base import SMBusTransport

    chip = SMBusTransport(bus, address)
    try:
        if kinds == ("bme280",):
            return "bme280" if chip.read_register(0xD0, 1)[0] == BME280_CHIP_ID else None
        chip.read(1)  # an address nobody answers raises OSError (no ACK), as with i2cdetect -r
    except OSError:
        return None
    if "sht4x" in kinds:
        return "sht4x" if _answers_sht4x_serial(chip) else "sht31"
    return kinds[0]


def _answers_sht4x_serial(chip) -> bool:
    """An SHT4x answers its read-serial command (0x89) with two CRC-checked words; an SHT31 does not know it."""
    import time

    from drivers.sensors.base import SensorFault, sensirion_words

    try:
        chip.write(bytes([0x89]))
        time.sleep(0.002)
        sensirion_words(chip.read(6), 2, "sht4x")
        return True
    except (OSError, SensorFault):
        return False


def display(env: Mapping[str, str] | None = None, sys: Path = Path("/sys"), dev: Path = Path("/dev"),
            run: Path = Path("/run")) -> tuple[str, str]:
    """The backend that can switch this screen, and why: a compositor, a panel backlight, or HDMI-CEC."""
    env = dict(os.environ) if env is None else env
    if env.get("WAYLAND_DISPLAY"):
        return "wlr-randr", f"Wayland session ({env['WAYLAND_DISPLAY']})"
    if env.get("DISPLAY"):
        return "xset", f"X11 session ({env['DISPLAY']})"
    backlights = sorted((sys / "class" / "backlight").glob("*"))
    if backlights:
        return "backlight", f"panel backlight {backlights[0].name}"
    sockets = sorted(run.glob("user/*/wayland-[0-9]"))
    if sockets:
        return "wlr-randr", f"Wayland compositor socket {sockets[0]}"
    cec = sorted(dev.glob("cec[0-9]*"))
    if cec:
        return "cec", f"HDMI-CEC adapter {cec[0]}"
    return "simulated", "no compositor, backlight or HDMI-CEC adapter found"


def detect(proc: Path = Path("/proc"), sys: Path = Path("/sys"), dev: Path = Path("/dev"),
           run: Path = Path("/run"), env: Mapping[str, str] | None = None,
           open_bus: Callable[[int], object] = _smbus, probe_i2c: bool = True) -> Hardware:
    """One look at the whole machine."""
    buses = i2c_buses(dev)
    shown, reason = display(env, sys, dev, run)
    return Hardware(sound_cards=sound_cards(proc, dev), cameras=cameras(sys, dev), card_readers=card_readers(dev),
                    i2c_buses=buses, i2c_sensors=i2c_sensors(buses, open_bus) if probe_i2c else [],
                    display=shown, display_reason=reason)


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return default
