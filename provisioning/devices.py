"""The devices CSV IT staff keep for a school: one row per board.

Columns (UTF-8, with or without BOM): ``name,room,class_id[,hostname][,wifi_ssid][,wifi_psk][,claim_code]``.
A row becomes the per-device part of the boot-partition config; a row with the
claim code read off a board's screen can be claimed on the hub in bulk.
"""
from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED = ("name", "room", "class_id")
HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class DevicesError(Exception):
    def __init__(self, path: Path, line: int, column: str, reason: str) -> None:
        super().__init__(f"{path}:{line}: {column}: {reason}")


@dataclass(frozen=True)
class DeviceRow:
    line: int
    name: str
    room: str
    class_id: str
    hostname: str = ""
    wifi_ssid: str = ""
    wifi_psk: str = ""
    claim_code: str = ""


def read_devices(path: Path) -> list[DeviceRow]:
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise DevicesError(path, 1, ",".join(missing), "missing column")
    rows = []
    for line, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        for column in REQUIRED:
            if not values.get(column):
                raise DevicesError(path, line, column, "is empty")
        host = values.get("hostname", "")
        if host and not HOSTNAME.match(host):
            raise DevicesError(path, line, "hostname", f"{host!r} is not a valid host name")
        rows.append(DeviceRow(line, values["name"], values["room"], values["class_id"], host,
                              values.get("wifi_ssid", ""), values.get("wifi_psk", ""),
                              values.get("claim_code", "").upper()))
    return rows


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def merge_config(school_toml: str, row: DeviceRow | None) -> str:
    """The school's file with the device's values added as their own tables, checked as TOML."""
    tomllib.loads(school_toml)  # raises on a broken school file before anything is written
    if row is None:
        return school_toml
    extra = {"board": {"name": row.name, "room_id": row.room, "class_id": row.class_id},
             "hub": {"room": row.room}}
    if row.hostname or row.wifi_ssid:
        extra["system"] = {k: v for k, v in (("hostname", row.hostname), ("wifi_ssid", row.wifi_ssid),
                                             ("wifi_psk", row.wifi_psk)) if v}
    school = tomllib.loads(school_toml)
    merged = {section: dict(school.get(section, {})) for section in school}
    for section, values in extra.items():
        merged.setdefault(section, {}).update(values)
    lines = ["# written by `classboard image customize`"]
    for section, values in merged.items():
        if isinstance(values, list):
            for item in values:
                lines.append(f"\n[[{section}]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
            continue
        lines.append(f"\n[{section}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)
    return text
