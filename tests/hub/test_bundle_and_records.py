import gzip
import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from protocol.bundle import open_bundle
from protocol.keys import generate_keypair
from protocol.records import GENESIS, encode_batch, format_time, seal, uuid7


def sealed(board, n, start_seq=1, prev=GENESIS, key=None):
    out = []
    for seq in range(start_seq, start_seq + n):
        rec = seal({"id": uuid7(), "board_id": board.id, "seq": seq, "kind": "attendance.session",
                    "at": format_time(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)), "class_id": "C101",
                    "initiator": "teacher", "duration_s": 300, "data": {"present": 44}}, prev, key or board.key)
        prev = rec["hash"]
        out.append(rec)
    return out


def upload(board, records):
    return board.call("POST", f"/api/v1/boards/{board.id}/records", encode_batch(records),
                      {"Content-Type": "application/gzip"})


def test_bundle_is_signed_cut_to_the_board_and_conditional(client, enrolled, hub_app):
    response = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/bundle")
    assert response.status_code == 200
    content = open_bundle(response.get_json(), hub_app.config["HUB_KEY"].public_key(), expect_board=enrolled.id)
    assert {s["class_id"] for s in content["students"]} == {"C101"}
    assert content["settings"]["class_id"] == "C101" and content["settings"]["room_id"] == "R101"
    etag = response.headers["ETag"]
    again = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/bundle", headers={"If-None-Match": etag})
    assert again.status_code == 304
    from hub.models import Notice
    with hub_app.app_context():
        Notice.create(id="new", title="停电通知", starts_at=datetime(2026, 1, 1), updated_at=datetime.now())
    changed = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/bundle", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "停电通知" in [n["title"] for n in changed.get_json()["content"]["notices"]]


def test_records_are_stored_once_and_a_retry_acks_again(client, enrolled, hub_app):
    records = sealed(enrolled, 30)
    first = upload(enrolled, records).get_json()
    assert len(first["acked"]) == 30 and first["duplicates"] == 0 and first["last_seq"] == 30
    retry = upload(enrolled, records).get_json()
    assert len(retry["acked"]) == 30 and retry["duplicates"] == 30
    more = upload(enrolled, records[20:] + sealed(enrolled, 5, 31, records[-1]["hash"])).get_json()
    assert more["last_seq"] == 35 and more["duplicates"] == 10
    from hub.models import UsageRecord
    with hub_app.app_context():
        assert UsageRecord.select().count() == 35


def test_forged_record_stops_the_batch_at_the_break(client, enrolled, hub_app):
    good = sealed(enrolled, 5)
    forged = sealed(enrolled, 3, 6, good[-1]["hash"], key=generate_keypair())
    answer = upload(enrolled, good + forged).get_json()
    assert len(answer["acked"]) == 5 and answer["last_seq"] == 5
    assert len(answer["rejected"]) == 3 and "signature" in answer["rejected"][0]["reason"]


def test_gap_is_a_conflict_and_stores_nothing(client, enrolled, hub_app):
    response = upload(enrolled, sealed(enrolled, 3, 10, "a" * 64))
    assert response.status_code == 409 and "holds up to 0" in response.get_json()["detail"]
    from hub.models import UsageRecord
    with hub_app.app_context():
        assert UsageRecord.select().count() == 0


def test_oversized_batch_is_refused(client, enrolled):
    response = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records", b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413


HOSTILE_BODIES = st.dictionaries(
    st.sampled_from(["v", "board_id", "prev", "records"]),
    st.one_of(st.integers(), st.text(max_size=70),
              st.lists(st.dictionaries(st.text(max_size=10), st.integers(), max_size=4), max_size=4)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=3000), st.builds(lambda d: gzip.compress(json.dumps(d).encode()), HOSTILE_BODIES)))
def test_hostile_batches_get_a_clear_4xx_and_write_nothing(client, enrolled, hub_app, payload):
    response = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records", payload)
    assert 400 <= response.status_code < 500
    assert response.get_json()["detail"]
    from hub.models import UsageRecord
    with hub_app.app_context():
        assert UsageRecord.select().count() == 0


def test_health_is_stored(client, enrolled, hub_app):
    report = {"uptime_s": 60, "outbox_depth": 12, "version": "0.1.0", "cpu_temp_c": 51.2, "driver_faults": []}
    assert enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/health", json.dumps(report).encode(),
                         {"Content-Type": "application/json"}).status_code == 204
    from hub.models import Board
    with hub_app.app_context():
        row = Board.get_by_id(enrolled.id)
        assert row.outbox_depth == 12 and json.loads(row.health)["cpu_temp_c"] == 51.2


def test_minimal_ack_names_no_ids_but_says_how_far_the_hub_holds(client, enrolled, hub_app):
    records = sealed(enrolled, 5)
    reply = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records", encode_batch(records),
                          {"Content-Type": "application/gzip", "Prefer": "return=minimal"}).get_json()
    assert "acked" not in reply and reply["acked_count"] == 5 and reply["last_seq"] == 5
    again = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records", encode_batch(records),
                          {"Content-Type": "application/gzip", "Prefer": "return=minimal"}).get_json()
    assert again["acked_count"] == 5 and again["duplicates"] == 5
