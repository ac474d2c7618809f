"""What CI can check of the image recipe here: its scripts and its systemd units."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [*sorted((ROOT / "images").glob("*.sh")), *sorted((ROOT / "scripts").glob("*.sh")), ROOT / ".ci" / "run"]
# the board image's units, and the hub host's (deploy/hub/systemd: hub, broker, broker reload on board changes)
UNITS = sorted(unit for folder in (ROOT / "images" / "systemd", ROOT / "deploy" / "hub" / "systemd")
               for unit in folder.iterdir() if unit.suffix in (".service", ".timer", ".path"))


def test_shell_scripts_pass_shellcheck():
    result = subprocess.run(["shellcheck", "-s", "bash", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_units_verify(tmp_path, unit):
    """systemd-analyze verify in a scratch root that has the executables the units name."""
    system = tmp_path / "etc" / "systemd" / "system"
    system.mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr" / "lib" / "systemd" / "system", symlinks=True)
    for each in UNITS:  # a timer or path unit names its service
        shutil.copy(each, system / each.name)
    for exe in ("opt/classboard/venv/bin/classboard", "usr/bin/cage", "usr/bin/chromium", "usr/lib/classboard/boot-report", "usr/lib/classboard/classboard", "usr/lib/classboard/grow-data", "usr/bin/systemctl",
                "usr/bin/chown", "usr/sbin/mosquitto", "bin/kill"):
        path = tmp_path / exe
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={tmp_path}", str(system / unit.name)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # a misspelt key or a bad value is only a warning to systemd, and the line is then silently ignored
    assert not [line for line in result.stderr.splitlines() if unit.name in line], result.stderr


def test_board_unit_has_watchdog_and_notify():
    text = (ROOT / "images" / "systemd" / "classboard-board.service").read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text


IMAGE_SH = sorted([ROOT / "images" / "files" / "etc" / "initramfs-tools" / "scripts" / "init-bottom" /
                   "classboard-overlay", *(ROOT / "images" / "files" / "usr" / "lib" / "classboard").iterdir()])


def test_scripts_run_on_the_board_pass_shellcheck_as_posix_sh():
    """The initramfs has only a POSIX shell (klibc or busybox): no bashisms in what runs there."""
    result = subprocess.run(["shellcheck", "-s", "sh", *map(str, IMAGE_SH)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# Python distributions classboard declares, and the Debian package that provides each in the image.
DEBIAN_NAMES = {"pyyaml": "python3-yaml", "argon2-cffi": "python3-argon2", "markdown-it-py": "python3-markdown-it",
                "opencv-python-headless": "python3-opencv", "pyserial": "python3-serial", "zxing-cpp": "python3-zxing-cpp"}
NOT_IN_DEBIAN = {"miniaudio"}  # MP3/OGG broadcast files; WAV plays without it (docs/it-staff.md says so)


def test_every_declared_dependency_comes_from_a_debian_package():
    """Nothing may compile under emulation: each dependency is a Debian arm64 package in packages.txt."""
    import re
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lists = (ROOT / "images" / "rootfs" / "packages.txt", ROOT / "images" / "rootfs" / "packages-screen.txt")
    packages = {line.strip() for path in lists for line in path.read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    missing = []
    for spec in project["dependencies"] + project["optional-dependencies"]["hardware"]:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower()
        if name in NOT_IN_DEBIAN:
            continue
        if DEBIAN_NAMES.get(name, f"python3-{name}") not in packages:
            missing.append(name)
    assert missing == []


def test_fstab_leaves_the_overlay_root_alone_and_mounts_the_data_partition():
    lines = [line.split() for line in (ROOT / "images" / "files" / "etc" / "fstab").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert "/" not in [fields[1] for fields in lines]
    assert ["LABEL=CBDATA", "/var/lib/classboard", "ext4"] == lines[1][:3] and "ro" not in lines[1][3].split(",")
    build = (ROOT / "images" / "build.sh").read_text()
    assert all(f"-L {label}" in build or f"-n {label}" in build for label in ("CBBOOT", "CBROOT", "CBDATA"))
    assert "root=LABEL=CBROOT" in (ROOT / "images" / "rootfs" / "cmdline.txt").read_text()


REPORT = """=== classboard boot report ===
boot_id: 6f1c
hostname: cb-smoke-101
classboard-firstboot: ActiveEnterTimestampMonotonic=91000000 ActiveState=active NRestarts=0 Result=success \
SubState=exited WatchdogUSEC=0
classboard-board: ActiveEnterTimestampMonotonic=99000000 ActiveState=active NRestarts=0 Result=success \
SubState=running WatchdogUSEC=30s
root: classboard-root overlay rw,relatime,lowerdir=/run/overlay/lower,upperdir=/run/overlay/rw/upper
lower: /dev/vda2 ext4 ro,relatime
data: /dev/vda3 ext4 rw,noatime
data_mib: 1488
lower_writable: no
--- systemd-analyze
Startup finished in 4.512s (kernel) + 9.1s (initrd) + 1min 20.250s (userspace) = 1min 33.862s
[ ok ] store        /var/lib/classboard/board.sqlite3 passes quick_check (120 KB)
=== end of classboard boot report ===
""".replace("\\\n", "")


def test_smoke_reads_the_boot_report():
    """The release smoke test's reading of the boot report (the part CI can check without booting)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("smoke", ROOT / "images" / "smoke.py")
    smoke = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(smoke)
    body = REPORT.split(smoke.REPORT_START)[1].split(smoke.REPORT_END)[0]
    report = smoke.parse_report(body)
    assert smoke.checks_of(report, first=True) == dict.fromkeys(smoke.checks_of(report, first=True), True)
    assert smoke.boot_seconds(report) == {"kernel": 4.512, "initrd": 9.1, "userspace": 80.25, "total": 93.862}
    second = smoke.checks_of(report, first=False)
    assert second["first-boot agent did not run again"] is False  # it shows as run: the check must notice
    broken = smoke.parse_report(body.replace("lower: /dev/vda2 ext4 ro,", "lower: /dev/vda2 ext4 rw,"))
    assert smoke.checks_of(broken, first=True)["SD-card root read-only underneath"] is False
    small = smoke.parse_report(body.replace("data_mib: 1488", "data_mib: 488"))  # grow-data did not run
    assert smoke.checks_of(small, first=True)["data partition grown to the card"] is False
