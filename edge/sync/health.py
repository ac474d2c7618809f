"""What the board tells the hub about itself, so IT staff see trouble before a teacher does."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from ..bundle_store import get_setting
from .client import HubClient


def cpu_temp_c(thermal: Path = Path("/sys/class/thermal/thermal_zone0/temp")) -> float | None:
    try:
        return round(int(thermal.read_text().strip()) / 1000, 1)
    except (OSError, ValueError):
        return None


def mem_free_mb(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def clock_offset_ms(client: HubClient) -> int | None:
    """Hub clock minus board clock, from the midpoint of one round trip (NTP-style)."""
    sent = time.time()
    response = client.request("GET", "/api/v1/time", signed=False)
    received = time.time()
    try:
        hub_ms = int(response.json()["now_ms"])
    except (ValueError, KeyError, TypeError):
        return None
    return int(hub_ms - (sent + received) / 2 * 1000)


def hardware_facts(device_tree: Path = Path("/proc/device-tree"), cpuinfo: Path = Path("/proc/cpuinfo")
                   ) -> dict[str, str | None]:
    """What the board is made of, from the kernel's own description: the SoC vendor and chip, the board model.

    The hub counts 国产 terminals (indicator 3.3.3) from this. On ARM boards the
    device tree's ``compatible`` ends with the SoC ("rockchip,rk3588",
    "brcm,bcm2711"); elsewhere /proc/cpuinfo names the CPU vendor.
    """
    facts: dict[str, str | None] = {"soc_vendor": None, "soc": None, "model": None, "source": None}
    try:
        compatible = [c for c in (device_tree / "compatible").read_bytes().decode("ascii", "replace").split("\0") if c]
        facts["model"] = (device_tree / "model").read_bytes().decode("utf-8", "replace").strip("\0 \n")[:100] or None
    except OSError:
        compatible = []
    if compatible and "," in compatible[-1]:
        vendor, soc = compatible[-1].split(",", 1)
        facts.update(soc_vendor=vendor.strip().lower()[:40], soc=soc.strip()[:40], source="device-tree")
        return facts
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("vendor_id", "CPU implementer") and not facts["soc_vendor"]:
                facts["soc_vendor"] = value.strip().lower()[:40]
            elif key.strip() in ("model name", "Hardware", "Model") and not facts["soc"]:
                facts["soc"] = value.strip()[:100]
        facts["source"] = "cpuinfo" if facts["soc_vendor"] else None
    except OSError:
        pass
    return facts


def health_report(board, faults: Callable[[], list[str]], offset_ms: int | None) -> dict[str, Any]:
    from .enroll import _version

    disk = shutil.disk_usage(board.config.data_path)
    return {"uptime_s": board.uptime_s(), "cpu_temp_c": cpu_temp_c(), "disk_free_mb": disk.free // (1024 * 1024),
            "mem_free_mb": mem_free_mb(), "outbox_depth": board.usage.outbox_depth(), "clock_offset_ms": offset_ms,
            "version": _version(), "driver_faults": faults(), "last_sync_at": get_setting("sync.last_ok_at"),
            "bundle_etag": board.bundle_etag(), "pid": os.getpid(), "hardware": hardware_facts()}
