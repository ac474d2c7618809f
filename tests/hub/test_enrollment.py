from protocol.keys import public_text
from tests.hub.conftest import FakeBoard


def test_token_enrollment_assigns_room_and_class(client, token, hub_app):
    answer = FakeBoard(client).enroll(enrollment_token=token, room="R102").get_json()
    assert answer["status"] == "enrolled" and answer["room_id"] == "R102" and answer["class_id"] == "C102"
    assert answer["hub_public_key"] == public_text(hub_app.config["HUB_KEY"])


def test_bad_token_and_no_credentials_are_refused(client):
    assert FakeBoard(client).enroll(enrollment_token="cbt_wrong").status_code == 403
    response = FakeBoard(client).enroll()
    assert response.status_code == 403 and "claim code" in response.get_json()["detail"]
    assert response.content_type == "application/problem+json"


def test_claim_code_flow(client, hub_app):
    from hub.enrollment import claim_board
    board = FakeBoard(client)
    assert board.enroll(claim_code="K7MP-2QXR").get_json()["status"] == "pending"
    with hub_app.app_context():
        claim_board("k7mp-2qxr", "R101", None, "一楼东")
    answer = board.enroll(claim_code="K7MP-2QXR").get_json()
    assert answer["status"] == "enrolled" and answer["class_id"] == "C101"
    thief = FakeBoard(client, "cb-thief")
    assert thief.enroll(claim_code="K7MP-2QXR").get_json()["status"] == "pending"  # a used code claims nothing


def test_same_id_with_another_key_is_refused(client, enrolled, token):
    impostor = FakeBoard(client, enrolled.id)
    response = impostor.enroll(enrollment_token=token, room="R101")
    assert response.status_code == 403 and "different key" in response.get_json()["detail"]


def test_revoked_board_cannot_sync(client, enrolled, hub_app):
    from hub.models import Board
    with hub_app.app_context():
        Board.update(state="revoked").where(Board.id == enrolled.id).execute()
    response = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/bundle")
    assert response.status_code == 403 and "revoked" in response.get_json()["title"]


def test_unsigned_and_cross_board_requests_are_refused(client, enrolled):
    assert client.get(f"/api/v1/boards/{enrolled.id}/bundle").status_code == 401
    other = FakeBoard(client, "cb-other")
    assert other.call("GET", f"/api/v1/boards/{enrolled.id}/bundle").status_code == 401


def test_claims_api_needs_an_admin_token(client, hub_app):
    from hub.console import create_user
    body = {"claim_code": "ABCD-2345", "room_id": "R101"}
    assert client.post("/api/v1/claims", json=body).status_code == 401
    with hub_app.app_context():
        api_token = create_user("it", "s3cret-pass", "admin")
    response = client.post("/api/v1/claims", json=body, headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 201
    response = client.post("/api/v1/claims", json=body | {"room_id": "NOWHERE"},
                           headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 404
