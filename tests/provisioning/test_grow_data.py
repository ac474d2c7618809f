"""First boot grows the data partition to the card: images/files/usr/lib/classboard/grow-data on plain files.

No root and no loop device: the "SD card" is a file with the image's MBR layout (sfdisk works on files), and the
data partition as the kernel would show it after the table grew is a second file holding the same ext4 file
system. What this cannot run here: finding the partition by label and its disk in /sys, ``partx --update``
telling a kernel, and the unit's place in the boot (the release smoke test on qemu covers those).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GROW = ROOT / "images" / "files" / "usr" / "lib" / "classboard" / "grow-data"
MIB = 2**20
TOOLS = ("sfdisk", "mkfs.ext4", "dumpe2fs", "e2fsck", "resize2fs", "debugfs")
ENV = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")

pytestmark = pytest.mark.skipif(any(shutil.which(t, path=ENV["PATH"]) is None for t in TOOLS),
                                reason="needs util-linux fdisk and e2fsprogs")


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, check=check, timeout=120, env=ENV)


def partitions(disk: Path) -> dict[int, tuple[int, int]]:
    """Partition number -> (start, size) in sectors, from sfdisk's dump."""
    found = {}
    for line in run("sfdisk", "--dump", str(disk)).stdout.splitlines():
        hit = re.match(r"^\S*?(\d+) : start=\s*(\d+), size=\s*(\d+)", line)
        if hit:
            found[int(hit.group(1))] = (int(hit.group(2)), int(hit.group(3)))
    return found


def fs_bytes(part: Path) -> int:
    head = run("dumpe2fs", "-h", str(part)).stdout
    count = int(re.search(r"^Block count:\s+(\d+)", head, re.M).group(1))
    size = int(re.search(r"^Block size:\s+(\d+)", head, re.M).group(1))
    return count * size


@pytest.fixture
def card(tmp_path):
    """The image's layout at small scale (boot, root, 24 MiB data last), flashed to a 200 MiB card."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "board.sqlite3").write_bytes(b"the board's store " * 1000)
    data = tmp_path / "data.fs"
    run("mkfs.ext4", "-q", "-L", "CBDATA", "-d", str(content), str(data), "24M")
    disk = tmp_path / "card.img"
    with open(disk, "wb") as f:
        f.truncate((4 + 8 + 16 + 24 + 1) * MIB)
    layout = "label: dos\nstart=4MiB, size=8MiB, type=c\nsize=16MiB, type=83\nsize=24MiB, type=83\n"
    subprocess.run(["sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", str(disk)], input=layout, text=True,
                   check=True, timeout=60, env=ENV, capture_output=True)
    start, _ = partitions(disk)[3]
    with open(disk, "r+b") as f:
        f.seek(start * 512)
        f.write(data.read_bytes())
        f.truncate(200 * MIB)  # the card is larger than the image
    return disk, data


def test_grows_the_table_then_the_file_system_and_keeps_the_data(card, tmp_path):
    disk, part = card
    before = partitions(disk)
    first = run(str(GROW), str(disk), "3", str(part))
    after = partitions(disk)
    assert after[1] == before[1] and after[2] == before[2]  # boot and root untouched
    start, size = after[3]
    assert start == before[3][0] and (start + size) * 512 > 200 * MIB - MIB  # ends at the card's end (aligned)
    assert "growing by" in first.stdout
    # The kernel now shows the larger partition (on the board: partx); the file system fills it next.
    with open(part, "r+b") as f:
        f.truncate(size * 512)
    second = run(str(GROW), str(disk), "3", str(part))
    assert "already fills" in second.stdout and "growing" in second.stdout
    assert fs_bytes(part) > size * 512 - 4 * MIB
    assert run("e2fsck", "-f", "-n", str(part)).returncode == 0
    stored = run("debugfs", "-R", "cat /board.sqlite3", str(part)).stdout
    assert stored == "the board's store " * 1000
    third = run(str(GROW), str(disk), "3", str(part))  # every later boot: nothing to do, nothing changed
    assert third.stdout.count("already fills") == 2 and partitions(disk) == after


def test_a_partition_that_is_not_the_last_is_left_alone(card):
    disk, part = card
    before = partitions(disk)
    done = run(str(GROW), str(disk), "2", str(part))
    assert "not the last one" in done.stdout and partitions(disk) == before


def test_something_not_ext4_is_not_touched(card, tmp_path):
    disk, _ = card
    junk = tmp_path / "junk"
    junk.write_bytes(b"\0" * MIB)
    done = run(str(GROW), str(disk), "3", str(junk), check=False)
    assert done.returncode == 1 and "no ext4 file system" in done.stdout
    assert junk.read_bytes() == b"\0" * MIB


def test_bad_arguments_say_how_to_call_it():
    done = run(str(GROW), "only-one", check=False)
    assert done.returncode == 2 and "usage: grow-data" in done.stderr
