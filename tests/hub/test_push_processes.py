"""Several hub processes publish to one broker at once: none pushes the other off.

MQTT lets one connection per client id: a second connection with the same id
closes the first. Two hub processes with one fixed id would keep kicking each
other off and lose pushes in between.
"""
import time

import pytest

from protocol.keys import generate_keypair
from tests.security.mqtt_clients import Listener
from tests.sync.conftest import mosquitto  # noqa: F401 (the fixture)

pytestmark = pytest.mark.integration


def test_two_hub_processes_keep_their_broker_connections(mosquitto):  # noqa: F811
    from hub.push import Pusher

    port = mosquitto
    board = Listener(port, name="board")
    assert board.accepted()
    board.subscribe("classboard/SCH/board/#")
    key = generate_keypair()
    first, second = Pusher(key, "127.0.0.1", port), Pusher(key, "127.0.0.1", port)
    try:
        sent = []
        for round_ in range(4):
            for pusher in (first, second):
                sent.append(pusher.command("SCH", "cb-1", "sync_now"))
            time.sleep(0.3)
        got = board.received(2.0)
        assert all(sent) and len(got) == 8, (sent, len(got))
    finally:
        first.close()
        second.close()
        board.stop()
