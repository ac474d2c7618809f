"""``classboard doctor``: what an IT technician checks first, as one readable report."""
from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import click

OK, WARN, FAIL = "ok", "warn", "FAIL"
MIN_FREE_MB = 200


@dataclass
class Check:
    area: str
    status: str
    detail: str


def check_config(config_file: Path | None) -> tuple[Check, object | None]:
    from edge.config import BOOT_CONFIG, SYSTEM_CONFIG, ConfigError, load_config

    paths = [SYSTEM_CONFIG, BOOT_CONFIG] + ([config_file] if config_file else [])
    try:
        cfg = load_config(paths=paths)
    except ConfigError as exc:
        return Check("config", FAIL, str(exc)), None
    used = ", ".join(cfg.sources) or "built-in defaults only"
    return Check("config", OK, f"from {used}"), cfg


def check_store(cfg) -> Check:
    from edge.store.db import _check_integrity

    path = cfg.data_path / "board.sqlite3"
    if not cfg.data_path.exists():
        return Check("store", WARN, f"{cfg.data_path} does not exist yet (created on first start)")
    if not path.exists():
        return Check("store", WARN, f"no store at {path} yet (created on first start)")
    problem = _check_integrity(path)
    if problem:
        return Check("store", FAIL, f"{path} fails its integrity check: {problem}")
    return Check("store", OK, f"{path} passes quick_check ({path.stat().st_size // 1024} KB)")


def check_clock(now: datetime | None = None) -> Check:
    now = now or datetime.now(timezone.utc)
    if now.year < 2024:
        return Check("clock", FAIL, f"system time is {now:%Y-%m-%d}: not yet set by NTP; bells and records need it")
    synced = Path("/run/systemd/timesync/synchronized").exists()
    note = "NTP synchronised" if synced else "NTP state unknown (systemd-timesyncd not reporting)"
    return Check("clock", OK if synced else WARN, f"{now:%Y-%m-%d %H:%M:%S} UTC, {note}")


def check_disk(cfg) -> Check:
    probe = cfg.data_path if cfg.data_path.exists() else Path("/")
    usage = shutil.disk_usage(probe)
    free_mb = usage.free // (1024 * 1024)
    status = OK if free_mb >= MIN_FREE_MB else FAIL
    return Check("disk", status, f"{free_mb} MB free on {probe} (needs ≥ {MIN_FREE_MB} MB)")


def check_drivers(cfg, hardware=None) -> list[Check]:
    """What the board found and uses; a simulated driver or a silent speaker fails the board."""
    from edge.hardware import auto_wanted, detected, resolve

    if hardware is None and auto_wanted(cfg):
        hardware = detected()
    drivers = resolve(cfg, hardware)
    checks = [Check("detected", OK, line) for line in detected_lines(hardware)]
    needs = {"camera": "cv2", "card reader": {"evdev": "evdev", "serial": "serial"}}
    used = {"display": drivers.display, "camera": drivers.camera, "card reader": drivers.card_reader}
    for area, backend in used.items():
        reason = drivers.why[area.replace(" ", "_")]
        if backend == "simulated":
            checks.append(Check(area, FAIL, f"simulated ({reason}): a board must use its real {area}"))
            continue
        module = needs.get(area)
        if isinstance(module, dict):
            module = module.get(backend)
        if backend != "none" and module and importlib.util.find_spec(module) is None:
            checks.append(Check(area, FAIL, f"{backend} needs the Python module {module!r}, not installed"))
        elif area == "card reader" and backend in ("evdev", "serial"):
            checks.append(check_card_reader(backend, drivers.card_reader_device, reason))
        else:
            status = WARN if backend == "none" and area == "camera" else OK
            checks.append(Check(area, status, f"{backend} ({reason})"))
    checks.append(check_audio(drivers))
    checks.append(check_microphone(drivers))
    simulated = [s.kind for s in drivers.sensors if s.backend == "simulated"]
    listed = ", ".join(f"{s.kind}:{s.backend}" for s in drivers.sensors) or "none"
    if simulated:
        checks.append(Check("sensors", FAIL, f"{listed}: simulated sensors report made-up air"))
    else:
        checks.append(Check("sensors", OK if drivers.sensors else WARN, f"{listed} ({drivers.why['sensors']})"))
    return checks


