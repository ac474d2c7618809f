"""Roll call: the session, every student's status and its usage record are saved together or not at all."""
from __future__ import annotations

import pytest

from edge.services.attendance import STATUSES, AttendanceError
from edge.store import models as m


def _usage_kinds() -> list[str]:
    return [r.kind for r in m.UsageRecord.select()]


def test_saves_session_checkins_and_one_usage_record(board):
    roster = board.rollcall.roster("C101")
    first, second, third = (s.id for s in roster[:3])
    before = board.usage.outbox_depth()
    session = board.rollcall.save("C101", "T001", {first: "late", second: "absent", third: "leave"}, period=3)
    checkins = {c.student_id: c.status for c in m.CheckIn.select().where(m.CheckIn.session == session.id)}
    assert len(checkins) == len(roster)
    assert (checkins[first], checkins[second], checkins[third]) == ("late", "absent", "leave")
    assert sum(1 for v in checkins.values() if v == "present") == len(roster) - 3  # left out = present
    assert _usage_kinds().count("attendance.session") == 1
    assert board.usage.outbox_depth() == before + 1


def test_all_present_shortcut_is_an_empty_form(board):
    session = board.rollcall.save("C101", "T001", {})
    assert {c.status for c in m.CheckIn.select().where(m.CheckIn.session == session.id)} == {"present"}


@pytest.mark.parametrize("statuses, message", [({"S-nobody": "late"}, "not in class"),
                                               ({"__first__": "sleeping"}, "unknown status")])
def test_bad_input_changes_nothing(board, statuses, message):
    first = board.rollcall.roster("C101")[0].id
    statuses = {(first if k == "__first__" else k): v for k, v in statuses.items()}
    with pytest.raises(AttendanceError, match=message):
        board.rollcall.save("C101", "T001", statuses)
    assert m.AttendanceSession.select().count() == 0 and m.CheckIn.select().count() == 0


def test_a_class_without_roster_is_refused(board):
    with pytest.raises(AttendanceError, match="no roster"):
        board.rollcall.save("C-missing", "T001", {})


def test_failure_while_sealing_the_record_rolls_back_everything(board, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    depth = board.usage.outbox_depth()
    monkeypatch.setattr(board.rollcall.usage, "record", broken)
    with pytest.raises(OSError):
        board.rollcall.save("C101", "T001", {})
    assert m.AttendanceSession.select().count() == 0 and m.CheckIn.select().count() == 0
    assert board.usage.outbox_depth() == depth


def test_week_summary_counts_by_day(board, clock):
    first = board.rollcall.roster("C101")[0].id
    board.rollcall.save("C101", "T001", {first: "absent"})
    board.rollcall.save("C101", "T001", {})
    week = board.rollcall.week_summary("C101")
    assert [d.day.isoweekday() for d in week] == list(range(1, 8))
    today = next(d for d in week if d.day == clock.now().date())
    assert today.sessions == 2 and today.counts["absent"] == 1
    assert set(today.counts) == set(STATUSES)
    assert sum(d.sessions for d in week) == 2
