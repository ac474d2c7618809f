"""Usage metering: sealed records and their outbox rows live and die together."""
import pytest

from edge.services.usage import Activity, as_wire
from edge.store import models as m


def test_record_is_sealed_chained_and_queued(board):
    from protocol import records as wire

    first = board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=300)
    second = board.usage.record("checkin", initiator="student", class_id="C101", data={"student": "S1001"})
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev == first.hash and first.prev == "0" * 64
    assert board.usage.outbox_depth() == 2
    stored = [as_wire(r, board.id) for r in m.UsageRecord.select().order_by(m.UsageRecord.seq)]
    report = wire.verify_chain(stored, board.key.public_key())
    assert report.ok, report


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
