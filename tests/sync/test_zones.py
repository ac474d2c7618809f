"""Zone broadcasts and live paging through a real hub process and Mosquitto, into two boards' mixers."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import wave
from types import SimpleNamespace

import numpy as np
import pytest

from drivers.audio import Mixer, SimulatedOutput
from edge.sync.media import fetch_media
from edge.sync.push import PushListener
from edge.sync.service import SyncService
from edge.zone_audio import ZonePlayer
from protocol.keys import generate_keypair
from protocol.mqtt import page_topic, seal_message
from tests.sync.conftest import board_for

pytestmark = pytest.mark.integration
RATE = 48000


def wav(path, freq, seconds, rate):
    t = np.arange(int(seconds * rate)) / rate
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
        out.writeframes((np.sin(2 * np.pi * freq * t) * 12000).astype("<i2").tobytes())
    return path


def peak_hz(samples, rate=RATE):
    loud = np.flatnonzero(np.abs(samples) > 500)
    if len(loud) == 0 or loud[-1] - loud[0] < rate // 2:  # half a second of sound: 2 Hz resolution
        return None
    window = samples[loud[0]:loud[0] + rate // 2].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
    return np.fft.rfftfreq(len(window), 1 / rate)[int(np.argmax(spectrum))]


def hub_cli(hub, mqtt_port, *args):
    return subprocess.run([sys.executable, "-m", "classboard", "hub", *args, "--data", str(hub.data),
                           "--mqtt-port", str(mqtt_port)], capture_output=True, text=True, timeout=60)


class Room:
    """A board's zone audio: a listener on the broker and a mixer writing to a simulated speaker."""

    def __init__(self, board_id, zones, client, media_dir, mqtt_port):
        self.output = SimulatedOutput(RATE, realtime=True)
        self.mixer = Mixer(self.output)
        self.mixer.start()
        self.player = ZonePlayer(self.mixer, media_dir, lambda sha, path: fetch_media(client, sha, path))
        stub = SimpleNamespace(id=board_id, scheduler=SimpleNamespace(poke=lambda: None))
        self.listener = PushListener(stub, lambda: None, {"broadcast": self.player.broadcast,
                                                          "page": self.player.page}, zones=zones)
        self.listener.start("127.0.0.1", mqtt_port)

    def close(self):
        self.listener.stop()
        self.mixer.stop()


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def rooms(tmp_path, mosquitto, hub_server):
    board = board_for(tmp_path, hub_server, room="R101")
    sync = SyncService(board)
    assert sync.cycle()["enrolled"]
    client = sync.client()
    teaching = Room("cb-teaching", ["school", "building:教学楼"], client, tmp_path / "media-a", mosquitto)
    lab = Room("cb-lab", ["school", "building:实验楼"], client, tmp_path / "media-b", mosquitto)
    time.sleep(0.5)  # subscriptions in place
    yield teaching, lab, hub_server, mosquitto
    teaching.close()
    lab.close()
    board.stop()


def test_a_zone_broadcast_plays_only_in_that_zone_and_starts_at_the_announced_instant(rooms, tmp_path):
    teaching, lab, hub, port = rooms
    result = hub_cli(hub, port, "broadcast", "--zone", "building:教学楼", "--file",
                     str(wav(tmp_path / "anthem.wav", 880, 1.0, 44100)), "--in", "2")
    assert result.returncode == 0, result.stderr
    start_at = result.stdout.strip().split("starts at ")[1]
    assert wait_for(lambda: teaching.player.started, 8)
    (started,) = teaching.player.started.values()
    from protocol.records import parse_time
    assert started >= parse_time(start_at).timestamp()  # never early
    assert wait_for(lambda: peak_hz(teaching.output.samples()) is not None, 5)
    assert abs(peak_hz(teaching.output.samples()) - 880) < 5  # the file, fetched from the hub and hash-checked
    time.sleep(0.5)
    assert lab.player.started == {} and peak_hz(lab.output.samples()) is None  # another building: silent
    refused = hub_cli(hub, port, "broadcast", "--zone", "building:不存在", "--say", "测试")
    assert refused.returncode == 1 and "no zone" in refused.stderr


