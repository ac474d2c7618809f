"""Two schools on one hub and one real Mosquitto: a board of school A never receives school B's messages."""
from __future__ import annotations

import copy

import pytest

from tests.security.mqtt_clients import Listener
from tests.security.test_broker import broker_hub, enroll  # noqa: F401 (the fixture)

pytestmark = pytest.mark.integration


def test_a_board_hears_only_its_own_school(broker_hub, school):  # noqa: F811
    from hub.district.schools import add_school
    from hub.enrollment import create_token
    from hub.school import replace_school
    from hub.tenancy import acting_for
    from protocol.mqtt import alert_topic, board_topic, zone_name, zone_topic

    app, client, port = broker_hub
    logins = {}
    for sid in ("SCH-A", "SCH-B"):
        add_school(sid, sid)
        with acting_for(sid):
            replace_school(copy.deepcopy(school) | {"school": dict(school["school"], id=sid)})
            token = create_token()
        logins[sid] = enroll(client, token, f"cb-{sid.lower()}", "R101")
    mine = logins["SCH-A"]
    board = Listener(port, mine["username"], mine["password"], mine["cert_pem"], name="cb-sch-a")
    assert board.accepted()
    board.subscribe("classboard/#", alert_topic("SCH-B"), board_topic("SCH-B", "cb-sch-b", "command"),
                    zone_topic("SCH-B", zone_name("school")))
    push = app.config["PUSH"]
    assert push.alert("SCH-B", "B校演练", "请撤离") and push.command("SCH-B", "cb-sch-b", "reboot")
    assert push.publish(zone_topic("SCH-B", zone_name("school")), b"B whole school")
    assert push.command("SCH-A", "cb-sch-a", "sync_now")
    topics = [topic for topic, _ in board.received()]
    assert topics == [board_topic("SCH-A", "cb-sch-a", "command")]
    board.stop()
