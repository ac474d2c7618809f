"""Board configuration: one TOML format, layered.

Layers, later wins: built-in defaults < ``/etc/classboard/board.toml`` <
the boot-partition file ``/boot/firmware/classboard.toml`` (what IT staff drop on
an SD card) < ``CLASSBOARD_<SECTION>__<KEY>`` environment variables.
A bad value stops start-up with one message naming the file, the key and why,
because a board that starts half-configured is harder to fix than one that says
what is wrong.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SYSTEM_CONFIG = Path("/etc/classboard/board.toml")
BOOT_CONFIG = Path("/boot/firmware/classboard.toml")
ENV_PREFIX = "CLASSBOARD_"


class ConfigError(Exception):
    """Raised with a message that names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.source, self.key, self.reason = source, key, reason


@dataclass
class BoardSection:
    id: str = ""
    name: str = "classboard"
    data_dir: str = "/var/lib/classboard"
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    class_id: str = ""
    room_id: str = ""


@dataclass
class HubSection:
    url: str = ""
    enrollment_token: str = ""
    room: str = ""
    tls_fingerprint: str = ""  # the hub certificate's SHA-256 (classboard hub fingerprint); empty: pinned on first use
    pull_interval_s: int = 300
    batch_size: int = 5000  # the most a batch may hold (protocol MAX_BATCH_RECORDS): fewer fsyncs and signatures


@dataclass
class MqttSection:
    host: str = ""
    port: int = 1883


@dataclass
class UiSection:
    host: str = "127.0.0.1"
    port: int = 8080
    orientation: str = "landscape"
    idle_timeout_s: int = 60
    admin_pin: str = ""
    notice_rotate_ms: int = 8000  # when more notices are live than fit, the shown ones change this often


@dataclass
class DriversSection:
    """Every driver is ``auto`` by default: a board uses the hardware it has; ``simulated`` is chosen, never assumed."""

    display: str = "auto"
    camera: str = "auto"
    audio: str = "auto"
    audio_device: str = ""
    microphone: str = "auto"  # a child's voice reply to a family message; none: the board offers no reply
    microphone_device: str = ""  # a PortAudio input device index or name part; empty: the detected card
    card_reader: str = "auto"
    card_reader_device: str = ""
    sensors: str = "auto"  # with no [[sensors]] listed: auto probes I2C at the known addresses
    gpio_backend: str = "gpiozero"
    face_models_dir: str = "/var/lib/classboard/models/face"  # YuNet + SFace ONNX files; absent: face is off
    piper_model: str = ""  # a piper voice (.onnx) for spoken notices; empty or absent: espeak-ng Mandarin


@dataclass
class SystemSection:
    """Applied once by the first-boot agent (provisioning), not by the board service."""

    hostname: str = ""
    wifi_ssid: str = ""
    wifi_psk: str = ""
    wifi_country: str = "CN"


@dataclass
class SensorEntry:
    kind: str = "bme280"
    backend: str = "real"
    interval_s: int = 60
    bus: int = 1
    address: int = 0
    port: str = ""
    pin: int = 0


@dataclass
class BoardConfig:
    board: BoardSection = field(default_factory=BoardSection)
    hub: HubSection = field(default_factory=HubSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    ui: UiSection = field(default_factory=UiSection)
    drivers: DriversSection = field(default_factory=DriversSection)
    system: SystemSection = field(default_factory=SystemSection)
    sensors: list[SensorEntry] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def data_path(self) -> Path:
        return Path(self.board.data_dir)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.board.timezone)


CHOICES: dict[str, tuple[str, ...]] = {
    "board.language": ("zh-CN", "en"),
    "ui.orientation": ("landscape", "portrait"),
    "drivers.display": ("auto", "simulated", "wlr-randr", "xset", "cec", "backlight"),
    "drivers.camera": ("auto", "simulated", "none"),  # or a device path / index, checked below
    "drivers.audio": ("auto", "simulated", "pyaudio", "none"),
    "drivers.microphone": ("auto", "simulated", "pyaudio", "none"),
    "drivers.card_reader": ("auto", "simulated", "evdev", "serial", "none"),
    "drivers.sensors": ("auto", "simulated", "none"),
    "drivers.gpio_backend": ("gpiozero", "gpiod"),
}
# The demo and the tests run without hardware: they say so, through the environment layer.
SIMULATED_ENV = {f"CLASSBOARD_DRIVERS__{name}": "simulated" for name in ("DISPLAY", "CAMERA", "AUDIO", "MICROPHONE",
                                                                        "CARD_READER", "SENSORS")}