def test_live_paging_reaches_every_room_of_the_zone_and_is_logged(rooms, tmp_path):
    teaching, lab, hub, port = rooms
    result = hub_cli(hub, port, "page", "--zone", "school", str(wav(tmp_path / "voice.wav", 660, 1.5, 16000)))
    assert result.returncode == 0, result.stderr
    for room in (teaching, lab):
        assert wait_for(lambda: peak_hz(room.output.samples()) is not None, 5)
        assert abs(peak_hz(room.output.samples()) - 660) < 5
        assert wait_for(lambda: not room.player.pages, 5)  # the page ended
    conn = sqlite3.connect(hub.data / "hub.sqlite3")
    (args,) = conn.execute("SELECT args FROM commandlog WHERE command = 'page'").fetchone()
    conn.close()
    assert json.loads(args)["seconds"] == 1.5


def test_a_page_not_signed_by_the_hub_is_refused(rooms):
    import paho.mqtt.client as mqtt

    from edge.bundle_store import get_setting
    teaching, _, _, port = rooms
    school = get_setting("enroll.school_id")
    forged = seal_message(generate_keypair(), school, "page", zone="school",
                          page={"page_id": "forged-page-1", "seq": 0, "rate": 16000, "pcm": "AAAA"})
    sender = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    sender.connect("127.0.0.1", port)
    sender.loop_start()
    sender.publish(page_topic(school, "school"), forged).wait_for_publish(5)
    sender.loop_stop()
    sender.disconnect()
    assert wait_for(lambda: teaching.listener.refused >= 1, 5)
    assert teaching.player.pages == {}


def test_console_pages_a_zone_from_the_browser_microphone(rooms):
    """Chromium's fake microphone, the console's script, the hub relay, Mosquitto, two rooms' speakers."""
    from playwright.sync_api import sync_playwright

    from tests.ui.conftest import CHROMIUM_ARGS
    teaching, lab, hub, port = rooms
    hub.create_user("wang", "teacher")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + [
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        try:
            page = browser.new_page()
            hub.sign_in(page, "wang")
            page.goto(hub.url + "/console/broadcast")
            page.select_option("#pagezone", "school")
            page.click("#talk")
            page.wait_for_selector("#pagestate:has-text('live')", timeout=10_000)  # no eval: the console's CSP
            assert wait_for(lambda: all(np.abs(r.output.samples()).max(initial=0) > 1000 for r in (teaching, lab)),
                            8)  # Chromium's fake microphone beeps; both rooms hear it
            page.click("#talk")
            page.wait_for_selector("#pagestate:has-text('ended')", timeout=10_000)
        finally:
            browser.close()
    assert wait_for(lambda: not teaching.player.pages and not lab.player.pages, 5)
    conn = sqlite3.connect(hub.data / "hub.sqlite3")
    (user,) = conn.execute("SELECT user FROM commandlog WHERE command = 'page'").fetchone()
    conn.close()
    assert user == "wang"


def test_planned_broadcast_files_are_fetched_when_the_bundle_arrives(tmp_path, school):
    """The 眼保健操 recording must be on the board before 14:45, whatever the network does then."""
    import hashlib

    from tests.sync.conftest import HubProcess
    data = wav(tmp_path / "eye-exercises.wav", 523, 0.5, 16000).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    school["broadcasts"] = [{"id": "B-EYE", "name": "眼保健操", "at": "14:45", "weekdays": [1, 2, 3, 4, 5],
                             "media": {"url": f"media/{sha}", "sha256": sha, "bytes": len(data)}}]
    hub = HubProcess(tmp_path / "hub", school)
    try:
        (hub.data / "media").mkdir(parents=True, exist_ok=True)
        (hub.data / "media" / sha).write_bytes(data)
        board = board_for(tmp_path, hub, room="R101")
        sync = SyncService(board)
        assert sync.cycle()["media"] == 1
        assert (board.config.data_path / "media" / sha).read_bytes() == data
        assert sync.cycle()["media"] == 0  # already cached
        board.stop()
    finally:
        hub.stop()
