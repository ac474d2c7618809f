"""Release smoke test of a built image: customise it, boot it in qemu, and check a board's first day from the host.

Run through images/smoke.sh (it documents the arguments). The guest reaches
nothing but the hub on this machine's loopback: qemu's user network runs with
``restrict=on`` and one ``guestfwd`` (10.0.2.2:PORT → 127.0.0.1:PORT), so its
NTP, DNS and apt traffic goes nowhere. What the guest did is read from the
hub's database and from the boot report (images/files/usr/lib/classboard/
boot-report) on the serial console. Prints one line of JSON with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
HOSTNAME = "cb-smoke-101"
CARD_EXTRA_MIB = 1024  # the "SD card" is this much larger than the image
REPORT_START, REPORT_END = "=== classboard boot report ===", "=== end of classboard boot report ==="


def log(msg: str) -> None:
    print(f"[smoke {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def classboard(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "classboard", *args], cwd=REPO, check=True, capture_output=True, text=True,
                          timeout=300, **kw)


def wait_for(what: str, check, timeout_s: float, every_s: float = 2.0):
    """Poll ``check`` until it returns something truthy, at most ``timeout_s``; raises naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every_s)
    raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")


class Hub:
    """A hub on 127.0.0.1 with the sample school, planned broadcasts every 30 s, and an enrollment token."""

    def __init__(self, work: Path, port: int) -> None:
        self.data, self.port = work / "hub", port
        self.proc: subprocess.Popen | None = None

    def start(self) -> tuple[str, str]:
        self.data.mkdir(parents=True, exist_ok=True)
        school = self.data.parent / "school.json"
        seed = f"""
import json, io, wave
from datetime import datetime, timedelta, timezone
from pathlib import Path
from classboard.sample import sample_school
from hub.broadcast.announce import store_media
buf = io.BytesIO()
with wave.open(buf, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b"\\0\\0" * 16000)
stored = store_media(Path({str(self.data)!r}), buf.getvalue())
media = {{"url": "media/" + stored["sha256"], "sha256": stored["sha256"], "bytes": stored["size"]}}
school = sample_school()
start = datetime.now(timezone.utc).replace(microsecond=0)
school["broadcasts"] = [{{"id": f"smoke-{{i}}", "name": f"冒烟测试广播 {{i}}", "media": media,
                         "at": (start + timedelta(seconds=60 + 30 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")}}
                        for i in range(80)]
Path({str(school)!r}).write_text(json.dumps(school, ensure_ascii=False), encoding="utf-8")
print(school["classes"][0]["home_room_id"] if "classes" in school else "")
"""
        room = subprocess.run([PY, "-c", seed], cwd=REPO, check=True, capture_output=True, text=True,
                              timeout=120).stdout.strip().splitlines()[-1]
        classboard("hub", "seed", "--data", str(self.data), "--from-json", str(school))
        token = classboard("hub", "token", "create", "--data", str(self.data)).stdout.strip().splitlines()[-1]
        log_file = open(self.data.parent / "hub.log", "w")  # noqa: SIM115 - lives as long as the hub
        self.proc = subprocess.Popen([PY, "-m", "classboard", "hub", "serve", "--plain-http", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--data", str(self.data)], cwd=REPO, stdout=log_file,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        wait_for("hub answers", lambda: self._answers(), 60, 0.5)
        return token, room

    def _answers(self) -> bool:
        import urllib.request
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/time", timeout=2) as r:  # noqa: S310
                return r.status == 200
        except OSError:
            return False

    def query(self, sql: str, *args) -> list[tuple]:
        path = self.data / "hub.sqlite3"
        if not path.exists():
            return []
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            return db.execute(sql, args).fetchall()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Guest:
    """qemu-system-aarch64 (virt, TCG) booting the image's own kernel and initrd, serial console to a file."""

    def __init__(self, work: Path, image: Path, hub_port: int) -> None:
        self.work, self.image, self.hub_port = work, image, hub_port
        self.runs = 0
        self.console = work / "console-1.log"
        self.monitor = work / "monitor.sock"
        self.proc: subprocess.Popen | None = None

    def boot_files(self) -> tuple[Path, Path]:
        from_part = [PY, "-c", "import sys; from provisioning.bootpart import read_boot_file; from pathlib import Path; "
                     "sys.stdout.buffer.write(read_boot_file(Path(sys.argv[1]), sys.argv[2]))"]
        files = []
        for name in ("vmlinuz", "initrd.img"):
            out = self.work / name
            out.write_bytes(subprocess.run([*from_part, str(self.image), name], cwd=REPO, check=True,
                                           capture_output=True, timeout=120).stdout)
            files.append(out)
        return files[0], files[1]

    def start(self, append: str = "") -> float:
        """Power on (again): each run has its own console log; ``append`` goes on the kernel command line."""
        self.runs += 1
        self.console = self.work / f"console-{self.runs}.log"
        kernel, initrd = self.boot_files()
        relay = f"cmd:socat STDIO TCP:127.0.0.1:{self.hub_port}"
        argv = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1536",
                "-display", "none", "-serial", f"file:{self.console}",
                "-monitor", f"unix:{self.monitor},server,nowait",
                "-kernel", str(kernel), "-initrd", str(initrd),
                "-append", f"root=LABEL=CBROOT ro rootwait console=ttyAMA0 systemd.show_status=1 {append}".strip(),
                "-drive", f"file={self.image},format=raw,if=virtio",
                "-netdev", f"user,id=net0,restrict=on,guestfwd=tcp:10.0.2.2:{self.hub_port}-{relay}",
                "-device", "virtio-net-pci,netdev=net0", "-device", "virtio-rng-pci"]
        (self.work / "qemu.argv").write_text(" ".join(argv) + "\n")
        self.proc = subprocess.Popen(["nice", "-n", "19", *argv], stdout=open(self.work / "qemu.log", "a"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return time.monotonic()

    def command(self, line: str) -> None:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(str(self.monitor))
            s.sendall(line.encode() + b"\n")
            time.sleep(1)

    def reports(self) -> list[dict[str, str]]:
        text = self.console.read_text(errors="replace") if self.console.exists() else ""
        return [parse_report(m) for m in re.findall(re.escape(REPORT_START) + r"(.*?)" + re.escape(REPORT_END),
                                                     text, re.S)]

    def stop(self) -> None:
        """Power off (the monitor's quit: like pulling the plug)."""
        if self.proc and self.proc.poll() is None:
            try:
                self.command("quit")
                self.proc.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()


def release(work: Path, version: str, broken: bool = False) -> Path:
    """A wheelhouse with classboard alone at ``version`` (the Debian image's update); ``broken`` cannot start."""
    import tarfile
    src = work / f"src-{version}"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir()
    subprocess.run(f"git -C {REPO} ls-files -z | tar -C {REPO} --null -T - -cf - | tar -C {src} -xf -", shell=True,
                   check=True, timeout=120)
    project = src / "pyproject.toml"
    project.write_text(re.sub(r'^version = ".*"', f'version = "{version}"', project.read_text(), count=1, flags=re.M))
    if broken:
        cli = src / "classboard" / "cli.py"
        cli.write_text(cli.read_text() + '\nraise SystemExit("smoke test: this release is broken on purpose")\n')
    wheels = work / f"wheels-{version}"
    subprocess.run([PY, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(src)],
                   check=True, capture_output=True, timeout=300)
    archive = work / f"classboard-{version}-wheelhouse.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for wheel in wheels.glob("*.whl"):
            tar.add(wheel, arcname=wheel.name)
    return archive


def parse_report(text: str) -> dict[str, str]:
    report: dict[str, str] = {"_text": text}
    for line in text.strip().splitlines():
        key, sep, value = line.partition(": ")
        if sep and re.fullmatch(r"[a-z_-]+", key) and key not in report:
            report[key] = value.strip()
    return report


def unit_state(report: dict[str, str], unit: str) -> dict[str, str]:
    """The report's ``Key=Value`` properties of one unit."""
    return dict(pair.split("=", 1) for pair in report.get(unit, "").split() if "=" in pair)


def checks_of(report: dict[str, str], first: bool) -> dict[str, bool]:
    text = report["_text"]
    board, firstboot = unit_state(report, "classboard-board"), unit_state(report, "classboard-firstboot")
    return {
        "hostname set from classboard.toml": report.get("hostname") == HOSTNAME,
        "board service active under systemd": (board.get("ActiveState"), board.get("SubState")) == ("active",
                                                                                                   "running"),
        "board service has its watchdog (WatchdogSec=30)": board.get("WatchdogUSEC") in ("30s", "30000000"),
        "root is an overlay": report.get("root", "").split()[1:2] == ["overlay"],
        "SD-card root read-only underneath": " ro," in report.get("lower", "") + ","
        and report.get("lower_writable") == "no",
        "data partition mounted writable": "ext4 rw" in report.get("data", ""),
        "data partition grown to the card": int(report.get("data_mib", "0") or 0) > CARD_EXTRA_MIB,
        "first-boot agent " + ("ran and succeeded" if first else "did not run again"):
            (firstboot.get("ActiveState"), firstboot.get("Result")) == ("active", "success") if first
            else firstboot.get("ActiveState") == "inactive",
        "doctor: store passes its check": bool(re.search(r"\[ ok \] store", text)),
    }


def seconds(text: str) -> float:
    """systemd's durations: "1min 20.250s", "950ms", "4.512s"."""
    units = {"min": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(v) * units[u] for v, u in re.findall(r"([\d.]+)(min|ms|s)\b", text))


def boot_seconds(report: dict[str, str]) -> dict[str, float]:
    """Figures from the report's systemd-analyze line: kernel, initrd, userspace, total."""
    line = next((l for l in report["_text"].splitlines() if l.startswith("Startup finished")), "")
    figures = {part: round(seconds(value), 3)
               for value, part in re.findall(r"((?:\d+min )?[\d.]+m?s) \((\w+)\)", line)}
    if "= " in line:
        figures["total"] = round(seconds(line.rsplit("= ", 1)[1]), 3)
    return figures


def update_and_rollback(args, hub: Hub, guest: Guest, board_id: str, figures: dict, results: dict) -> None:
    """Offer a good version, boot with classboard.update-now, see it switch; then a broken one, see it roll back.

    Read from the boot report, which waits for the boot (the update is part of it) to finish."""
    def version() -> str:
        rows = hub.query("select version from board where id = ?", board_id)
        return rows[0][0] if rows else ""

    figures["version_before"] = version()
    good_venv = "/var/lib/classboard/software/versions/0.1.1/venv"
    for good, number in ((True, "0.1.1"), (False, "0.1.2")):
        archive = release(args.work, number, broken=not good)
        classboard("hub", "release", "add", str(archive), "--version", number, "--data", str(hub.data))
        classboard("hub", "release", "offer", "--group", "*", "--version", number, "--data", str(hub.data))
        guest.stop()
        log(f"offered {number} ({'good' if good else 'broken on purpose'}); booting with classboard.update-now")
        t = guest.start("classboard.update-now")
        report = wait_for(f"boot report after updating to {number}", lambda: guest.reports(),
                          args.boot_timeout + 1200, 5)[0]
        (args.work / f"report-update-{number}.txt").write_text(report["_text"])
        update = unit_state(report, "classboard-update")
        if good:
            figures["update_switch_s"] = round(time.monotonic() - t, 1)
            results[f"update to {number}: the updater succeeded"] = update.get("Result") == "success"
            results[f"update to {number}: the board runs it from the data partition"] = \
                report.get("software") == good_venv
            wait_for(f"the board reports {number} to the hub", lambda: version() == number, 300, 5)
            results[f"update to {number}: the hub sees the board on it"] = True
        else:
            figures["update_rollback_s"] = round(time.monotonic() - t, 1)
            results[f"update to {number}: the updater reports the failure"] = update.get("Result") == "exit-code"
            results[f"update to {number}: rolled back to 0.1.1 by itself"] = report.get("software") == good_venv
            board = unit_state(report, "classboard-board")
            results[f"update to {number}: the board service runs again"] = board.get("SubState") == "running"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", type=Path, help="the built image (.img or .img.xz)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/classboard-smoke"))
    parser.add_argument("--boot-timeout", type=float, default=900, help="seconds for a boot under emulation")
    parser.add_argument("--skip-update", action="store_true", help="stop after the reboot checks")
    args = parser.parse_args()
    for tool in ("qemu-system-aarch64", "socat", "mcopy"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: run images/setup.sh first")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    image = args.work / "board.img"
    log(f"copying {args.image} to {image}")
    if args.image.suffix == ".xz":
        with open(image, "wb") as out:
            subprocess.run(["xz", "-dc", str(args.image)], stdout=out, check=True, timeout=1800)
    else:
        subprocess.run(["cp", "--sparse=always", str(args.image), str(image)], check=True, timeout=600)
    image_mib = image.stat().st_size // 2**20
    with open(image, "r+b") as card:  # flashed to a card larger than the image: the data partition grows into it
        card.truncate((image_mib + CARD_EXTRA_MIB) * 2**20)

    port = free_port()
    hub, guest = Hub(args.work, port), Guest(args.work, image, port)
    figures: dict[str, object] = {"bench": "image-smoke", "hub_port": port}
    results: dict[str, bool] = {}
    try:
        token, room = hub.start()
        school = args.work / "school.toml"
        school.write_text(f'[board]\nname = "冒烟测试班牌"\n\n[hub]\nurl = "http://10.0.2.2:{port}"\n'
                          f'enrollment_token = "{token}"\nroom = "{room}"\npull_interval_s = 20\n\n'
                          f'[system]\nhostname = "{HOSTNAME}"\n', encoding="utf-8")
        log(classboard("image", "customize", str(image), "--config", str(school)).stdout.strip())
        t0 = guest.start()
        log(f"qemu started (hub on 127.0.0.1:{port}, guest sees it as 10.0.2.2:{port}); console: {guest.console}")

        enrolled = wait_for("board enrolled with the hub", lambda: hub.query(
            "select id, room_id from board where state = 'enrolled'"), args.boot_timeout)
        figures["first_boot_to_enrolled_s"] = round(time.monotonic() - t0, 1)
        board_id = enrolled[0][0]
        results["enrolled with the hub on the host's loopback"] = True
        results["enrolled into the room from classboard.toml"] = enrolled[0][1] == room
        log(f"enrolled: {board_id} in {figures['first_boot_to_enrolled_s']} s")

        first = wait_for("first boot report on the console", lambda: guest.reports(), args.boot_timeout)[0]
        figures["first_boot"] = boot_seconds(first)
        figures["first_boot_report_at_s"] = round(time.monotonic() - t0, 1)
        results.update({f"boot 1: {k}": v for k, v in checks_of(first, True).items()})
        (args.work / "report-1.txt").write_text(first["_text"])

        records = wait_for("a usage record reaches the hub", lambda: hub.query(
            "select kind, initiator from usagerecord where board_id = ?", board_id), 600, 5)
        results["a usage record reached the hub"] = True
        figures["records_at_hub"] = len(records)
        figures["record_kinds"] = sorted({k for k, _ in records})
        seq_before = hub.query("select max(seq) from usagerecord where board_id = ?", board_id)[0][0]

        log("hard reset (power cut) and second boot")
        t1 = time.monotonic()
        guest.command("system_reset")
        second = wait_for("second boot report", lambda: guest.reports()[1:2], args.boot_timeout)[0]
        figures["second_boot"] = boot_seconds(second)
        figures["second_boot_report_at_s"] = round(time.monotonic() - t1, 1)
        results["boot 2 is a new boot"] = second.get("boot_id") != first.get("boot_id")
        results.update({f"boot 2: {k}": v for k, v in checks_of(second, False).items()})
        (args.work / "report-2.txt").write_text(second["_text"])
        more = wait_for("records keep their sequence after the reboot (store kept)", lambda: [
            r for r in hub.query("select seq from usagerecord where board_id = ? and seq > ?", board_id,
                                 seq_before)], 600, 5)
        results["store kept across the reboot (records continue the sequence)"] = min(r[0] for r in more) == \
            seq_before + 1
        if not args.skip_update:
            update_and_rollback(args, hub, guest, board_id, figures, results)
    except (TimeoutError, subprocess.CalledProcessError) as exc:
        results[f"stopped: {exc}"] = False
    finally:
        guest.stop()
        hub.stop()
    for name, ok in results.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    figures["checks_passed"] = sum(results.values())
    figures["checks"] = len(results)
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
