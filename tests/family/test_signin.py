"""Guardians sign in safely: codes are single use, expire and are throttled; revocation is immediate."""
from datetime import datetime, timedelta

from hub.family.models import EnrolmentCode, Guardian
from hub.models import AccessLog, Throttle

from .conftest import api_csrf, csrf_of, enrol, issue


def test_a_code_makes_an_account_for_one_child_and_works_once(client, hub_app):
    code = issue(hub_app, "S1001", relation="妈妈")
    reply = enrol(client, code.lower()[:5] + "-" + code.lower()[5:], "lily-mum")  # as typed on a phone
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/family/")
    page = client.get("/family/", follow_redirects=True).get_data(as_text=True)
    assert "亲情留言" in page
    other = hub_app.test_client()
    again = enrol(other, code, "someone-else")
    assert again.status_code == 400 and "已经用过" in again.get_data(as_text=True)
    with hub_app.app_context():
        assert Guardian.select().count() == 1


def test_an_expired_code_is_refused_and_changes_nothing(client, hub_app):
    code = issue(hub_app, "S1001")
    with hub_app.app_context():
        EnrolmentCode.update(expires_at=datetime(2000, 1, 1)).execute()
    reply = enrol(client, code, "late-dad")
    assert reply.status_code == 400 and "过期" in reply.get_data(as_text=True)
    with hub_app.app_context():
        assert Guardian.select().count() == 0 and EnrolmentCode.get().used_at is None


def test_guessing_codes_is_throttled_even_with_the_right_code_afterwards(client, hub_app, monkeypatch):
    from hub.security import throttle

    monkeypatch.setattr(throttle, "clock", lambda: datetime(2026, 12, 1, 8, 0))  # the 2 s wait cannot run out
    code = issue(hub_app, "S1001")
    for i in range(10):  # the guardian code's free budget per address (hub/security/throttle.py)
        assert enrol(client, f"WRONG{i:05d}", "guesser").status_code == 400
    reply = enrol(client, code, "guesser")
    assert reply.status_code == 429 and int(reply.headers["Retry-After"]) >= 1
    assert "尝试次数过多" in reply.get_data(as_text=True)
    with hub_app.app_context():
        assert Guardian.select().count() == 0 and EnrolmentCode.get().used_at is None
        assert Throttle.get_by_id("family.code.address:127.0.0.1").failures == 10  # the shared security throttle
        events = [row.event for row in AccessLog.select().order_by(AccessLog.id)]
    assert events.count("family.enrol.failed") == 10 and events[-1] == "family.enrol.throttled"


def test_guessing_a_guardians_password_locks_the_account_not_the_consoles(client, hub_app, monkeypatch):
    from hub.console import create_user
    from hub.security import throttle

    monkeypatch.setattr(throttle, "clock", lambda: datetime(2026, 12, 1, 8, 0))  # a slow machine outlasts no wait

    enrol(client, issue(hub_app, "S1001"), "admin", "right-password")  # a guardian who chose the name "admin"
    with hub_app.app_context():
        create_user("admin", "console-password")
    answers = []
    for i in range(12):  # bounded; each from a new address, so only the account's budget counts
        fresh = hub_app.test_client()
        answers.append(fresh.post("/family/login", data={"csrf": csrf_of(fresh), "login": "admin",
                                                         "password": f"wrong-{i}"},
                                  environ_base={"REMOTE_ADDR": f"10.9.0.{i}"}).status_code)
    assert answers == [401] * 3 + [429] * 9  # 3 free guesses, then a wait: refused before any password check
    with hub_app.app_context():
        assert Throttle.get_by_id("family.login.account:admin").failures == 3
        assert Throttle.get_or_none(Throttle.key == "login.account:admin") is None  # the console's admin untouched
        throttle.charge(throttle.keys_for_login("admin", "10.0.0.1"))  # the console's budget is still free


