"""The rules behind the attacks, in process: throttle timing on a moved clock, redirects, CSRF on every route."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hub.security import throttle
from hub.security.redirects import local_path
from tests.hub.test_console import csrf_of, login
from tests.security.test_signin import BYPASSES, LOCAL


@pytest.fixture
def moved_clock(monkeypatch):
    now = [datetime(2026, 12, 1, 8, 0, 0)]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    return now


def guess(keys, wrong: bool = True) -> str:
    try:
        throttle.charge(keys)
    except throttle.Throttled as exc:
        return f"wait {exc.retry_after}"
    if not wrong:
        throttle.cleared(keys[1][0], [keys[0][0]])
    return "checked"


def test_delays_grow_then_an_account_locks_and_a_success_clears_it(hub_app, moved_clock):
    """From a new address each time (a botnet): the account's own budget is what holds."""
    checked, waits = 0, []
    while checked < 11:  # bounded: each round either checks a guess or moves the clock past a wait
        keys = throttle.keys_for_login("Zhang", f"10.0.{checked}.{len(waits)}")
        answer = guess(keys)
        if answer == "checked":
            checked += 1
            continue
        waits.append(int(answer.split()[1]))
        moved_clock[0] += timedelta(seconds=waits[-1])
    assert waits == [2, 4, 8, 16, 32, 60, 60, 900]  # after 3 free guesses; the 10th failure locks 15 min
    assert guess(keys) == "wait 900"  # and so does every one after it
    moved_clock[0] += timedelta(seconds=900)
    assert guess(throttle.keys_for_login("zhang", "10.0.0.77"), wrong=False) == "checked"  # the right one, any case
    assert guess(keys) == "checked" and guess(keys) == "checked"  # cleared: a fresh budget


def test_counts_are_forgotten_after_a_quiet_day(hub_app, moved_clock):
    keys = throttle.keys_for_login("li", "10.0.0.5")
    for _ in range(3):
        throttle.charge(keys)
    assert guess(keys).startswith("wait")
    moved_clock[0] += throttle.FORGET_AFTER + timedelta(seconds=1)
    assert guess(keys) == "checked"
    from hub.models import Throttle
    assert Throttle.get_by_id(keys[1][0]).failures == 1


def test_unknown_users_cost_one_argon2_check_like_real_ones(hub_app, monkeypatch):
    from hub import console
    from hub.models import ConsoleUser

    with hub_app.app_context():
        console.create_user("wang", "long-password")
        calls, real = [], console.hasher

        class Counting:
            hash = real.hash

            def verify(self, hash_, password):
                calls.append(hash_)
                return real.verify(hash_, password)

        monkeypatch.setattr(console, "hasher", Counting())
        assert not console.password_matches(None, "long-password")
        assert not console.password_matches(ConsoleUser.get_by_id("wang"), "wrong")
        assert console.password_matches(ConsoleUser.get_by_id("wang"), "long-password")
    assert len(calls) == 3 and calls[0].startswith("$argon2")


def test_redirect_targets_are_local_paths_only():
    for target in BYPASSES:
        assert local_path(target) == "/", target
    for target in LOCAL:
        assert local_path(target) == target


STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_state_changing_console_route_needs_the_csrf_token(client, hub_app):
    # as a district admin, the highest role: every route's role check passes, so the CSRF check is what answers
    assert login(client, hub_app, role="district_admin").status_code == 302
    csrf_of(client.get("/").data)  # a token exists in the session: the requests below just do not send it
    checked = []
    for rule in hub_app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if not methods or rule.rule.startswith("/api/"):  # signed (boards) or bearer (claims): see the next test
            continue
        values = {arg: "chunk" if arg == "action" else "x" for arg in rule.arguments}
        with hub_app.test_request_context():
            from flask import url_for
            path = url_for(rule.endpoint, **values)
        for method in methods:
            response = client.open(path, method=method, data={"title": "x", "command": "reboot"})
            assert response.status_code == 400 and b"CSRF" in response.data, (method, path, response.status_code)
            checked.append(path)
    assert len(checked) >= 9  # login, logout, claim, revoke, command, notices, end, import, broadcast, paging
    assert {"/family/enrol", "/family/login", "/family/logout", "/family/api/children/x/messages",
            "/family/api/notifications/seen", "/console/family/letters"} <= set(checked)  # guardians' forms too
    assert {"/district/evidence", "/district/import"} <= set(checked)  # the district's uploads


def test_the_api_gives_a_console_cookie_no_power(client, hub_app, enrolled):
    """The board API is signed per request and the claims API wants a bearer token: a cookie (CSRF's lever) is no key."""
    assert login(client, hub_app).status_code == 302
    assert client.post(f"/api/v1/boards/{enrolled.id}/records", data=b"[]").status_code == 401
    assert client.post("/api/v1/claims", json={"claim_code": "ABCD-2345", "room_id": "R101"}).status_code == 401


def test_every_response_carries_the_browser_protections(client, hub_app, enrolled):
    login(client, hub_app)
    for path in ("/login", "/", "/notices", "/school", "/console/broadcast", "/console/static/page.js",
                 "/api/v1/time", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in \
            csp.split("script-src")[1].split(";")[0], path
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
    cookie = client.get("/login").headers.get("Set-Cookie", "")
    assert "Secure" not in cookie  # plain HTTP (the in-process app): a Secure cookie would never come back
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP: the demo stays reachable
    for path in ("/login", "/family/", "/api/v1/time"):  # over HTTPS (or a proxy's X-Forwarded-Proto: https)
        assert client.get(path, base_url="https://localhost").headers["Strict-Transport-Security"] == \
            "max-age=31536000", path
