"""Guessing and redirect attacks against a running hub (HTTPS, its own process, its own database)."""
from __future__ import annotations

import time

import pytest

from tests.security.conftest import TlsHub, browser_session, csrf_from, try_login

pytestmark = pytest.mark.integration
PASSWORD = "a-long-password"

# Known ways to make "a path starting with /" leave the site (OWASP and browser-quirk lists).
BYPASSES = [
    "//evil.example/x", "///evil.example", "////evil.example/", "/\\evil.example", "\\/evil.example",
    "/\\/evil.example", "\\\\evil.example", "http://evil.example", "https:evil.example", "HTTPS://evil.example",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/%2F/evil.example", "/%2f%2fevil.example",
    "%2F%2Fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example", "/%09/evil.example", "/\t/evil.example",
    "/\n/evil.example", "/%0d%0aLocation:%20http://evil.example", "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example", " //evil.example", "//evil.example%2F..", "/%2E%2E//evil.example".replace("%2E%2E", ""),
    "https://evil.example@127.0.0.1/", "//127.0.0.1@evil.example", "/%2F%5Cevil.example",
    "evil.example", "",
]
LOCAL = ["/notices", "/console/report?term=2026-autumn", "/console/broadcast#page", "/school"]


def until_refused(attempt, free: int, limit: int = 6) -> list[int]:
    """Statuses of ``attempt(i)`` until the first 429, at most ``free + limit`` tries.

    The waits after the free guesses are 2, 4, 8, 16 … s: on a loaded machine one request may outlast the
    first wait, so the refusal is looked for within a few tries rather than at exactly ``free + 1``.
    """
    statuses = []
    for i in range(free + limit):
        statuses.append(attempt(i))
        if statuses[-1] == 429:
            break
    return statuses


def assert_free_then_refused(statuses: list[int], free: int, refused_status: int = 401) -> None:
    assert statuses[:free] == [refused_status] * free and statuses[-1] == 429, statuses
    assert set(statuses[free:-1]) <= {refused_status}, statuses


@pytest.fixture
def hub_with_admin(tls_hub):
    tls_hub.cli("create-user", "admin", "--password", PASSWORD)
    return tls_hub


def test_after_sign_in_only_local_paths_are_followed(hub_with_admin):
    for target in BYPASSES:
        response = try_login(browser_session(hub_with_admin), hub_with_admin, "admin", PASSWORD, target)
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert location == "/", (target, location)
    for target in LOCAL:
        response = try_login(browser_session(hub_with_admin), hub_with_admin, "admin", PASSWORD, target)
        assert response.headers["Location"] == target


def test_password_guesses_for_an_account_meet_a_delay_real_or_not(hub_with_admin):
    answers = {}
    for name in ("admin", "ghost"):  # a real and a made-up user name get the same answers
        session = browser_session(hub_with_admin)
        answers[name] = responses = []

        def guess(i: int) -> int:
            responses.append(try_login(session, hub_with_admin, name, f"guess-{i}"))
            return responses[-1].status_code

        assert_free_then_refused(until_refused(guess, 3), 3)
        # The first wait is 2 s, counted from when the guess arrived: on a loaded machine the next request can
        # come after it. Each wrong guess after a wait doubles it; once it is long enough to outlast a request,
        # even the right password must be refused.
        for _ in range(8):
            last = responses[-1]
            if last.status_code == 429 and int(last.headers["Retry-After"]) >= 3:
                break
            if last.status_code == 429:
                time.sleep(int(last.headers["Retry-After"]))
            guess(len(responses))
        else:
            pytest.fail(f"the wait never grew past 2 s: {[r.status_code for r in responses]}")
        refused = try_login(session, hub_with_admin, name, PASSWORD)  # even the right password now waits
        responses.append(refused)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "尝试次数过多" in refused.text
    log = hub_with_admin.access_log()  # the hub's own account of each answer the guesser saw, in order
    for name, responses in answers.items():
        assert {r.status_code for r in responses} == {401, 429}
        assert [(e, ok) for e, actor, ok in log if actor == name] == \
            [("login.failed" if r.status_code == 401 else "login.throttled", 0) for r in responses]


