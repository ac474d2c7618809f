"""``classboard demo``: a hub and two simulated boards with a sample school, on 127.0.0.1.

Every part is a real process on a real port, as on a school's network; Ctrl-C
stops them all and leaves nothing behind.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import click

from edge.config import SIMULATED_ENV

from .sample import sample_school

HOST = "127.0.0.1"
DEMO_SENSORS = """# simulated room sensors for the demo
[[sensors]]
kind = "scd4x"
backend = "simulated"
interval_s = 10

[[sensors]]
kind = "bme280"
backend = "simulated"
interval_s = 10

[[sensors]]
kind = "bh1750"
backend = "simulated"
interval_s = 30
"""
MOSQUITTO = "/usr/sbin/mosquitto"


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "classboard", *args]


def wait_http(url: str, timeout: float = 30.0) -> bool:
    """Poll ``url`` until it answers 200, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class Demo:
    def __init__(self, workdir: Path, hub_port: int, board_ports: list[int], mqtt_port: int = 1883,
                 history: bool = True) -> None:
        self.workdir, self.hub_port, self.board_ports, self.mqtt_port = workdir, hub_port, board_ports, mqtt_port
        self.history = history
        self.processes: list[subprocess.Popen] = []

    def spawn(self, args: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen:
        log = open(self.workdir / f"{log_name}.log", "ab")
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def start(self) -> dict[str, str]:
        env = dict(os.environ)
        urls: dict[str, str] = {}
        school = sample_school()
        mqtt_args = self._start_broker(env, urls)
        token = self._start_hub(env, school, mqtt_args, urls)
        for n, (port, group) in enumerate(zip(self.board_ports, school["classes"])):
            self._start_board(env, n + 1, port, group, token)
            urls[f"board {n + 1} ({group['name']})"] = f"http://{HOST}:{port}/"
        return urls

    def _start_broker(self, env: dict[str, str], urls: dict[str, str]) -> list[str]:
        """Mosquitto for pushes, when installed; without it the boards poll."""
        if not Path(MOSQUITTO).exists():
            return []
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(f"listener {self.mqtt_port} {HOST}\nallow_anonymous true\npersistence false\n")
        self.spawn([MOSQUITTO, "-c", str(conf)], env, "mosquitto")
        urls["push (MQTT)"] = f"mqtt://{HOST}:{self.mqtt_port}"
        return ["--mqtt-host", HOST, "--mqtt-port", str(self.mqtt_port)]

    def _start_hub(self, env: dict[str, str], school: dict, mqtt_args: list[str], urls: dict[str, str]) -> str:
        """Seed the sample school, make a token and a console user, serve; returns the token."""
        hub_data = str(self.workdir / "hub")
        school_file = self.workdir / "sample-school.json"
        school_file.write_text(json.dumps(school, ensure_ascii=False), encoding="utf-8")
        for args in (("seed", "--from-json", str(school_file)), ("create-user", "admin", "--password", "classboard")):
            subprocess.run(_cmd("hub", args[0], "--data", hub_data, *args[1:]), check=True, env=env,
                           capture_output=True)
        token = subprocess.run(_cmd("hub", "token", "create", "--data", hub_data), check=True, env=env,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
        self.spawn(_cmd("hub", "serve", "--plain-http", "--host", HOST, "--port", str(self.hub_port), "--data", hub_data,
                        *mqtt_args), env, "hub")
        if not wait_http(f"http://{HOST}:{self.hub_port}/api/v1/time"):
            raise click.ClickException(f"the hub did not start; see {self.workdir / 'hub.log'}")
        urls["hub (admin / classboard)"] = f"http://{HOST}:{self.hub_port}/"
        first = school["students"][0]  # a guardian's code for board 1's class: docs/family.md
        out = subprocess.run(_cmd("hub", "family", "letters", "--data", hub_data, "--class", first["class_id"],
                                  "--student", first["id"], "--relation", "妈妈",
                                  "--url", f"http://{HOST}:{self.hub_port}",
                                  "--out", str(self.workdir / "family-letter.pdf"), "--show-codes"),
                             check=True, env=env, capture_output=True, text=True).stdout.split()
        urls[f"family ({first['name']}'s code {out[-1]})"] = f"http://{HOST}:{self.hub_port}/family/?code={out[-1]}"
        return token

    def _start_board(self, env: dict[str, str], n: int, port: int, group: dict, token: str) -> None:
        board_config = self.workdir / f"board{n}.toml"
        board_config.write_text(DEMO_SENSORS, encoding="utf-8")
        board_env = dict(env, **SIMULATED_ENV, CLASSBOARD_BOARD__DATA_DIR=str(self.workdir / f"board{n}"),
                         CLASSBOARD_BOARD__NAME=f"{group['name']} 班牌", CLASSBOARD_UI__HOST=HOST,
                         CLASSBOARD_UI__PORT=str(port), CLASSBOARD_UI__ADMIN_PIN="8888",
                         CLASSBOARD_HUB__URL=f"http://{HOST}:{self.hub_port}", CLASSBOARD_HUB__ENROLLMENT_TOKEN=token,
                         CLASSBOARD_HUB__ROOM=group["home_room_id"], CLASSBOARD_HUB__PULL_INTERVAL_S="10")
        if self.history:
            self._history(board_env, n)
        self.spawn(_cmd("board", "run", "--config", str(board_config)), board_env, f"board{n}")
        if not wait_http(f"http://{HOST}:{port}/"):
            raise click.ClickException(f"board {n} did not start; see {self.workdir}/board{n}.log")

    def _history(self, board_env: dict[str, str], n: int) -> None:
        """The term so far, lived by this board on a fake clock and uploaded (classboard/history.py)."""
        log = self.workdir / f"board{n}-history.log"
        with open(log, "ab") as out:
            done = subprocess.run([sys.executable, "-m", "classboard.history", str(n - 1)], env=board_env,
                                  stdout=out, stderr=subprocess.STDOUT, timeout=600)
        if done.returncode != 0:
            raise click.ClickException(f"board {n}'s history did not load; see {log}")
        self._online_history(n)

    def _online_history(self, n: int) -> None:
        """The hub's health history for the demo's past: the board online every school hour of the term so far.

        Health reports are stamped by the hub on arrival, so a past cannot be
        uploaded; the demo writes it into its own hub's store, and says so.
        """
        from datetime import datetime, timedelta

        from hub.bundles import school_content
        from hub.cli import open_hub
        from hub.health_history import note_many, school_hours
        from hub.models import Board, database
        from hub.report.compute_weeks import school_days_between
        from zoneinfo import ZoneInfo

        open_hub(self.workdir / "hub", "")
        try:
            school = school_content()
            zone = ZoneInfo(school["school"]["timezone"])
            term = school["calendar"]["terms"][0]
            today = datetime.now(zone).date()
            days = school_days_between(school["calendar"], datetime.fromisoformat(term["start"]).date(),
                                       today - timedelta(days=1))
            hours = school_hours(days, zone, "07:30", "17:30")
            boards = [b.id for b in Board.select().order_by(Board.enrolled_at)][n - 1:n]
            note_many((b, datetime.fromtimestamp(h * 3600, zone)) for b in boards for h in hours)
        finally:
            database.close()

    def stop(self, timeout: float = 10.0) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.processes:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def crashed(self) -> list[subprocess.Popen]:
        return [p for p in self.processes if p.poll() is not None]


@click.command()
@click.option("--hub-port", default=8000, show_default=True)
@click.option("--board-ports", default="8080,8081", show_default=True, help="Comma-separated, one per board.")
@click.option("--mqtt-port", default=1883, show_default=True, help="Port of the demo's Mosquitto broker.")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the demo keeps its data and logs (default: a fresh temporary folder).")
@click.option("--duration", type=float, default=0.0, help="Stop by itself after this many seconds (0: run until Ctrl-C).")
@click.option("--history/--no-history", default=True, show_default=True,
              help="Give each board the term so far (signed records through its own sync) before it starts.")
def demo(hub_port: int, board_ports: str, mqtt_port: int, workdir: Path | None, duration: float,
         history: bool) -> None:
    """Run a hub and two simulated boards with a sample school on 127.0.0.1."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="classboard-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ports = [int(p) for p in board_ports.split(",") if p.strip()]
    show = Demo(workdir, hub_port, ports, mqtt_port, history)
    stopping = {"now": False}

    def on_signal(*_: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        urls = show.start()
        click.echo("classboard demo is running (Ctrl-C to stop):")
        for name, url in urls.items():
            click.echo(f"  {name:<24} {url}")
        click.echo(f"  data and logs            {workdir}")
        started = time.monotonic()
        while not stopping["now"]:
            if duration and time.monotonic() - started >= duration:
                break
            dead = show.crashed()
            if dead:
                raise click.ClickException(f"a demo process exited (code {dead[0].returncode}); logs in {workdir}")
            time.sleep(0.3)
    finally:
        show.stop()
        click.echo("demo stopped.")
