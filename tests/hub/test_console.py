import re


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()


def login(client, hub_app, role="admin"):
    from hub.console import create_user
    with hub_app.app_context():
        create_user("zhang", "long-password", role)
    token = csrf_of(client.get("/login").data)
    return client.post("/login", data={"username": "zhang", "password": "long-password", "csrf": token})


def test_login_required_and_wrong_password(client, hub_app):
    assert client.get("/").status_code == 302
    from hub.console import create_user
    with hub_app.app_context():
        create_user("zhang", "long-password")
    token = csrf_of(client.get("/login").data)
    response = client.post("/login", data={"username": "zhang", "password": "nope-nope", "csrf": token})
    assert response.status_code == 401 and "密码错误".encode() in response.data
    assert client.post("/login", data={"username": "zhang", "password": "long-password",
                                       "csrf": token}).status_code == 302
    from hub.models import AccessLog
    with hub_app.app_context():
        rows = [(r.event, r.actor, r.ok) for r in AccessLog.select().order_by(AccessLog.id)]
    assert rows == [("login.failed", "zhang", False), ("login", "zhang", True)]


def test_notice_needs_csrf_and_reaches_the_bundle(client, hub_app, enrolled):
    login(client, hub_app)
    page = client.get("/notices")
    assert page.status_code == 200
    form = {"title": "下午停课", "body": "因台风，下午停课。", "scope": "school", "format": "text", "priority": "9"}
    assert client.post("/notices", data=form).status_code == 400  # no CSRF token
    client.post("/notices", data=form | {"csrf": csrf_of(page.data)})
    bundle = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/bundle").get_json()
    assert "下午停课" in [n["title"] for n in bundle["content"]["notices"]]


def test_viewer_cannot_publish_or_revoke(client, hub_app, enrolled):
    login(client, hub_app, role="viewer")
    token = csrf_of(client.get("/").data)
    assert client.post("/notices", data={"title": "x", "csrf": token}).status_code == 403
    assert client.post(f"/boards/{enrolled.id}/revoke", data={"csrf": token}).status_code == 403
    assert enrolled.id.encode() in client.get("/").data


def test_an_unreachable_broker_is_tried_once_then_left_alone_for_a_while(tmp_path):
    import time as clock

    from hub.push import Pusher
    from protocol.keys import generate_keypair
    from tests.conftest import free_port

    pusher = Pusher(generate_keypair(), "127.0.0.1", free_port())  # nothing listens there
    started = clock.monotonic()
    assert pusher.poke("SCH", [f"cb-{i}" for i in range(50)]) is None
    assert not pusher.alert("SCH", "演练", "请撤离")
    assert clock.monotonic() - started < 2  # one refused connect, not 51
