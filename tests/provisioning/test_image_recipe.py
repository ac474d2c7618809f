"""What CI can check of the image recipe here: its scripts and its systemd units."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [*sorted((ROOT / "images").glob("*.sh")), *sorted((ROOT / "scripts").glob("*.sh")), ROOT / ".ci" / "run"]
UNITS = sorted([*(ROOT / "images" / "systemd").glob("*.service"), *(ROOT / "images" / "systemd").glob("*.timer")])


def test_shell_scripts_pass_shellcheck():
    result = subprocess.run(["shellcheck", "-s", "bash", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_units_verify(tmp_path, unit):
    """systemd-analyze verify in a scratch root that has the executables the units name."""
    system = tmp_path / "etc" / "systemd" / "system"
    system.mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr" / "lib" / "systemd" / "system", symlinks=True)
    for each in UNITS:  # a timer names its service
        shutil.copy(each, system / each.name)
    for exe in ("opt/classboard/venv/bin/classboard", "usr/bin/cage", "usr/bin/chromium"):
        path = tmp_path / exe
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={tmp_path}", str(system / unit.name)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_board_unit_has_watchdog_and_notify():
    text = (ROOT / "images" / "systemd" / "classboard-board.service").read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text
