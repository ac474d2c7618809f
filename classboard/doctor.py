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


def check_drivers(cfg) -> list[Check]:
    wanted = {"display": cfg.drivers.display, "camera": cfg.drivers.camera, "audio": cfg.drivers.audio,
              "card reader": cfg.drivers.card_reader}
    needs = {"camera": "cv2", "audio": "pyaudio", "card reader": {"evdev": "evdev", "serial": "serial"}}
    checks = []
    for area, backend in wanted.items():
        if backend in ("simulated", "none"):
            checks.append(Check(area, OK, f"{backend}"))
            continue
        module = needs.get(area)
        if isinstance(module, dict):
            module = module.get(backend)
        if module and importlib.util.find_spec(module) is None:
            checks.append(Check(area, FAIL, f"{backend} (real) needs the Python module {module!r}, not installed"))
        else:
            checks.append(Check(area, OK, f"{backend} (real)"))
    sensors = ", ".join(f"{s.kind}:{s.backend}" for s in cfg.sensors) or "none configured"
    checks.append(Check("sensors", OK, sensors))
    return checks


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