def check_card_reader(backend: str, device: str, reason: str) -> Check:
    """The reader must open for the board's user; the board reads it in its own thread (edge/card_reader.py)."""
    from drivers.cardreader import probe

    group = "input" if backend == "evdev" else "dialout"
    try:
        return Check("card reader", OK, f"{probe(backend, device)} ({reason})")
    except OSError as exc:
        return Check("card reader", FAIL, f"{backend} {device} cannot be opened: {exc} "
                                          f"(the board's user needs the {group} group); taps would be lost")


def detected_lines(hw) -> list[str]:
    """What detection saw, one line per kind of part, so one photo of the screen tells support everything."""
    if hw is None:
        return ["nothing looked for: no driver is auto"]
    cards = ", ".join(f"{c.index} {c.name}{'' if c.playback else ' (no playback)'}{' (records)' if c.capture else ''}"
                      for c in hw.sound_cards)
    return [f"sound cards: {cards or 'none'}",
            f"cameras: {', '.join(hw.cameras) or 'none'}",
            f"card readers: {', '.join(d for _, d in hw.card_readers) or 'none'}",
            f"I2C buses: {', '.join(map(str, hw.i2c_buses)) or 'none'}; "
            f"sensors: {', '.join(f'{s.kind}@{s.bus}:0x{s.address:02x}' for s in hw.i2c_sensors) or 'none'}",
            f"screen: {hw.display} ({hw.display_reason})"]


def _attempt(action, timeout_s: float) -> str | None:
    """Run ``action`` in a thread for at most ``timeout_s``: None if it went through, else what went wrong.

    A sound device can hang in its driver; a check must still come back and say so."""
    import threading

    outcome: list[str] = []

    def attempt() -> None:
        try:
            action()
            outcome.append("")
        except Exception as exc:  # noqa: BLE001 - any failure to open, write or read is the finding
            outcome.append(f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not outcome:
        return f"did not answer within {timeout_s:g} s"
    return outcome[0] or None


def check_audio(drivers, timeout_s: float = 10.0) -> Check:
    """A board must be heard: the output is opened and given a moment of silence, which must not fail."""
    if drivers.audio in ("none", "simulated"):
        return Check("audio", FAIL, f"no working audio output: {drivers.audio} ({drivers.why['audio']}); "
                                    "bells and broadcasts would be silent")
    if importlib.util.find_spec("pyaudio") is None:
        return Check("audio", FAIL, "pyaudio needs the Python module 'pyaudio', not installed")
    from drivers.audio import create_output

    def play() -> None:
        output = create_output(drivers.audio, drivers.audio_device or None)
        try:
            output.write(bytes(2 * output.rate // 20))  # 50 ms of silence
        finally:
            output.close()

    device = drivers.audio_device or "default device"
    problem = _attempt(play, timeout_s)
    if problem:
        return Check("audio", FAIL, f"{drivers.audio} ({device}) cannot play: {problem}")
    return Check("audio", OK, f"{drivers.audio} ({device}) plays ({drivers.why['audio']})")


def check_microphone(drivers, timeout_s: float = 10.0) -> Check:
    """A microphone is optional (without one the board offers no voice reply), but one that is there must record,
    and a simulated one must never stand in on a board: a child would be "heard" saying a test tone."""
    reason = drivers.why["microphone"]
    if drivers.microphone == "simulated":
        return Check("microphone", FAIL, f"simulated ({reason}): replies would be a test tone, not the child")
    if drivers.microphone == "none":
        return Check("microphone", WARN, f"none ({reason}): children cannot answer family messages by voice, "
                                         "the reply button is not offered")
    from drivers.audio.inputs import create_microphone

    device = drivers.microphone_device or "default device"
    problem = _attempt(lambda: create_microphone(drivers.microphone, drivers.microphone_device or None).record(0.2),
                       timeout_s)
    if problem:
        return Check("microphone", FAIL, f"{drivers.microphone} ({device}) cannot record: {problem}")
    return Check("microphone", OK, f"{drivers.microphone} ({device}) records ({reason})")


@click.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
def doctor(config_file: Path | None) -> None:
    """Check config, store, clock, disk and drivers; exit 1 if anything failed."""
    config_check, cfg = check_config(config_file)
    checks = [config_check]
    if cfg is not None:
        checks += [check_store(cfg), check_clock(), check_disk(cfg)] + check_drivers(cfg)
    colours = {OK: "green", WARN: "yellow", FAIL: "red"}
    for c in checks:
        click.echo(f"{click.style(f'[{c.status:^4}]', fg=colours[c.status])} {c.area:<12} {c.detail}")
    failed = [c for c in checks if c.status == FAIL]
    click.echo(f"\n{len(checks)} checks, {len(failed)} failed.")
    raise SystemExit(1 if failed else 0)
