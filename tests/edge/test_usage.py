"""Usage metering: records, their outbox rows and the board's log live and die together."""
from datetime import timedelta

import pytest

from edge.services.usage import Activity, as_wire
from edge.store import models as m


def test_records_are_leaves_of_the_log_the_board_signs(board):
    from protocol import records as wire
    from protocol.checkpoint import verify_checkpoint
    from protocol.merkle import root

    first = board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=300)
    second = board.usage.record("checkin", initiator="student", class_id="C101", data={"student": "S1001"})
    assert (first.seq, second.seq) == (1, 2)
    assert board.usage.outbox_depth() == 2
    stored = [as_wire(r, board.id) for r in m.UsageRecord.select().order_by(m.UsageRecord.seq)]
    assert [r["hash"] for r in stored] == [wire.record_leaf(r).hex() for r in stored]
    point = verify_checkpoint(board.log.latest().text, board.key.public_key(), board.id)
    assert point.size == 2 and point.root == root([wire.record_leaf(r) for r in stored])


def test_checkpoints_are_signed_once_per_size_and_again_daily(board, clock):
    from protocol.checkpoint import verify_checkpoint

    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(30)])
    at_10 = board.log.checkpoint_at(10)
    assert board.log.checkpoint_at(10) == at_10  # a retried batch carries the same checkpoint
    assert verify_checkpoint(board.log.checkpoint_at(25), board.key.public_key()).size == 25  # grown from 10
    latest = board.log.latest()
    assert latest.size == 30 and not board.log.due()
    clock.advance(86_401)
    assert board.log.due()
    refreshed = board.log.latest()
    assert refreshed.size == 30 and refreshed.text != latest.text and not board.log.due()


def test_the_daily_checkpoint_is_signed_offline_and_kept_until_the_hub_has_it(board, clock):
    from edge.jobs import install_log_checkpoint
    from protocol.checkpoint import parse_checkpoint

    install_log_checkpoint(board)
    assert not board.log.sign_if_due()  # an empty log: nothing to vouch for
    board.usage.record("checkin", initiator="student", class_id="C101")
    early = parse_checkpoint(board.log.checkpoint_at(1))[0]
    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(4)])
    assert parse_checkpoint(board.log.checkpoint_at(3))[0].log_held == 5  # signed after the log grew past it
    assert early.log_held == 1 and "held" not in early.text
    for day in range(3):  # three days with no hub; one record each morning
        clock.advance(86_400)
        board.usage.record("checkin", initiator="student", class_id="C101", data={"day": day})
        board.scheduler.run_until(clock.now() + timedelta(hours=2))
    unsent = [parse_checkpoint(t)[0] for t in board.log.unsent()]
    assert [(p.size, p.log_held) for p in unsent] == [(1, 1), (3, 5), (6, 6), (7, 7), (8, 8)]
    assert [p.size for p in map(lambda t: parse_checkpoint(t)[0], board.log.unsent(6))] == [1, 3, 6]
    board.log.mark_sent(board.log.unsent(6))
    assert [parse_checkpoint(t)[0].size for t in board.log.unsent()] == [7, 8]
    assert not board.log.sign_if_due()  # today's is signed
    clock.advance(86_400)
    assert board.log.sign_if_due()  # same size, a day later: the newer replaces the older, still to send
    assert [parse_checkpoint(t)[0].size for t in board.log.unsent()] == [7, 8]
    assert parse_checkpoint(board.log.unsent()[-1])[0].time.startswith(clock.now().strftime("%Y-%m-%dT%H"))


def test_record_rolls_back_with_the_callers_transaction(board):
    with pytest.raises(RuntimeError):
        with board.db.atomic():
            board.usage.record("attendance.session", initiator="teacher", class_id="C101")
            raise RuntimeError("power cut before commit")
    assert m.UsageRecord.select().count() == 0 and board.usage.outbox_depth() == 0
    after = board.usage.record("attendance.session", initiator="teacher", class_id="C101")
    assert after.seq == 1  # no gap in the chain from the rolled-back record


def test_batch_keeps_one_gapless_chain(board):
    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(1200)])
    seqs = [r.seq for r in m.UsageRecord.select(m.UsageRecord.seq).order_by(m.UsageRecord.seq)]
    assert seqs == list(range(1, 1201))
    assert board.usage.outbox_depth() == 1200


def test_records_survive_reopening_the_board(board, tmp_path, clock):
    from edge.board import Board

    board.usage.record("notice.ack", initiator="student", class_id="C101")
    config, board_id = board.config, board.id
    board.stop()
    again = Board(config, clock=clock)
    assert again.id == board_id
    assert again.usage.record("notice.ack", initiator="student", class_id="C101").seq == 2
    again.stop()


def test_a_protocol_1_store_becomes_a_log_and_loses_nothing(board, clock):
    """Migration v4 on a store written by protocol 1 (per-record prev/sig): every record stays, hashed as a leaf."""
    from edge.board import Board
    from protocol import records as wire

    board.usage.record_many([Activity("checkin", "student", "C101", 0, {"n": i}) for i in range(5)])
    ids = [r.id for r in m.UsageRecord.select().order_by(m.UsageRecord.seq)]
    config = board.config
    db = board.db
    db.execute_sql("ALTER TABLE usagerecord ADD COLUMN prev VARCHAR(255) NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE usagerecord ADD COLUMN sig VARCHAR(255) NOT NULL DEFAULT ''")
    db.execute_sql("UPDATE usagerecord SET hash = 'v1-chain-hash'")
    db.execute_sql("PRAGMA user_version = 3")
    board.stop()
    again = Board(config, clock=clock)
    rows = list(m.UsageRecord.select().order_by(m.UsageRecord.seq))
    assert [r.id for r in rows] == ids and again.usage.outbox_depth() == 5
    assert all(r.hash == wire.record_leaf(as_wire(r, again.id)).hex() for r in rows)
    columns = {c.name for c in again.db.get_columns("usagerecord")}
    assert "hash" in columns and not {"prev", "sig"} & columns
    assert again.log.latest().size == 5 and again.usage.record("checkin", initiator="student").seq == 6
    again.stop()