def test_a_spray_over_many_names_from_one_address_is_slowed(hub_with_admin):
    session = browser_session(hub_with_admin)
    statuses = until_refused(lambda i: try_login(session, hub_with_admin, f"user{i}", "123456").status_code, 10)
    assert_free_then_refused(statuses, 10)


def test_two_hub_processes_share_one_count(tmp_path, school, hub_with_admin):
    """A district runs several hub processes on one database: each must see the others' failures."""
    second = TlsHub(hub_with_admin.data, school)
    try:
        hubs = [hub_with_admin, second]
        statuses = until_refused(lambda i: try_login(browser_session(hubs[i % 2]), hubs[i % 2], "admin",
                                                     f"guess-{i}").status_code, 3)
        assert_free_then_refused(statuses, 3)  # 3 in all, not 3 on each
    finally:
        second.stop()


def test_enrollment_token_and_api_token_guesses_are_slowed(hub_with_admin):
    session = browser_session(hub_with_admin)
    key = "A" * 43
    statuses = until_refused(lambda i: session.post(hub_with_admin.url + "/api/v1/enroll", json={
        "board_id": f"cb-guess{i}", "public_key": key, "enrollment_token": f"cbt_guess{i}", "room": "R101"}).status_code,
        5)
    assert_free_then_refused(statuses, 5, 403)
    real = session.post(hub_with_admin.url + "/api/v1/enroll", json={
        "board_id": "cb-real", "public_key": key, "enrollment_token": hub_with_admin.token, "room": "R101"})
    assert real.status_code == 429 and real.headers["Retry-After"]  # the right token waits too
    claims = until_refused(lambda i: session.post(hub_with_admin.url + "/api/v1/claims", json={},
                                                  headers={"Authorization": f"Bearer cbu_{i}"}).status_code, 5)
    assert_free_then_refused(claims, 5)
    events = [e for e, _, _ in hub_with_admin.access_log()]
    assert events.count("enroll.failed") == len(statuses) - 1 and "enroll.throttled" in events
    assert events.count("api.failed") == len(claims) - 1 and "api.throttled" in events


def test_behind_a_proxy_the_client_address_counts_and_cookies_are_secure(tmp_path, school):
    import json
    import re
    import sqlite3
    import subprocess
    import sys

    import requests

    from tests.conftest import free_port
    from tests.sync.conftest import wait_port

    data, port = tmp_path / "hub", free_port()
    school_file = tmp_path / "school.json"
    school_file.write_text(json.dumps(school, ensure_ascii=False), encoding="utf-8")
    cli = [sys.executable, "-m", "classboard", "hub"]
    subprocess.run(cli + ["seed", "--data", str(data), "--from-json", str(school_file)], check=True, capture_output=True)
    proc = subprocess.Popen(cli + ["serve", "--behind-proxy", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_port(url + "/api/v1/time")
        session = requests.Session()
        proxied = {"X-Forwarded-For": "10.9.8.7", "X-Forwarded-Proto": "https"}
        page = session.get(url + "/login", headers=proxied)
        assert "Secure" in page.headers["Set-Cookie"]
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        session.cookies.set("session", page.cookies["session"])  # requests keeps Secure cookies off plain http
        answer = session.post(url + "/login", data={"username": "admin", "password": "x", "csrf": token},
                              headers=proxied)
        assert answer.status_code == 401
        conn = sqlite3.connect(data / "hub.sqlite3")
        rows = conn.execute("SELECT event, address FROM accesslog").fetchall()
        conn.close()
        assert rows == [("login.failed", "10.9.8.7")]
    finally:
        proc.terminate()
        proc.wait(15)
