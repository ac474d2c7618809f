import pytest

from edge.store import models as m


def test_bundle_replaces_school_picture_but_keeps_records(board, school):
    from classboard.sample import board_bundle

    with board.db.atomic():
        m.AttendanceSession.create(id="a1", class_id="C102", started_at=board.clock.now().replace(tzinfo=None))
    smaller = dict(school, classes=[c for c in school["classes"] if c["id"] == "C101"],
                   students=[s for s in school["students"] if s["class_id"] == "C101"],
                   lessons=[x for x in school["lessons"] if x["class_id"] == "C101"], notices=[])
    board.install_bundle(board_bundle(smaller, board.id, "C101", "2026-11-24T01:00:00Z"), etag="v2")
    assert board.bundle_etag() == "v2"
    assert {c.id for c in m.ClassGroup.select()} == {"C101"}
    assert m.Student.select().count() == 45 and m.Notice.select().count() == 0
    assert m.AttendanceSession.get_by_id("a1").class_id == "C102"  # history survives roster changes


def test_failed_bundle_changes_nothing(board, school):
    from classboard.sample import board_bundle

    before = (m.Lesson.select().count(), m.Notice.select().count(), board.bundle_etag())
    broken = board_bundle(school, board.id, "C101", "2026-11-24T01:00:00Z")
    broken["lessons"] = broken["lessons"] + [dict(broken["lessons"][0], id="bad", class_id="NOPE")]
    with pytest.raises(Exception):
        board.install_bundle(broken, etag="v-broken")
    assert (m.Lesson.select().count(), m.Notice.select().count(), board.bundle_etag()) == before
