"""Board and a real hub process: enrollment, bundle, records, pushes."""
import json
import time
from datetime import datetime, timezone

import pytest

from edge.bundle_store import get_setting
from edge.services.usage import Activity
from edge.store import models as m
from edge.sync.service import SyncService
from protocol.keys import load_public
from tests.sync.conftest import board_for

pytestmark = pytest.mark.integration


def test_enroll_pull_and_drain_in_order(tmp_path, hub_server):
    board = board_for(tmp_path, hub_server)
    sync = SyncService(board)
    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(1234)])
    outcome = sync.cycle()
    assert outcome["enrolled"] and outcome["bundle"] == "installed" and outcome["uploaded"] == 1234
    assert board.usage.outbox_depth() == 0
    assert m.Student.select().count() == 45 and board.class_id == "C101"
    assert sync.cycle()["bundle"] == "unchanged"
    rows = hub_server.records(board.id)
    assert [r[2] for r in rows] == list(range(1, 1235))
    hub_server.verify_log(board.id, board.key.public_key())
    board.stop()


def test_hub_down_then_back_loses_nothing(tmp_path, hub_server):
    from edge.sync.client import HubUnavailable
    board = board_for(tmp_path, hub_server)
    sync = SyncService(board)
    sync.cycle()
    made = board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=600)
    hub_server.proc.terminate()
    hub_server.proc.wait(10)
    with pytest.raises(HubUnavailable):
        sync.cycle()
    assert board.usage.outbox_depth() == 1 and m.Student.select().count() == 45  # still working offline
    delays = [sync.backoff.next_delay() for _ in range(8)]
    assert all(0 <= d <= 300 for d in delays) and max(delays) > 1
    hub_server.restart()  # the hub comes back: the record queued while it was down arrives, once
    assert sync.cycle()["uploaded"] == 1 and board.usage.outbox_depth() == 0
    assert [r[0] for r in hub_server.records(board.id)] == [made.id]
    board.stop()


def test_forged_bundle_is_refused_and_the_old_one_stays(tmp_path, hub_server):
    board = board_for(tmp_path, hub_server)
    SyncService(board).cycle()
    etag = board.bundle_etag()
    from edge.bundle_store import put_setting
    from protocol.keys import generate_keypair, public_text
    put_setting("enroll.hub_public_key", public_text(generate_keypair()))  # as if a spoofed hub answered
    installed = []
    board.install_bundle = lambda *args, **kwargs: installed.append(args)  # the board must not call it now
    from edge.sync.client import HubClient
    from edge.sync.pull import pull_bundle
    m.Setting.update(value="stale").where(m.Setting.key == "bundle.etag").execute()
    result = pull_bundle(board, HubClient(hub_server.url, board.id, board.key))
    assert result == "rejected" and installed == []
    assert m.Student.select().count() == 45 and board.bundle_etag() == "stale" != etag
    board.stop()


def test_push_poke_alert_and_forged_command(tmp_path, mosquitto, hub_server):
    import paho.mqtt.client as mqtt
    from protocol.keys import generate_keypair
    from protocol.mqtt import board_topic, seal_message

    board = board_for(tmp_path, hub_server)
    rebooted = []
    sync = SyncService(board, commands={"reboot": lambda args: rebooted.append(args)})
    sync.cycle()
    assert sync.push is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not sync.push.client.is_connected():
        time.sleep(0.05)
    # a notice published on the hub console becomes a poke, then a pull
    from tests.hub.test_console import csrf_of
    import requests
    session = requests.Session()
    import subprocess, sys
    subprocess.run([sys.executable, "-m", "classboard", "hub", "create-user", "admin", "--data", str(hub_server.data),
                    "--password", "long-password"], check=True, capture_output=True)
    token = csrf_of(session.get(hub_server.url + "/login").content)
    session.post(hub_server.url + "/login", data={"username": "admin", "password": "long-password", "csrf": token})
    page = session.get(hub_server.url + "/notices").content
    session.post(hub_server.url + "/notices", data={"title": "紧急疏散演练", "body": "请立即到操场集合",
                                                   "scope": "school", "emergency": "on", "csrf": csrf_of(page)})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (sync._wake.is_set() and get_setting("alert.current")):
        time.sleep(0.05)
    assert sync._wake.is_set(), "the poke did not arrive"
    assert json.loads(get_setting("alert.current"))["title"] == "紧急疏散演练"
    # a command signed by anyone but the pinned hub is refused
    school_id = get_setting("enroll.school_id")
    forger = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    forger.connect("127.0.0.1", mosquitto)
    forger.loop_start()
    forger.publish(board_topic(school_id, board.id, "command"),
                   seal_message(generate_keypair(), school_id, "command", board_id=board.id, command="reboot"), qos=1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sync.push.refused == 0:
        time.sleep(0.05)
    forger.loop_stop()
    assert sync.push.refused >= 1 and rebooted == []
    sync.stop()
    board.stop()


def test_drain_reads_ahead_yet_a_failed_batch_loses_and_skips_nothing(tmp_path, hub_server):
    """Batch k+1 is read and signed while the hub stores batch k; when batch 3 fails, batches 4.. stay queued."""
    from edge.sync.client import HubUnavailable
    from edge.sync.upload import drain
    board = board_for(tmp_path, hub_server)
    sync = SyncService(board)
    sync.cycle()
    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(1050)])
    client, sent = sync.client(), []
    real_request = client.request

    def third_batch_fails(method, path, **kwargs):
        if path.endswith("/records"):
            sent.append(path)
            if len(sent) == 3:
                raise HubUnavailable("the network dropped")
        return real_request(method, path, **kwargs)

    client.request = third_batch_fails
    with pytest.raises(HubUnavailable):
        drain(board, client, 100, 50)
    assert len(sent) == 3 and board.usage.outbox_depth() == 850
    assert [r[2] for r in hub_server.records(board.id)] == list(range(1, 201))
    assert drain(board, client, 100, 50) == (850, 0)  # 9 batches (the last of 50), in order, each seq once
    assert len(sent) == 3 + 9
    assert [r[2] for r in hub_server.records(board.id)] == list(range(1, 1051))
    hub_server.verify_log(board.id, board.key.public_key())
    board.stop()
