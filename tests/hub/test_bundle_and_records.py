import gzip
import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from protocol.bundle import open_bundle
from protocol.keys import generate_keypair
from protocol.memlog import MemoryLog
from protocol.records import encode_batch, format_time


AT = format_time(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc))


def board_log(board, n=0, key=None) -> MemoryLog:
    """The fake board's log (signed with its enrolled key unless ``key`` says otherwise), ``n`` records long."""
    log = MemoryLog(board.id, key or board.key)
    grow(log, n)
    return log


def grow(log: MemoryLog, n: int) -> list[dict]:
    return [log.add("attendance.session", AT, class_id="C101", duration_s=300, data={"present": 44})
            for _ in range(n)]


def upload(board, records, checkpoint, minimal=False):
    headers = {"Content-Type": "application/gzip"} | ({"Prefer": "return=minimal"} if minimal else {})
    return board.call("POST", f"/api/v1/boards/{board.id}/records", encode_batch(records, checkpoint), headers)


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
    log = board_log(enrolled, 30)
    first = upload(enrolled, log.records, log.checkpoint()).get_json()
    assert len(first["acked"]) == 30 and first["duplicates"] == 0 and first["last_seq"] == 30
    assert first["last_hash"] == log.root().hex()
    retry = upload(enrolled, log.records, log.checkpoint(at=datetime.now(timezone.utc))).get_json()  # signed anew
    assert len(retry["acked"]) == 30 and retry["duplicates"] == 30
    grow(log, 5)
    more = upload(enrolled, log.records[20:], log.checkpoint()).get_json()
    assert more["last_seq"] == 35 and more["duplicates"] == 10
    from hub.models import Board, BoardCheckpoint, UsageRecord
    with hub_app.app_context():
        assert UsageRecord.select().count() == 35
        assert Board.get_by_id(enrolled.id).last_hash == log.root().hex()
        assert sorted(c.size for c in BoardCheckpoint.select()) == [30, 30, 35]


def test_a_batch_whose_checkpoint_another_key_signed_stores_nothing(client, enrolled, hub_app):
    log = board_log(enrolled, 5, key=generate_keypair())
    answer = upload(enrolled, log.records, log.checkpoint())
    assert answer.status_code == 400 and "signature by the board's key" in answer.get_json()["detail"]
    _nothing_stored(hub_app)


def test_a_record_altered_after_signing_refuses_the_whole_batch(client, enrolled, hub_app):
    log = board_log(enrolled, 5)
    checkpoint = log.checkpoint()
    altered = [dict(r) for r in log.records]
    altered[2]["duration_s"] = 3600
    answer = upload(enrolled, altered, checkpoint)
    assert answer.status_code == 409 and "altered, dropped or reordered" in answer.get_json()["detail"]
    _nothing_stored(hub_app)


def test_a_checkpoint_that_does_not_cover_the_batch_is_refused(client, enrolled, hub_app):
    log = board_log(enrolled, 5)
    answer = upload(enrolled, log.records, log.checkpoint(4))
    assert answer.status_code == 400 and "ends at seq 5" in answer.get_json()["detail"]
    _nothing_stored(hub_app)


def test_a_fork_of_held_records_is_refused(client, enrolled, hub_app):
    log = board_log(enrolled, 5)
    assert upload(enrolled, log.records, log.checkpoint()).status_code == 200
    fork = board_log(enrolled, 7)  # the same board key, another history of seq 1..7
    answer = upload(enrolled, fork.records, fork.checkpoint())
    assert answer.status_code == 409 and "forked" in answer.get_json()["detail"]
    from hub.models import UsageRecord
    with hub_app.app_context():
        assert UsageRecord.select().count() == 5


def test_gap_is_a_conflict_and_stores_nothing(client, enrolled, hub_app):
    log = board_log(enrolled, 12)
    response = upload(enrolled, log.records[9:], log.checkpoint())
    assert response.status_code == 409 and "holds up to 0" in response.get_json()["detail"]
    _nothing_stored(hub_app)


