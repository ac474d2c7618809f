from edge.checkin import CheckInDesk, card_hash, match_markers
from edge.store import models as m

KEY = b"school-card-key-for-tests"


def desk(board):
    return CheckInDesk(board.db, board.clock, board.usage, KEY, board.zone)


def test_card_tap_checks_in_once_per_day(board, clock):
    student = m.Student.get(m.Student.id == "S1001")
    student.card_hash = card_hash(KEY, "04:A3:1B:7C")
    student.save()
    d = desk(board)
    first = d.tap("04a31b7c")
    assert first.outcome == "checked_in" and student.name in first.message_zh
    assert d.tap("04A31B7C").outcome == "already"
    clock.advance(24 * 3600)
    assert d.tap("04A31B7C").outcome == "checked_in"
    assert m.CheckIn.select().count() == 2
    kinds = [r.kind for r in m.UsageRecord.select()]
    assert kinds == ["checkin", "checkin"]
    assert all("04A31B7C" not in r.data for r in m.UsageRecord.select())  # the UID never leaves


def test_unknown_card_changes_nothing(board):
    result = desk(board).tap("DEADBEEF")
    assert result.outcome == "unknown" and "未登记" in result.message_zh
    assert m.CheckIn.select().count() == 0 and m.UsageRecord.select().count() == 0


def test_teacher_card_is_recognised(board):
    teacher = m.Teacher.get()
    teacher.card_hash = card_hash(KEY, "1234567890")
    teacher.save()
    assert desk(board).tap("1234567890").teacher_id == teacher.id


def test_marker_matching_never_invents_a_student():
    roster = {0: "S1", 1: "S2", 2: "S3"}
    result = match_markers([2, 0, 0, 999], roster)
    assert result.present == ["S1", "S3"] and result.unknown_markers == [999] and result.absent == ["S2"]
