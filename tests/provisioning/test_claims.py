"""provision claim and bulk against a real hub app on 127.0.0.1: codes claimed, failures summarised, none lost."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server


@pytest.fixture
def live_hub(tmp_path, school):
    from hub.app import create_app
    from hub.config import HubConfig
    from hub.console import create_user
    from hub.models import database
    from hub.school import replace_school

    app = create_app(HubConfig(data_dir=tmp_path / "hub"))
    replace_school(school)
    token = create_user("it", "long-password", "admin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    thread.join(timeout=5)
    database.close()


def run(*args):
    from provisioning.cli import provision
    return CliRunner().invoke(provision, list(args))


def test_claim_one_board_then_it_enrolls_into_that_room(live_hub):
    from hub.enrollment import enroll
    from hub.models import Claim
    from protocol.keys import generate_keypair, public_text

    url, token = live_hub
    result = run("claim", "--hub", url, "--token", token, "abcd-2345", "--room", "R102", "--name", "高一(2)班门口")
    assert result.exit_code == 0, result.output
    assert Claim.get_by_id("ABCD-2345").room_id == "R102"

    class Config:
        hub_public_key, mqtt_host, mqtt_port = "k", "", 0
    answer = enroll({"board_id": "cb-new1", "public_key": public_text(generate_keypair()),
                     "claim_code": "ABCD-2345"}, Config)
    assert answer["status"] == "enrolled" and answer["room_id"] == "R102" and answer["class_id"] == "C102"
    refused = run("claim", "--hub", url, "--token", "cbu_wrong", "WXYZ-2345", "--room", "R101")
    assert refused.exit_code != 0 and "401" in refused.output


def test_bulk_claims_every_row_with_a_code_and_names_each_failure(live_hub, tmp_path):
    from hub.models import Claim

    url, token = live_hub
    devices = tmp_path / "devices.csv"
    devices.write_text("\ufeffname,room,class_id,claim_code\r\n"
                       "高一(1)班,R101,C101,AAAA-2222\r\n"
                       "高一(2)班,R102,C102,\r\n"
                       "实验室,NOWHERE,C101,BBBB-3333\r\n"
                       "体育馆,GYM,C102,CCCC-4444\r\n", encoding="utf-8")
    result = run("bulk", "--hub", url, "--token", token, str(devices))
    assert result.exit_code == 1
    assert "2 claimed, 1 skipped, 1 failed" in result.output
    assert "devices.csv:4 实验室 (BBBB-3333): hub refused (404): room 'NOWHERE' does not exist" in result.output
    assert {c.code for c in Claim.select()} == {"AAAA-2222", "CCCC-4444"}
    down = run("bulk", "--hub", "http://127.0.0.1:9", "--token", token, str(devices))
    assert down.exit_code == 1 and "hub unreachable" in down.output
