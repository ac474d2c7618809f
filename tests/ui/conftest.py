"""The board's real pages in Debian's Chromium, driven by Playwright; servers on 127.0.0.1 only."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.conftest import free_port

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-features=Translate,MediaRouter"]
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Screen:
    """A board (fake clock, sample school) with its screens served on a free loopback port."""

    def __init__(self, board, hooks=None):
        from kiosk_ui.server import make_server

        self.board, self.port = board, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server(board, "127.0.0.1", self.port, hooks)  # as the board serves them
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self):
        from kiosk_ui.server import shut

        shut(self.server)
        self.thread.join(5)
        assert not self.thread.is_alive(), "the screen server did not stop"


@pytest.fixture
def screen(board):
    s = Screen(board)
    yield s
    s.close()


def page_for(browser, orientation="landscape"):
    width, height = SIZES[orientation]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    return context.new_page()


def shoot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth "
                         "&& document.documentElement.scrollHeight <= window.innerHeight")