def test_a_daily_checkpoint_is_kept_when_it_agrees_and_refused_when_not(client, enrolled, hub_app):
    log = board_log(enrolled, 3)
    upload(enrolled, log.records, log.checkpoint())
    daily = log.checkpoint(at=datetime(2026, 11, 25, tzinfo=timezone.utc))
    send = lambda text: enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/checkpoints", text.encode(),  # noqa: E731
                                      {"Content-Type": "text/plain"})
    assert send(daily).get_json() == {"size": 3, "root": log.root().hex()}
    assert send(log.checkpoint(2)).status_code == 200  # an older head of the same log is consistent too
    other = board_log(enrolled, 3)
    assert send(other.checkpoint()).status_code == 409
    grow(log, 1)
    assert send(log.checkpoint()).status_code == 409  # records first
    assert send("not a checkpoint").status_code == 400


def _nothing_stored(hub_app):
    from hub.models import BoardCheckpoint, UsageRecord
    with hub_app.app_context():
        assert UsageRecord.select().count() == 0 and BoardCheckpoint.select().count() == 0


def test_oversized_batch_is_refused(client, enrolled):
    response = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records", b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413


HOSTILE_BODIES = st.dictionaries(
    st.sampled_from(["v", "board_id", "first_seq", "count", "columns", "checkpoint"]),
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

    for bad in ('{"outbox_depth": 24891533955682315207499055104}', '{"outbox_depth": -1}',
                '{"version": "\\ud812x"}', '{"\\uda47": [], "uptime_s": 1}'):  # found by schemathesis: were 500s
        assert enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/health", bad.encode(),
                             {"Content-Type": "application/json"}).status_code == 400, bad
    with hub_app.app_context():
        assert Board.get_by_id(enrolled.id).outbox_depth == 12  # nothing changed


def test_minimal_ack_names_no_ids_but_says_how_far_the_hub_holds(client, enrolled, hub_app):
    log = board_log(enrolled, 5)
    reply = upload(enrolled, log.records, log.checkpoint(), minimal=True).get_json()
    assert "acked" not in reply and reply["acked_count"] == 5 and reply["last_seq"] == 5
    again = upload(enrolled, log.records, log.checkpoint(), minimal=True).get_json()
    assert again["acked_count"] == 5 and again["duplicates"] == 5


def test_a_batch_carries_the_checkpoints_signed_offline_all_or_nothing(client, enrolled, hub_app):
    from hub.models import BoardCheckpoint, UsageRecord

    log = board_log(enrolled, 10)
    daily = [log.checkpoint(3, at=datetime(2026, 11, 24, 16, tzinfo=timezone.utc)),
             log.checkpoint(7, at=datetime(2026, 11, 25, 16, tzinfo=timezone.utc))]
    other = board_log(enrolled, 7)  # the same key, another history (other record ids): not this batch's log
    for history, status, why in (([daily[0], other.checkpoint(7)], 409, "does not match"),
                                 ([log.checkpoint(10)], 400, "beyond the batch's 5"),
                                 (["not a checkpoint"], 400, "checkpoint refused")):
        records = log.records if status == 409 else log.records[:5]
        answer = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records",
                               encode_batch(records, log.checkpoint(len(records)), history),
                               {"Content-Type": "application/gzip"})
        assert answer.status_code == status and why in answer.get_json()["detail"], answer.get_json()
        _nothing_stored(hub_app)
    for _ in range(2):  # the retry after a lost ack stores nothing twice
        answer = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records",
                               encode_batch(log.records, log.checkpoint(), daily), {"Content-Type": "application/gzip"})
        assert answer.status_code == 200 and answer.get_json()["last_seq"] == 10
    with hub_app.app_context():
        assert UsageRecord.select().count() == 10
        assert sorted(c.size for c in BoardCheckpoint.select()) == [3, 7, 10]
    answer = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records",
                           encode_batch(log.records[3:], log.checkpoint(), [log.checkpoint(2, at=datetime(
                               2026, 11, 26, tzinfo=timezone.utc))]), {"Content-Type": "application/gzip"})
    assert answer.status_code == 200  # an earlier checkpoint of records held before: checked on the stored leaves
    with hub_app.app_context():
        assert sorted(c.size for c in BoardCheckpoint.select()) == [2, 3, 7, 10]