SENSOR_KINDS = ("bme280", "sht31", "sht4x", "scd4x", "scd30", "bh1750", "pms5003", "pir")
POSITIVE = {"hub.pull_interval_s", "hub.batch_size", "ui.idle_timeout_s", "ui.notice_rotate_ms", "ui.port", "mqtt.port"}


def _coerce(value: Any, target: type, source: str, key: str) -> Any:
    if target is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
    elif target is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value, 0)
            except ValueError:
                pass
    elif target is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    raise ConfigError(source, key, f"expected {target.__name__}, got {value!r}")


def _apply(obj: Any, values: Mapping[str, Any], source: str, prefix: str) -> None:
    fields = {f.name: f for f in dataclasses.fields(obj)}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if name not in fields:
            raise ConfigError(source, key, "unknown key")
        current = getattr(obj, name)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ConfigError(source, key, "expected a table")
            _apply(current, value, source, key + ".")
        elif isinstance(current, list):
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                raise ConfigError(source, key, "expected an array of tables ([[sensors]])")
            entries = []
            for i, item in enumerate(value):
                entry = SensorEntry()
                _apply(entry, item, source, f"{key}[{i}].")
                entries.append(entry)
            setattr(obj, name, entries)
        else:
            setattr(obj, name, _coerce(value, type(current), source, key))


def _check(cfg: BoardConfig, source: str) -> None:
    for key, allowed in CHOICES.items():
        section, name = key.split(".")
        value = getattr(getattr(cfg, section), name)
        if key == "drivers.camera" and (value.startswith("/dev/") or value.isdigit()):
            continue
        if value not in allowed:
            raise ConfigError(source, key, f"must be one of {', '.join(allowed)}, got {value!r}")
    for key in POSITIVE:
        section, name = key.split(".")
        if getattr(getattr(cfg, section), name) <= 0:
            raise ConfigError(source, key, "must be a positive number")
    if cfg.ui.port > 65535 or cfg.mqtt.port > 65535:
        raise ConfigError(source, "ui.port" if cfg.ui.port > 65535 else "mqtt.port", "must be at most 65535")
    try:
        ZoneInfo(cfg.board.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(source, "board.timezone", f"unknown time zone {cfg.board.timezone!r}") from None
    if cfg.hub.url and not cfg.hub.url.startswith(("http://", "https://")):
        raise ConfigError(source, "hub.url", "must start with http:// or https://")
    for i, s in enumerate(cfg.sensors):
        if s.kind not in SENSOR_KINDS:
            raise ConfigError(source, f"sensors[{i}].kind", f"must be one of {', '.join(SENSOR_KINDS)}")
        if s.backend not in ("real", "simulated"):
            raise ConfigError(source, f"sensors[{i}].backend", f"must be real or simulated, got {s.backend!r}")
        if s.interval_s <= 0:
            raise ConfigError(source, f"sensors[{i}].interval_s", "must be a positive number")


def _env_values(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    values: dict[str, dict[str, str]] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition("__")
        values.setdefault(section, {})[key] = value
    return values


def load_config(
    paths: list[Path] | None = None,
    env: Mapping[str, str] | None = None,
) -> BoardConfig:
    """Build the config from defaults, each existing file in ``paths``, then the environment."""
    env = os.environ if env is None else env
    if paths is None:
        paths = [SYSTEM_CONFIG, BOOT_CONFIG]
        if env.get("CLASSBOARD_CONFIG"):
            paths.append(Path(env["CLASSBOARD_CONFIG"]))
    cfg = BoardConfig()
    for path in paths:
        if not path.exists():
            continue
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(source, "(syntax)", str(exc)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(source, "(file)", f"cannot be read: {exc}") from None
        _apply(cfg, data, source, "")
        _check(cfg, source)
        cfg.sources.append(source)
    env_values = {k: v for k, v in _env_values(env).items() if k != "config"}
    if env_values:
        _apply(cfg, env_values, "environment", "")
        _check(cfg, "environment")
        cfg.sources.append("environment")
    _check(cfg, cfg.sources[-1] if cfg.sources else "defaults")
    return cfg