def test_password_sign_in_and_wrong_password(client, hub_app):
    enrol(client, issue(hub_app, "S1001"), "mum-1", "right-password")
    assert client.post("/family/logout").status_code == 400  # no token: a cross-site form cannot sign anyone out
    assert client.post("/family/logout", data={"csrf": api_csrf(client, "S1001")}).status_code == 302
    fresh = hub_app.test_client()
    bad = fresh.post("/family/login", data={"csrf": csrf_of(fresh), "login": "mum-1", "password": "wrong-password"})
    assert bad.status_code == 401
    good = fresh.post("/family/login", data={"csrf": csrf_of(fresh), "login": "mum-1", "password": "right-password"})
    assert good.status_code == 302
    assert fresh.get("/family/api/children/S1001/day").status_code == 200


def test_a_revoked_guardian_is_out_at_once(client, hub_app):
    from hub.family.accounts import revoke

    enrol(client, issue(hub_app, "S1001"), "mum-2")
    assert client.get("/family/api/children/S1001/day").status_code == 200
    with hub_app.app_context():
        revoke(login="mum-2")
    assert client.get("/family/api/children/S1001/day").status_code == 401
    assert client.get("/family/child/S1001").status_code == 302
    fresh = hub_app.test_client()
    again = fresh.post("/family/login", data={"csrf": csrf_of(fresh), "login": "mum-2", "password": "secret-pass-1"})
    assert again.status_code == 401


def test_a_second_code_adds_a_second_child_to_the_same_account(client, hub_app):
    enrol(client, issue(hub_app, "S1001"), "parent-x")
    second = hub_app.test_client()
    assert enrol(second, issue(hub_app, "S2001"), "parent-x").status_code == 302  # same name, same password
    assert second.get("/family/api/children/S1001/day").status_code == 200
    assert second.get("/family/api/children/S2001/day").status_code == 200
    third = hub_app.test_client()
    taken = enrol(third, issue(hub_app, "S1002"), "parent-x", "another-password")
    assert taken.status_code == 409


def test_letters_are_a_pdf_page_per_code(client, hub_app):
    from hub.console import create_user
    with hub_app.app_context():
        create_user("admin", "admin-password", "admin")
    login = client.get("/login").get_data(as_text=True)
    csrf = login.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"csrf": csrf, "username": "admin", "password": "admin-password"})
    assert 'href="/console/family/"' in client.get("/").get_data(as_text=True)  # in the console's navigation
    page = client.get("/console/family/").get_data(as_text=True)
    assert "家长账号" in page
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    reply = client.post("/console/family/letters", data={"csrf": csrf, "class_id": "C101", "relation": "家长",
                                                         "days": "14"})
    assert reply.status_code == 200 and reply.data.startswith(b"%PDF")
    assert reply.data.count(b"/Type /Page\n") + reply.data.count(b"/Type /Page>") >= 1
    with hub_app.app_context():
        n = EnrolmentCode.select().where(EnrolmentCode.student_id.startswith("S1")).count()
        assert n == 45
        row = EnrolmentCode.select().first()
        assert timedelta(days=13) < row.expires_at - row.created_at <= timedelta(days=14)


def test_the_day_shows_the_homework_teachers_set_for_the_childs_class_only(client, hub_app):
    from datetime import date

    from hub.classlife.store import add_homework

    enrol(client, issue(hub_app, "S1001"), "mum-homework")
    assert client.get("/family/api/children/S1001/day").get_json()["homework"] == []  # class life, no homework yet
    with hub_app.app_context():
        due = (date.today() + timedelta(days=3)).isoformat()
        add_homework("C101", "数学", "练习册第 12 页", due, None, date.today())
        add_homework("C102", "语文", "别的班的作业", due, None, date.today())
    homework = client.get("/family/api/children/S1001/day").get_json()["homework"]
    assert [(h["subject"], h["text"]) for h in homework] == [("数学", "练习册第 12 页")]
    assert "练习册第 12 页" in client.get("/family/child/S1001").get_data(as_text=True)
