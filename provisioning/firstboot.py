"""The first-boot agent: from a freshly flashed card to a board the hub knows.

It applies the boot-partition config's ``[system]`` table (host name, time zone,
Wi-Fi) through the system's own tools, enrolls with the hub when a token is
given (otherwise the board screen shows its claim code and waits for IT staff),
and marks itself done so it never runs twice. Each system command goes through
an injectable runner so tests can check exactly what would be run.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from edge.config import BoardConfig

log = logging.getLogger(__name__)
DONE_MARKER = ".firstboot-done"
Runner = Callable[[Sequence[str]], int]


def run_command(argv: Sequence[str]) -> int:
    try:
        return subprocess.run(list(argv), timeout=60, check=False).returncode
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("%s failed: %s", argv[0], exc)
        return 127


@dataclass
class FirstBootResult:
    applied: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    enrolled: bool = False
    claim_code: str = ""


def system_commands(config: BoardConfig) -> list[tuple[str, list[str]]]:
    """What the boot config asks of the operating system, as (what, argv) pairs."""
    steps: list[tuple[str, list[str]]] = [
        ("timezone", ["timedatectl", "set-timezone", config.board.timezone]),
        ("time sync", ["timedatectl", "set-ntp", "true"]),
    ]
    sysconf = config.system
    if sysconf.hostname:
        steps.append(("hostname", ["hostnamectl", "set-hostname", sysconf.hostname]))
    if sysconf.wifi_ssid:
        if shutil.which("raspi-config"):  # Raspberry Pi OS; on Debian's image the regulatory domain comes from the AP
            steps.append(("wifi country", ["raspi-config", "nonint", "do_wifi_country", sysconf.wifi_country]))
        connect = ["nmcli", "device", "wifi", "connect", sysconf.wifi_ssid]
        if sysconf.wifi_psk:
            connect += ["password", sysconf.wifi_psk]
        steps.append(("wifi", connect))
    return steps


def first_boot(config: BoardConfig, *, runner: Runner = run_command,
               enroll: Callable[[], tuple[bool, str]] | None = None) -> FirstBootResult:
    """Apply the boot config once; ``enroll`` returns (enrolled, claim code to show)."""
    marker = Path(config.board.data_dir) / DONE_MARKER
    result = FirstBootResult()
    if marker.exists():
        log.info("first boot already done (%s)", marker)
        return result
    for what, argv in system_commands(config):
        code = runner(argv)
        (result.applied if code == 0 else result.failed).append(what)
        if code != 0:
            log.error("first boot: %s failed (%s exited %d)", what, argv[0], code)
    if enroll is not None:
        result.enrolled, result.claim_code = enroll()
    if not result.failed:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("done\n")
    return result
