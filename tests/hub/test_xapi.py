"""xAPI forwarding to a stand-in LRS on 127.0.0.1: shape, header, idempotent resend, outage."""
from __future__ import annotations

import pytest
import requests

from tests.hub.lrs import StandInLrs, problems
from tests.hub.usage import school_with_classes, term_of_use
from tests.hub.conftest import hub_args

HOME = "http://hub.school.example:8000"


@pytest.fixture
def lrs():
    server = StandInLrs()
    yield server
    server.close()


@pytest.fixture
def used_hub(hub_app):
    from hub.school import replace_school

    replace_school(school_with_classes())
    return term_of_use()


def forward(lrs_server, **kw):
    from hub.xapi.forwarder import Lrs, forward as send
    return send(Lrs(lrs_server.url, "lrs-key", "lrs-secret"), HOME, **kw)


def test_substantive_records_become_valid_statements_once(lrs, used_hub):
    from hub.models import UsageRecord
    from hub.xapi.forwarder import MARKS_KEY
    from hub.models import SchoolData

    counts = forward(lrs, batch=7)
    boards = used_hub
    # C101: 11 sessions (its sensor summary has no class); C102: 10; C103: taps and 30 s visits are not
    # substantive on their own; C104: 4 three-minute teacher sessions
    assert counts["sent"] == 25 == len(lrs.statements)
    assert counts["sent"] + counts["skipped"] == UsageRecord.select().count()
    first = boards["C101"].records[0]
    st = lrs.statements[first["id"]]  # statement id = record id
    assert problems(st) == [] and st["timestamp"] == first["at"] and st["result"]["duration"] == "PT300S"
    assert st["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert st["context"]["contextActivities"]["grouping"][0]["id"].endswith("/classes/C101")
    assert forward(lrs) == {"sent": 0, "skipped": 0}  # nothing new
    # losing the marks (a restored backup) resends everything, and the LRS still holds each statement once
    SchoolData.delete().where(SchoolData.key == MARKS_KEY).execute()
    assert forward(lrs)["sent"] == 25 and len(lrs.statements) == 25


def test_a_refused_batch_falls_back_to_put_and_an_outage_loses_nothing(lrs, used_hub):
    from hub.xapi.forwarder import LrsError

    lrs.down = True
    with pytest.raises(LrsError, match="503"):
        forward(lrs)
    assert lrs.statements == {}
    lrs.down = False
    one = used_hub["C101"].records[3]
    from hub.xapi.statements import statement
    altered = statement(one, HOME, "SCH-NN-001") | {"verb": {"id": "http://adlnet.gov/expapi/verbs/voided",
                                                              "display": {"en-US": "x"}}}
    lrs.statements[one["id"]] = altered  # the LRS already holds this id with other content: POST gets 409
    assert forward(lrs)["sent"] == 25
    assert ("PUT", 409) in lrs.requests and ("PUT", 204) in lrs.requests
    assert len(lrs.statements) == 25


def test_the_stand_in_really_checks_the_version_header(lrs):
    reply = requests.post(lrs.url + "/statements", json=[], auth=("lrs-key", "lrs-secret"), timeout=5)
    assert reply.status_code == 400 and "X-Experience-API-Version" in reply.text
    assert problems({"id": "x", "actor": {"mbox": "a", "account": {}}, "verb": {}, "object": {}}) != []


def test_cli_once(lrs, used_hub, hub_app):
    from click.testing import CliRunner

    from hub.cli import hub
    result = CliRunner().invoke(hub, ["xapi-forward", *hub_args(hub_app),
                                      "--endpoint", lrs.url, "--username", "lrs-key", "--password", "lrs-secret",
                                      "--home-page", HOME])
    assert result.exit_code == 0 and "sent 25 statements" in result.output
    from datetime import date
    used_hub["C104"].use(date(2026, 11, 23), "attendance.session", 200)
    used_hub["C104"].upload()
    lrs.down = True
    failed = CliRunner().invoke(hub, ["xapi-forward", *hub_args(hub_app),
                                      "--endpoint", lrs.url, "--home-page", HOME])
    assert failed.exit_code == 1 and "nothing was lost" in failed.output
