"""The hub's generated Mosquitto config against a real Mosquitto: anonymous off, one user per board, ACLs, revocation."""
from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.hub.conftest import FakeBoard
from tests.hub.test_console import login, csrf_of
from tests.security.conftest import Mosquitto, broker_user, wait_listening
from tests.security.mqtt_clients import Listener

pytestmark = pytest.mark.integration


@pytest.fixture
def broker_hub(tmp_path, school, monkeypatch):
    """An in-process hub managing a real broker over TLS; yields (app, client, port)."""
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.school import replace_school

    monkeypatch.setenv("CLASSBOARD_BROKER_USER", broker_user())
    port = free_port()
    app = create_app(HubConfig(data_dir=tmp_path / "hub", broker_dir=tmp_path / "broker", mqtt_host="127.0.0.1",
                               mqtt_port=port, mqtt_tls=True))
    replace_school(school)
    app.config["TESTING"] = True
    app.config["BROKER"].write()
    broker = Mosquitto(tmp_path / "broker" / "mosquitto.conf")
    wait_listening(port)
    yield app, app.test_client(), port
    app.config["PUSH"].close()
    broker.stop()
    from hub.models import database
    database.close()


def enroll(client, token, board_id, room):
    board = FakeBoard(client, board_id)
    answer = board.enroll(enrollment_token=token, room=room).get_json()
    assert answer["status"] == "enrolled", answer
    return answer["mqtt"]


def test_a_board_reads_only_its_own_topics_and_writes_only_its_status(broker_hub):
    from hub.bundles import school_id
    from hub.enrollment import create_token
    from protocol.mqtt import alert_topic, board_topic, zone_name, zone_topic

    app, client, port = broker_hub
    token = create_token()
    mine = enroll(client, token, "cb-mine", "R101")
    enroll(client, token, "cb-other", "R102")
    assert mine["tls"] and mine["username"] == "cb-mine" and "BEGIN CERTIFICATE" in mine["cert_pem"]
    school = school_id()
    push = app.config["PUSH"]
    board = Listener(port, mine["username"], mine["password"], mine["cert_pem"], name="cb-mine")
    assert board.accepted()
    board.subscribe("classboard/#", "classboard/OTHER-SCHOOL/alert", board_topic(school, "cb-other", "command"))
    hub_probe = Listener(port, "classboard-hub", app.config["BROKER"].hub_password(), mine["cert_pem"], name="hub")
    assert hub_probe.accepted()
    hub_probe.subscribe("classboard/#")

    assert push.command(school, "cb-mine", "sync_now")
    assert push.command(school, "cb-other", "reboot")
    assert push.publish("classboard/OTHER-SCHOOL/alert", b"another school's alert")
    assert push.alert(school, "演练", "请撤离")
    own_zone, other_zone = zone_topic(school, zone_name("school")), zone_topic(school, zone_name("board", "cb-other"))
    assert push.publish(own_zone, b"whole school") and push.publish(other_zone, b"another room only")
    topics = sorted(topic for topic, _ in board.received())
    assert topics == sorted([board_topic(school, "cb-mine", "command"), alert_topic(school), own_zone])

    hub_probe.received(0.5)  # drain what the hub itself published above
    board.publish(alert_topic(school), b"forged alarm")
    board.publish(board_topic(school, "cb-other", "command"), b"forged reboot")
    board.publish(f"classboard/{school}/board/cb-mine/status", b"ok")
    seen = [topic for topic, _ in hub_probe.received()]
    assert seen == [f"classboard/{school}/board/cb-mine/status"]
    board.stop()
    hub_probe.stop()


def test_anonymous_and_wrong_passwords_are_refused(broker_hub):
    from hub.enrollment import create_token

    app, client, port = broker_hub
    mine = enroll(client, create_token(), "cb-mine", "R101")
    anonymous = Listener(port, cert_pem=mine["cert_pem"], name="anon")
    assert not anonymous.accepted()
    wrong = Listener(port, mine["username"], mine["password"] + "x", mine["cert_pem"], name="wrong")
    assert not wrong.accepted()
    plain = Listener(port, mine["username"], mine["password"], name="plain")  # no TLS on a TLS listener
    assert not plain.accepted(2)
    for probe in (anonymous, wrong, plain):
        probe.stop()


def test_a_revoked_board_is_refused_at_once(broker_hub):
    from hub.bundles import school_id
    from hub.enrollment import create_token
    from protocol.mqtt import alert_topic

    app, client, port = broker_hub
    mine = enroll(client, create_token(), "cb-mine", "R101")
    before = Listener(port, mine["username"], mine["password"], mine["cert_pem"], name="before")
    assert before.accepted()
    before.subscribe(alert_topic(school_id()))

    assert login(client, app).status_code == 302
    token = csrf_of(client.get("/").data)
    assert client.post("/boards/cb-mine/revoke", data={"csrf": token}).status_code == 302

    after = Listener(port, mine["username"], mine["password"], mine["cert_pem"], name="after")
    assert not after.accepted()
    app.config["PUSH"].alert(school_id(), "演练", "请撤离")
    assert before.received() == []  # the open connection gets nothing more either
    before.stop()
    after.stop()
