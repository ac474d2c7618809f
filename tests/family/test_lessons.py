"""亲情留言 on the board are not for lesson time (issue #16: "not during lessons unless the teacher allows").

The board's fake clock starts at SCHOOL_MORNING, a Tuesday 10:10 in 第3节 (10:05–10:50) of class C101.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import SHANGHAI

from .conftest import MESSAGE, family_records


def test_during_a_lesson_a_message_is_held_hidden_and_opens_after_it(with_message, clock):
    from edge.services.family_messages import HeldDuringLesson

    family = with_message.family()
    shown = family.for_student("S1001")
    lesson_end = datetime(2026, 11, 24, 10, 50, tzinfo=SHANGHAI)
    assert len(shown) == 1 and shown[0]["held_until"] == lesson_end and shown[0]["text"] == ""
    assert family.unread_count("S1001") == 1  # the corner still says a message is waiting
    with pytest.raises(HeldDuringLesson) as held:
        family.open(MESSAGE["id"], "S1001")
    assert held.value.until == lesson_end
    with pytest.raises(HeldDuringLesson):
        family.reply(MESSAGE["id"], "S1001", seconds=2)
    assert family_records(with_message) == [("system", "delivered")]  # nothing read, nothing recorded

    clock.set(datetime(2026, 11, 24, 10, 51, tzinfo=SHANGHAI))  # the break after 第3节
    shown = family.for_student("S1001")
    assert shown[0]["held_until"] is None and shown[0]["text"] == MESSAGE["text"]
    assert family.open(MESSAGE["id"], "S1001")["text"] == MESSAGE["text"]
    assert family_records(with_message) == [("system", "delivered"), ("student", "read")]


def test_a_teacher_at_the_board_allows_messages_for_the_rest_of_this_lesson_only(with_message, clock):
    from edge.services.family_messages import HeldDuringLesson
    from edge.store import models as m

    family = with_message.family()
    with pytest.raises(PermissionError):
        family.allow_during_lesson()  # nobody signed in: a child cannot allow it
    with_message.teachers.login_card(m.Teacher.select().first())
    assert family.allow_during_lesson() == datetime(2026, 11, 24, 10, 50, tzinfo=SHANGHAI)
    assert family.open(MESSAGE["id"], "S1001")["text"] == MESSAGE["text"]
    family.reply(MESSAGE["id"], "S1001", seconds=1)

    clock.set(datetime(2026, 11, 24, 11, 5, tzinfo=SHANGHAI))  # 第4节 (11:00–11:45): the allowance is over
    with pytest.raises(HeldDuringLesson):
        family.open(MESSAGE["id"], "S1001")


def test_the_board_screen_says_when_messages_open(with_message, clock):
    from kiosk_ui.app import create_app

    client = create_app(with_message).test_client()
    page = client.get("/family/corner/S1001").get_data(as_text=True)
    assert "10:50 下课后可以看" in page and MESSAGE["text"] not in page and "/family/open/" not in page
    refused = client.post(f"/family/open/{MESSAGE['id']}", data={"student_id": "S1001"})
    assert refused.status_code == 409 and refused.get_json()["held_until"] == "10:50"
    assert client.post(f"/family/reply/{MESSAGE['id']}", data={"student_id": "S1001"}).status_code == 409
    assert client.post("/family/allow").status_code == 403  # no teacher signed in

    clock.set(datetime(2026, 11, 24, 10, 55, tzinfo=SHANGHAI) + timedelta(seconds=1))
    page = client.get("/family/corner/S1001").get_data(as_text=True)
    assert MESSAGE["text"] in page and "下课后可以看" not in page
    assert client.post(f"/family/open/{MESSAGE['id']}", data={"student_id": "S1001"}).status_code == 200
