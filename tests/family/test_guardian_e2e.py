"""As a guardian would: a code letter → sign-in on a phone → the child's day → a voice message (Chromium's fake
microphone) → the class board holds it after a sync → plays it after a card tap → the child's reply reaches
the phone. Real hub process, real board runtime and kiosk server, Debian's Chromium; 127.0.0.1 only."""
import hashlib
import hmac
import subprocess
import sys
import time

import pytest
import requests

from tests.sync.conftest import HubProcess, board_for
from tests.ui.conftest import CHROMIUM_ARGS, Screen, shoot

pytestmark = pytest.mark.integration
CARD_KEY = "ab" * 32
CARD_UID = "04A1B2C3"


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s")


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS + [
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                      has_touch=True, device_scale_factor=2,
                                      bypass_csp=True)  # lets the test poll with evaluated expressions
        context.grant_permissions(["microphone"])
        yield context.new_page()
        browser.close()


def test_guardian_path_from_letter_to_reply(tmp_path, school, phone):
    from edge.services.family_messages import FamilyReply
    from edge.sound import Speaker
    from edge.sync.service import SyncService

    school["settings"]["card_key"] = CARD_KEY
    # The board runs on the real clock: without C101 lessons the child may open a message at any hour the test
    # runs (the rule "not during lessons" is tested on a fake clock in test_lessons.py).
    school["lessons"] = [lesson for lesson in school["lessons"] if lesson["class_id"] != "C101"]
    student = next(s for s in school["students"] if s["id"] == "S1001")
    student["card_hash"] = hmac.new(CARD_KEY.encode(), CARD_UID.encode(), hashlib.sha256).hexdigest()
    hub = HubProcess(tmp_path / "hub", school)
    board = screen = None
    try:
        letter = tmp_path / "letters.pdf"
        out = subprocess.run([sys.executable, "-m", "classboard", "hub", "family", "letters", "--data",
                              str(hub.data), "--class", "C101", "--student", "S1001", "--relation", "妈妈",
                              "--url", hub.url, "--out", str(letter), "--show-codes"],
                             capture_output=True, text=True, check=True).stdout
        assert letter.read_bytes().startswith(b"%PDF")
        code = out.split("S1001 ")[1].split()[0]

        phone.goto(f"{hub.url}/family/?code={code}")  # what the letter's QR code opens
        assert phone.input_value("#enrol input[name=code]") == code
        phone.fill("#enrol input[name=login]", "小明妈妈")
        phone.fill("#enrol input[name=password]", "mum-password-1")
        phone.click("#enrol button")
        phone.wait_for_selector("#messages")
        assert student["name"] in phone.inner_text("h1")
        for section in ("#attendance", "#timetable", "#homework", "#evaluations", "#notices"):
            assert phone.is_visible(section)
        assert "暂无作业" in phone.inner_text("#homework")  # the sample school's class life has no homework
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        shoot(phone, "family-day-phone")

        phone.click("#record")
        phone.wait_for_selector("#timer:text-matches('^2')", timeout=15000)  # no eval: the hub's CSP forbids it
        phone.click("#stop")
        phone.wait_for_selector("#status:has-text('语音已发送')", timeout=15000)
        sent_at = time.monotonic()

        board = board_for(tmp_path, hub, "board")
        board.family().speaker = Speaker(board)
        board.family().speaker.mixer.start()
        sync = SyncService(board)
        outcome = sync.cycle()  # the poll path: enroll, pull the bundle, fetch the voice file, hold it
        if not outcome.get("enrolled", True) or outcome.get("family", {}).get("held") != 1:
            outcome = sync.cycle()
        assert outcome["family"]["held"] == 1, outcome
        print(f"guardian send → board holds it: {time.monotonic() - sent_at:.2f} s (poll path, one cycle)")

        screen = Screen(board)
        tapped = requests.post(f"{screen.url}/family/tap", data={"uid": CARD_UID}, timeout=5)  # simulated reader
        assert tapped.status_code == 200 and "语音留言" in tapped.text
        message_id = tapped.text.split('data-id="')[1].split('"')[0]
        opened = requests.post(f"{screen.url}/family/open/{message_id}", data={"student_id": "S1001"}, timeout=5)
        assert opened.json()["played"] is True
        assert requests.post(f"{screen.url}/family/tap", data={"uid": "FFFFFFFF"}, timeout=5).status_code == 404
        replied = requests.post(f"{screen.url}/family/reply/{message_id}", data={"student_id": "S1001",
                                                                                "seconds": "2"}, timeout=5)
        assert replied.status_code == 201
        sync.cycle()  # uploads the reply and the delivered/played/replied records
        assert FamilyReply.select().count() == 0

        phone.reload()
        phone.wait_for_selector("#thread li.to_guardian", timeout=15000)
        wait_for(lambda: (phone.reload(), "已读" in phone.inner_text("#thread"))[1], 20, "the read mark")
        assert "回了一段" in phone.inner_text("#notifications")
        shoot(phone, "family-reply-phone")
        audio = phone.evaluate("""async () => { const a = document.querySelector('#thread li.to_guardian audio');
            const r = await fetch(a.src); return [r.status, r.headers.get('content-type')]; }""")
        assert audio == [200, "audio/wav"]
    finally:
        if screen:
            screen.close()
        if board:
            board.stop()
        hub.stop()
