"""The console in Debian's Chromium under its CSP: pages still work, injected script does not run, no framing."""
from __future__ import annotations

import pytest

from tests.security.test_signin import PASSWORD
from tests.ui.conftest import browser  # noqa: F401  (Debian's Chromium via Playwright, one per module)

pytestmark = pytest.mark.integration
PAGES = ["/", "/notices", "/school", "/console/report", "/console/import", "/console/family/", "/console/broadcast"]  # broadcast last: its #talk


@pytest.fixture
def console_page(browser, tls_hub):
    tls_hub.cli("create-user", "admin", "--password", PASSWORD)
    context = browser.new_context(ignore_https_errors=True)  # the browser has no pin; the boards do
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(tls_hub.url + "/login", timeout=20000)
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(tls_hub.url + "/", timeout=20000)
    yield page
    context.close()


def test_every_console_page_loads_without_a_csp_violation_and_its_script_runs(console_page, tls_hub):
    page = console_page
    for path in PAGES:
        response = page.goto(tls_hub.url + path, timeout=20000)
        assert response.status == 200, path
        if path == "/":
            assert tls_hub.fingerprint in page.content()  # IT staff read it here to compare with a board's
    page.click("#talk")  # page.js runs: headless Chromium has no microphone, so the script says so
    page.wait_for_selector("#pagestate:not(:empty)", timeout=10000)
    assert "麦克风" in page.text_content("#pagestate") or "失败" in page.text_content("#pagestate")
    assert [p for p in page.problems if "Content Security Policy" in p] == []


def test_injected_script_does_not_run(console_page, tls_hub):
    page = console_page
    page.goto(tls_hub.url + "/notices")
    page.fill("input[name=title]", '<img src=x onerror="window.pwned=1">停课')
    page.click("form[action='/notices'] button")
    page.wait_for_selector("text=停课", timeout=10000)
    ran = page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.pwned = 2';
        document.body.appendChild(s);
        return window.pwned === undefined;
    }""")
    assert ran is True
    assert any("Content Security Policy" in p for p in page.problems)  # the browser says why it refused


def test_no_page_may_frame_the_console(console_page, tls_hub):
    page = console_page
    page.goto("about:blank")
    page.set_content(f'<iframe id="f" src="{tls_hub.url}/"></iframe>')
    page.wait_for_timeout(1500)  # the frame's load (or its refusal) takes a moment
    framed = [f for f in page.frames if f != page.main_frame]
    assert framed and all(tls_hub.url not in f.url or not f.query_selector("form") for f in framed)
