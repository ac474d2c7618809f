"""Passkeys for guardians: added after the code sign-in, then used instead of the password (Chromium's virtual
authenticator through the DevTools protocol); refused for a revoked guardian, by IP address, without CSRF."""
from __future__ import annotations

import subprocess
import sys

import pytest

from hub.models import AccessLog

from .conftest import api_csrf, csrf_of, enrol, issue


def test_passkey_calls_need_csrf_a_sign_in_and_a_host_name(client, hub_app):
    assert client.post("/family/passkey/options").status_code == 400  # no CSRF token
    token = csrf_of(client)
    assert client.post("/family/api/passkeys/options", headers={"X-CSRF-Token": token}).status_code == 401
    phone, at_ip = hub_app.test_client(), "http://127.0.0.1:8000"  # a phone that reached the hub by its address
    page = phone.get("/family/", base_url=at_ip).get_data(as_text=True)
    by_ip = phone.post("/family/passkey/options", base_url=at_ip,
                       headers={"X-CSRF-Token": page.split('name="csrf" value="')[1].split('"')[0]})
    assert by_ip.status_code == 400 and "IP" in by_ip.get_json()["error"], by_ip.get_data(as_text=True)[:300]
    options = client.post("/family/passkey/options", headers={"X-CSRF-Token": token}).get_json()
    assert options["rpId"] == "localhost" and options["userVerification"] == "required"
    forged = client.post("/family/passkey/login", json={"id": "bm90LWEta2V5", "rawId": "bm90LWEta2V5"},
                         headers={"X-CSRF-Token": token})
    assert forged.status_code == 401 and "/family/child" not in forged.get_data(as_text=True)
    with hub_app.app_context():
        assert AccessLog.select().where(AccessLog.event == "family.login.failed").count() == 1

    enrol(client, issue(hub_app, "S1001"), "mum-passkey")
    made = client.post("/family/api/passkeys/options", headers={"X-CSRF-Token": api_csrf(client, "S1001")})
    assert made.status_code == 200
    assert made.get_json()["authenticatorSelection"]["residentKey"] == "required"
    garbage = client.post("/family/api/passkeys", data="{}", content_type="application/json",
                          headers={"X-CSRF-Token": api_csrf(client, "S1001")})
    assert garbage.status_code == 400  # a malformed credential is refused, nothing saved


@pytest.mark.integration
def test_a_guardian_adds_a_passkey_and_signs_in_with_it_until_revoked(tmp_path, school):
    from playwright.sync_api import sync_playwright

    from tests.sync.conftest import HubProcess
    from tests.ui.conftest import CHROMIUM_ARGS

    hub = HubProcess(tmp_path / "hub", school)
    try:
        out = subprocess.run([sys.executable, "-m", "classboard", "hub", "family", "letters", "--data", str(hub.data),
                              "--class", "C101", "--student", "S1001", "--url", hub.url, "--out",
                              str(tmp_path / "l.pdf"), "--show-codes"], capture_output=True, text=True, check=True)
        code = out.stdout.split("S1001 ")[1].split()[0]
        site = f"http://localhost:{hub.port}"  # a passkey needs a host name; localhost is mapped to 127.0.0.1 only
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=CHROMIUM_ARGS + ["--host-resolver-rules=MAP localhost 127.0.0.1"])
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("WebAuthn.enable")
            authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
                "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
                "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]

            page.goto(f"{site}/family/?code={code}")
            page.fill("#enrol input[name=login]", "passkey-mum")
            page.fill("#enrol input[name=password]", "mum-password-1")
            page.click("#enrol button")
            page.wait_for_selector("#passkey-add", state="visible")
            page.click("#passkey-add")
            page.wait_for_selector("#passkey-status:has-text('已保存')", timeout=15000)
            assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
                       ["credentials"]) == 1

            context.clear_cookies()  # signed out; the phone still holds its passkey
            page.goto(f"{site}/family/")
            page.click("#passkey-signin")
            page.wait_for_url(f"{site}/family/child/S1001", timeout=15000)
            assert page.is_visible("#messages")

            subprocess.run([sys.executable, "-m", "classboard", "hub", "family", "revoke", "passkey-mum", "--data",
                            str(hub.data)], check=True, capture_output=True)
            context.clear_cookies()
            page.goto(f"{site}/family/")
            page.click("#passkey-signin")
            page.wait_for_selector("#passkey-status:has-text('未能登录')", timeout=15000)
            assert page.url == f"{site}/family/"
            browser.close()
    finally:
        hub.stop()

