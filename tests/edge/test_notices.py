from datetime import datetime, timedelta

from edge.store import models as m


def add(id_, clock, **kw):
    now = clock.now().replace(tzinfo=None)
    fields = dict(title=id_, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    fields.update(kw)
    return m.Notice.create(id=id_, **fields)


def test_order_emergency_then_priority_then_newest(board, clock):
    m.Notice.delete().execute()
    now = clock.now().replace(tzinfo=None)
    add("low-new", clock, priority=1, starts_at=now - timedelta(minutes=1))
    add("high", clock, priority=9)
    add("low-old", clock, priority=1, starts_at=now - timedelta(minutes=30))
    add("alarm", clock, priority=0, emergency=True)
    assert [n.id for n in board.notices.active(**board.audience())] == ["alarm", "high", "low-new", "low-old"]
    assert board.notices.emergency(**board.audience()).id == "alarm"


def test_audience_and_time_window(board, clock):
    m.Notice.delete().execute()
    now = clock.now().replace(tzinfo=None)
    add("mine", clock, audience_scope="class", audience_value="C101")
    add("other-class", clock, audience_scope="class", audience_value="C102")
    add("grade", clock, audience_scope="grade", audience_value="高一")
    add("this-board", clock, audience_scope="board", audience_value=board.id)
    add("expired", clock, ends_at=now - timedelta(minutes=1))
    add("future", clock, starts_at=now + timedelta(minutes=10))
    assert {n.id for n in board.notices.active(**board.audience())} == {"mine", "grade", "this-board"}
    assert board.notices.emergency(**board.audience()) is None
    change = board.notices.next_change(**board.audience())
    assert change == clock.now() + timedelta(minutes=10)
