"""A guardian reaches only their own child, whatever id is changed in whatever URL or API call."""
import pytest

from .conftest import api_csrf, csrf_of, enrol, issue, tone_wav


@pytest.fixture
def two_families(hub_app):
    a, b = hub_app.test_client(), hub_app.test_client()
    enrol(a, issue(hub_app, "S1001"), "family-a")
    enrol(b, issue(hub_app, "S1002"), "family-b")
    csrf_b = api_csrf(b, "S1002")
    sent = b.post("/family/api/children/S1002/messages", data=tone_wav(1.0),
                  headers={"X-CSRF-Token": csrf_b, "Content-Type": "audio/wav"}).get_json()
    return a, b, sent["id"]


OTHER_CHILDREN = ["S1002", "S2001", "S9999", "s1001", "S1001%20", "..%2FS1002", "S1001/../S1002"]


@pytest.mark.parametrize("child", OTHER_CHILDREN)
def test_no_other_child_by_any_url(two_families, child):
    a, _b, _ = two_families
    csrf = api_csrf(a, "S1001")
    answers = [a.get(f"/family/child/{child}"), a.get(f"/family/api/children/{child}/day"),
               a.post(f"/family/api/children/{child}/messages", json={"text": "hi"}, headers={"X-CSRF-Token": csrf}),
               a.post(f"/family/api/children/{child}/messages", data=tone_wav(0.5),
                      headers={"X-CSRF-Token": csrf, "Content-Type": "audio/wav"})]
    assert [r.status_code for r in answers] == [404, 404, 404, 404]
    assert all("S1002" not in r.get_data(as_text=True) for r in answers)


def test_no_other_familys_message_audio(two_families):
    a, b, message_id = two_families
    assert a.get(f"/family/api/messages/{message_id}/audio").status_code == 404
    assert b.get(f"/family/api/messages/{message_id}/audio").status_code == 200
    assert a.get("/family/api/messages/not-an-id/audio").status_code == 404


def test_the_other_familys_messages_never_show(two_families):
    a, _b, message_id = two_families
    day = a.get("/family/api/children/S1001/day").get_json()
    assert day["student"]["id"] == "S1001" and day["messages"] == []
    assert message_id not in a.get("/family/child/S1001").get_data(as_text=True)


def test_signed_out_gets_nothing(hub_app, two_families):
    _a, _b, message_id = two_families
    nobody = hub_app.test_client()
    assert nobody.get("/family/api/children/S1001/day").status_code == 401
    assert nobody.post("/family/api/children/S1001/messages", json={"text": "x"}).status_code == 400  # CSRF first
    token = csrf_of(nobody)  # the sign-in page's token: valid, but nobody is signed in
    assert nobody.post("/family/api/children/S1001/messages", json={"text": "x"},
                       headers={"X-CSRF-Token": token}).status_code == 401
    assert nobody.get(f"/family/api/messages/{message_id}/audio").status_code == 401
    assert nobody.get("/family/child/S1001").status_code == 302


def test_a_board_cannot_reply_for_another_class(client, hub_app, two_families):
    """The reply endpoint checks the message belongs to the signing board's class."""
    import base64
    import json
    import uuid

    from hub.enrollment import create_token
    from hub.models import Board
    from tests.hub.conftest import FakeBoard

    _a, _b, message_id = two_families
    with hub_app.app_context():
        token = create_token()
    board = FakeBoard(client, "cb-other-class")
    board.enroll(enrollment_token=token, room="R102")
    with hub_app.app_context():
        Board.update(class_id="C102").where(Board.id == board.id).execute()
    body = json.dumps({"id": str(uuid.uuid4()), "message_id": message_id, "student_id": "S1002",
                       "audio_b64": base64.b64encode(tone_wav(1.0)).decode()}).encode()
    reply = board.call("POST", f"/api/v1/boards/{board.id}/family/replies", body, {"Content-Type": "application/json"})
    assert reply.status_code == 404
    unsigned = client.post(f"/api/v1/boards/{board.id}/family/replies", data=body,
                           headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
