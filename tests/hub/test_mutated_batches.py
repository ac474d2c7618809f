"""Well-formed, signed batches with one thing wrong, found by Hypothesis: they pass every shape check, so what
refuses them is the log logic (checkpoint signature, Merkle root, gaps, forks). Each is refused whole, and the
hub keeps exactly the log it held, still verifying."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from protocol.keys import generate_keypair
from protocol.memlog import MemoryLog
from protocol.records import KINDS, encode_batch, format_time, seal, uuid7

AT = format_time(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc))
HELD = 3  # records the hub holds before each example


def _resealed(rec: dict, **changes) -> dict:
    """The record with ``changes``, its leaf hash recomputed: well formed, but not what the board signed."""
    fields = {k: v for k, v in rec.items() if k != "hash"} | changes
    return seal(fields)


MUTATIONS = ("alter_field", "swap_records", "drop_record", "duplicate_record", "foreign_checkpoint",
             "short_checkpoint", "fork_held_record", "gap")


@st.composite
def mutated_batch(draw, log: MemoryLog):
    """(mutation, records, checkpoint) for the records after the held ones, with one mutation applied."""
    fresh = [dict(r) for r in log.records[HELD:]]
    kind = draw(st.sampled_from(MUTATIONS))
    i = draw(st.integers(0, len(fresh) - 1))
    checkpoint = log.checkpoint()
    if kind == "alter_field":
        field, value = draw(st.sampled_from([
            ("kind", draw(st.sampled_from([k for k in KINDS if k != fresh[i]["kind"]]))),
            ("duration_s", fresh[i]["duration_s"] + draw(st.integers(1, 600))),
            ("data", {"present": draw(st.integers(0, 39))}),  # the log holds 40 and more
            ("class_id", "C102"), ("initiator", "student")]))
        fresh[i] = _resealed(fresh[i], **{field: value})
    elif kind == "swap_records":
        j = (i + draw(st.integers(1, len(fresh) - 1))) % len(fresh)
        a, b = fresh[i], fresh[j]
        fresh[i], fresh[j] = _resealed(b, seq=a["seq"]), _resealed(a, seq=b["seq"])
    elif kind == "drop_record":  # from the middle (dropping the last would be an honest, shorter batch)
        i = min(i, len(fresh) - 2)
        fresh = fresh[:i] + [_resealed(r, seq=r["seq"] - 1) for r in fresh[i + 1:]]
        checkpoint = log.checkpoint(fresh[-1]["seq"])
    elif kind == "duplicate_record":
        i = min(i, len(fresh) - 2)
        fresh = (fresh[:i + 1] + [_resealed(r, seq=r["seq"] + 1) for r in fresh[i:]])[:-1]  # same length
    elif kind == "foreign_checkpoint":
        other = MemoryLog(log.board_id, generate_keypair())
        for r in log.records:
            other.add(r["kind"], r["at"], initiator=r["initiator"], class_id=r["class_id"],
                      duration_s=r["duration_s"], data=r["data"], record_id=r["id"])
        checkpoint = other.checkpoint()
    elif kind == "short_checkpoint":
        checkpoint = log.checkpoint(len(log.records) - 1)
    elif kind == "fork_held_record":
        h = draw(st.integers(0, HELD - 1))
        fresh = [_resealed(dict(log.records[h]), id=uuid7())] + [dict(r) for r in log.records[h + 1:]]
    elif kind == "gap":
        fresh = fresh[1:] if len(fresh) > 1 else fresh
        checkpoint = log.checkpoint()
        if fresh[0]["seq"] == HELD + 1:
            fresh = [_resealed(fresh[0], seq=HELD + 2)]
    return kind, fresh, checkpoint


def test_well_formed_but_wrong_batches_reach_the_log_logic_and_change_nothing(client, enrolled, hub_app):
    from hub.models import UsageRecord
    from hub.report.source import wire_records
    from tests.reliability.harness import hub_checkpoints, log_problems

    log = MemoryLog(enrolled.id, enrolled.key)
    for n in range(HELD + 4):
        log.add("attendance.session", AT, class_id="C101", duration_s=300, data={"present": 40 + n})
    held = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records",
                         encode_batch(log.records[:HELD], log.checkpoint(HELD)), {"Content-Type": "application/gzip"})
    assert held.status_code == 200
    refusals: Counter = Counter()

    # no shrinking: an example that wrongly stored records changes the hub for every later one
    @settings(max_examples=80, deadline=None, phases=[Phase.generate], database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(mutated_batch(log))
    def one(example):
        kind, records, checkpoint = example
        answer = enrolled.call("POST", f"/api/v1/boards/{enrolled.id}/records", encode_batch(records, checkpoint),
                               {"Content-Type": "application/gzip"})
        assert answer.status_code in (400, 409), (kind, answer.status_code, answer.get_data()[:300])
        detail = answer.get_json()["detail"]
        refusals[(kind, answer.get_json()["title"])] += 1
        assert "malformed" not in detail and "must be" not in detail, (kind, detail)  # not a shape check
        with hub_app.app_context():
            assert UsageRecord.select().where(UsageRecord.board_id == enrolled.id).count() == HELD
            assert log_problems(list(wire_records(enrolled.id)), enrolled.key.public_key(),
                                hub_checkpoints(enrolled.id)) == []

    one()
    titles = {title for (_, title) in refusals}
    assert {"log conflict", "log gap"} <= titles, refusals  # the Merkle root and the gap logic both ran
    assert len({kind for (kind, _) in refusals}) >= 6, refusals
