"""Zone broadcasts and live paging, end to end on loopback: start skew between rooms, and paging latency.

A real hub process and Mosquitto on 127.0.0.1; two "rooms", each a board's
zone listener (signature checks included) and mixer writing to a simulated
speaker that keeps the time of every block it is given, paced in real time.

1. Start skew: BROADCASTS zone broadcasts announced 2 s ahead; for each, the
   difference between the two rooms' first audio block, and each room's start
   error against the announced instant. Both rooms share this machine's clock,
   so this is the skew the software adds; boards add their clock offsets
   (reported in health). Goal: rooms differ by under 30 ms.
2. Paging latency: a page with a click every second, sent in real time in
   100 ms chunks as a microphone would; latency is from the moment a click
   was "spoken" to its first sample reaching each room's speaker. Goal < 500 ms.

Run: .venv/bin/python bench/zones.py [--broadcasts 20] [--clicks 10]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RATE = 48000


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"p50": round(statistics.median(values), 1), "p95": round(pct(values, .95), 1), "max": round(max(values), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="3 broadcasts, 3 clicks (what CI runs)")
    args = parser.parse_args()
    if args.quick:
        args.broadcasts, args.clicks = min(args.broadcasts, 3), min(args.clicks, 3)

    import numpy as np

    from classboard.sample import sample_school
    from drivers.audio import Mixer, SimulatedOutput
    from edge.sync.push import PushListener
    from edge.zone_audio import ZonePlayer
    from tests.conftest import make_config
    from tests.sync.conftest import HubProcess, free_port

    import subprocess
    tmp = Path(tempfile.mkdtemp(prefix="bench-zones-"))
    port = free_port()
    (tmp / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(tmp / "mosquitto.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    hub = HubProcess(tmp / "hub", sample_school(), port)
    rooms = []
    try:
        from edge.board import Board
        from edge.sync.service import SyncService
        board = Board(make_config(tmp / "board", hub__url=hub.url, hub__enrollment_token=hub.token, hub__room="R101"))
        sync = SyncService(board)
        sync.cycle()
        client = sync.client()
        from edge.sync.media import fetch_media
        for name in ("room-a", "room-b"):
            output = SimulatedOutput(RATE, realtime=True)
            mixer = Mixer(output)
            mixer.start()
            player = ZonePlayer(mixer, tmp / name, lambda sha, path: fetch_media(client, sha, path))
            listener = PushListener(SimpleNamespace(id=f"cb-{name}", scheduler=SimpleNamespace(poke=lambda: None)),
                                    lambda: None, {"broadcast": player.broadcast, "page": player.page},
                                    zones=["school"])
            listener.start("127.0.0.1", port)
            rooms.append(SimpleNamespace(output=output, mixer=mixer, player=player, listener=listener))
        time.sleep(1.0)

        # 1. start skew
        clip = tmp / "chime.wav"
        t = np.arange(int(0.4 * 44100)) / 44100
        with wave.open(str(clip), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(44100)
            out.writeframes((np.sin(2 * np.pi * 880 * t) * 9000).astype("<i2").tobytes())
        skews, errors = [], []
        offset = time.time() - time.monotonic()
        for _ in range(args.broadcasts):
            done = subprocess.run([sys.executable, "-m", "classboard", "hub", "broadcast", "--zone", "school",
                                   "--file", str(clip), "--in", "2", "--data", str(hub.data), "--mqtt-port", str(port)],
                                  capture_output=True, text=True, timeout=60)
            start_at = done.stdout.strip().split("starts at ")[-1]
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline and not all(
                    len(r.player.playbacks) > len(skews) and
                    list(r.player.playbacks.values())[-1].started_at for r in rooms):
                time.sleep(0.02)
            starts = [list(r.player.playbacks.values())[-1].started_at for r in rooms]
            if None in starts:
                print("a broadcast was not played in both rooms; stopping")
                break
            from protocol.records import parse_time
            announced = parse_time(start_at).timestamp() - offset
            skews.append(abs(starts[0] - starts[1]) * 1000)
            errors += [(s - announced) * 1000 for s in starts]
            time.sleep(0.6)
        if skews:
            print(f"zone broadcast start skew between two rooms over {len(skews)} broadcasts: "
                  f"p50 {statistics.median(skews):.1f} ms  p95 {pct(skews, .95):.1f} ms  max {max(skews):.1f} ms"
                  f"   (goal < 30 ms)")
            print(f"start error against the announced instant: p50 {statistics.median(errors):.1f} ms  "
                  f"p95 {pct(errors, .95):.1f} ms  max {max(errors):.1f} ms  (mixer blocks are 20 ms)")

        # 2. paging latency
        from hub.app import create_app
        from hub.broadcast.announce import Page
        from hub.config import HubConfig
        app = create_app(HubConfig(data_dir=hub.data, mqtt_host="127.0.0.1", mqtt_port=port))
        pusher = app.config["PUSH"]
        from hub.bundles import school_id
        rate, chunk = 16000, 1600
        total = np.zeros(rate * (args.clicks + 1), dtype="<i2")
        for k in range(args.clicks):
            start = rate * (k + 1) - rate // 2
            total[start:start + 160] = 20000  # a 10 ms click
        for r in rooms:
            r.output.blocks.clear()
        page = Page(pusher, school_id(), "school", "bench", rate)
        began = time.monotonic()
        for i, pos in enumerate(range(0, len(total), chunk)):
            time.sleep(max(0.0, began + (i + 1) * chunk / rate - time.monotonic()))  # a chunk leaves when captured
            page.chunk(total[pos:pos + chunk].tobytes())
        page.end()
        time.sleep(1.5)
        latencies = []
        for r in rooms:
            times, blocks = zip(*r.output.blocks) if r.output.blocks else ((), ())
            position = 0
            found = 0
            for when, block in zip(times, blocks):
                samples = np.frombuffer(block, dtype="<i2")
                loud = np.flatnonzero(samples > 10000)
                if len(loud):
                    onset = when + loud[0] / RATE
                    if not latencies or onset - getattr(r, "last", 0) > 0.5:
                        r.last = onset
                        spoken = began + (rate * (found + 1) - rate // 2) / rate
                        latencies.append((onset - spoken) * 1000)
                        found += 1
                position += len(samples)
        if latencies:
            print(f"live paging latency, click spoken → first sample written to the speaker, {len(latencies)} clicks "
                  f"in 2 rooms: p50 {statistics.median(latencies):.0f} ms  p95 {pct(latencies, .95):.0f} ms  "
                  f"max {max(latencies):.0f} ms   (goal < 500 ms; includes the 100 ms chunking)")
        print(json.dumps({"bench": "zones", "broadcasts": len(skews),
                          "skew_ms": summary(skews), "start_error_ms": summary(errors),
                          "paging_latency_ms": summary(latencies)}))
        pusher.close()
        board.stop()
    finally:
        for r in rooms:
            r.listener.stop()
            r.mixer.stop()
        hub.stop()
        broker.terminate()
        broker.wait(10)
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
