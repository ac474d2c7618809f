"""Writing a board's config into an SD-card image's FAT boot partition, without root.

IT staff prepare hundreds of cards on an ordinary PC, so nothing here mounts a
filesystem: the partition table is read with the standard library and the FAT
partition is written with mtools (``mcopy -i IMAGE@@OFFSET``).
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
FAT_TYPES = {0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E}  # FAT12/16/32 (CHS and LBA)
BOOT_CONFIG_NAME = "classboard.toml"


class ImageError(Exception):
    """The file is not an image we can write into; the message says why."""


@dataclass(frozen=True)
class Partition:
    index: int
    type_id: int
    start_sector: int
    sectors: int

    @property
    def offset(self) -> int:
        return self.start_sector * SECTOR


def partitions(image: Path) -> list[Partition]:
    """The primary MBR partitions of an image (Raspberry Pi OS images use MBR)."""
    with open(image, "rb") as fh:
        mbr = fh.read(SECTOR)
    if len(mbr) < SECTOR or mbr[510:512] != b"\x55\xaa":
        raise ImageError(f"{image} has no MBR partition table (not a disk image?)")
    found = []
    for i in range(4):
        entry = mbr[446 + 16 * i: 446 + 16 * (i + 1)]
        type_id = entry[4]
        start, count = struct.unpack("<II", entry[8:16])
        if type_id == 0xEE:
            raise ImageError(f"{image} uses GPT; Raspberry Pi OS images use MBR — is this the right image?")
        if type_id and count:
            found.append(Partition(i + 1, type_id, start, count))
    return found


def boot_partition(image: Path) -> Partition:
    for part in partitions(image):
        if part.type_id in FAT_TYPES:
            return part
    raise ImageError(f"{image} has no FAT boot partition")


def _mtools() -> None:
    if shutil.which("mcopy") is None:
        raise ImageError("mtools is not installed (apt-get install mtools)")


def write_boot_file(image: Path, name: str, content: bytes) -> None:
    """Put one file into the root of the boot partition, replacing any earlier copy."""
    _mtools()
    part = boot_partition(image)
    with tempfile.NamedTemporaryFile() as tmp:
        tmp.write(content)
        tmp.flush()
        result = subprocess.run(["mcopy", "-o", "-i", f"{image}@@{part.offset}", tmp.name, f"::{name}"],
                                capture_output=True, text=True, timeout=60,
                                env={"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/bin"})
    if result.returncode != 0:
        raise ImageError(f"writing {name} into {image} failed: {result.stderr.strip()}")


def read_boot_file(image: Path, name: str) -> bytes:
    _mtools()
    part = boot_partition(image)
    result = subprocess.run(["mtype", "-i", f"{image}@@{part.offset}", f"::{name}"], capture_output=True,
                            timeout=60, env={"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/bin"})
    if result.returncode != 0:
        raise ImageError(f"{name} is not on the boot partition of {image}: {result.stderr.decode().strip()}")
    return result.stdout
