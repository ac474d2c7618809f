"""Absences and replies reach the guardian's page and the school's own gateway (signed, retried webhook)."""
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.conftest import free_port

from .conftest import enrol, issue


class Gateway:
    """The school's messaging gateway on 127.0.0.1: answers 500 to the first ``fail`` calls, then 204."""

    def __init__(self, fail: int) -> None:
        self.fail, self.calls = fail, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), body))
                self.send_response(500 if len(outer.calls) <= outer.fail else 204)
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway(fail=1)
    yield g
    g.close()


def _roll_call(app, absent, leave=(), period=2):
    """An attendance.session record as stored after ingest, naming absent students."""
    from hub.models import UsageRecord
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with app.app_context():
        n = UsageRecord.select().count()
        UsageRecord.create(id=f"rec-{n}", board_id="cb-x", seq=n + 1, kind="attendance.session", at=now,
                           class_id="C101", initiator="teacher", duration_s=60,
                           data=json.dumps({"period": period, "method": "grid", "present": 43, "absent": list(absent),
                                            "leave": list(leave), "late": []}),
                           hash="h", received_at=now)


def test_absence_shows_on_the_page_and_calls_the_webhook_signed_with_retries(client, hub_app, gateway):
    from hub.family import notify
    from hub.family.models import WebhookDelivery

    with hub_app.app_context():
        notify.set_policy(webhook_url=gateway.url, webhook_secret="school-secret")
    enrol(client, issue(hub_app, "S1001"), "mum-absent")
    _roll_call(hub_app, absent=["S1001"], leave=["S1003"])
    day = client.get("/family/api/children/S1001/day").get_json()
    assert [n["kind"] for n in day["notifications"]] == ["absent"] and "缺勤" in day["notifications"][0]["text"]
    assert day["attendance"]["today"]["roll_calls"][0]["child"] == "absent"
    with hub_app.app_context():
        assert notify.deliver_due() == 0  # the gateway fails the first call
        row = WebhookDelivery.get()
        assert row.attempts == 1 and row.done_at is None and "500" in row.last_error
        assert notify.deliver_due() == 0  # not due yet: backing off
        assert notify.deliver_due(now=row.next_at + timedelta(seconds=1)) == 1
        assert WebhookDelivery.get().done_at is not None
    headers, body = gateway.calls[-1]
    ts, mac = (part.split("=", 1)[1] for part in headers["X-Classboard-Signature"].split(","))
    assert hmac.compare_digest(mac, hmac.new(b"school-secret", f"{ts}.".encode() + body, hashlib.sha256).hexdigest())
    payload = json.loads(body)
    assert payload["event"] == "family.absent" and payload["student_id"] == "S1001"
    assert len(gateway.calls) == 2 and gateway.calls[0][1] == body  # the same call, retried


def test_a_roll_call_is_notified_once_and_only_to_the_childs_guardians(client, hub_app):
    from hub.family.models import FamilyNotification
    enrol(client, issue(hub_app, "S1001"), "mum-once")
    other = hub_app.test_client()
    enrol(other, issue(hub_app, "S1002"), "dad-other")
    _roll_call(hub_app, absent=["S1001"])
    client.get("/family/api/children/S1001/day")
    client.get("/family/api/children/S1001/day")
    assert other.get("/family/api/children/S1002/day").get_json()["notifications"] == []
    with hub_app.app_context():
        assert FamilyNotification.select().count() == 1


def test_the_webhook_setting_refuses_a_non_http_url(hub_app):
    from hub.family import notify
    with hub_app.app_context(), pytest.raises(ValueError):
        notify.set_policy(webhook_url="file:///etc/passwd")
    with hub_app.app_context():
        assert notify.policy()["webhook_url"] == ""


class SlowGateway(Gateway):
    """A gateway that takes 0.3 s to answer, so that two hub processes' loops overlap on the same due calls."""

    def __init__(self) -> None:
        super().__init__(fail=0)
        handler = self.server.RequestHandlerClass
        answer = handler.do_POST

        def slow(handler_self):
            import time
            time.sleep(0.3)
            answer(handler_self)
        handler.do_POST = slow


def test_two_hub_processes_send_each_webhook_call_once(hub_app):
    """Every hub process runs the notifier: four absences queued, two loops sending at the same instant (each
    thread on its own database connection, as two processes are) — the gateway gets each call exactly once."""
    from hub.family import notify
    from hub.family.models import WebhookDelivery

    gateway = SlowGateway()
    try:
        with hub_app.app_context():
            notify.set_policy(webhook_url=gateway.url, webhook_secret="s")
            for n in range(4):
                notify.notify(f"G{n}", "S1001", "absent", "缺勤", f"rec-{n}:S1001")
        start, sent = threading.Barrier(2), []

        def loop():
            with hub_app.app_context():
                start.wait(5)
                sent.append(notify.deliver_due())
        workers = [threading.Thread(target=loop) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        assert len(sent) == 2 and sum(sent) == 4 == len(gateway.calls)  # both ran; each call went out once
        bodies = sorted(json.loads(body)["id"] for _, body in gateway.calls)
        assert bodies == [f"rec-{n}:S1001" for n in range(4)]
        with hub_app.app_context():
            assert WebhookDelivery.select().where(WebhookDelivery.done_at.is_null()).count() == 0
    finally:
        gateway.close()
