"""Software updates from a real hub process: offered per group, signed, downloaded, installed, switched."""
from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from edge.bundle_store import get_setting, put_setting
from edge.sync.service import SyncService
from edge.sync.update import download, fetch_offer, running_version
from edge.updater import UpdateError, Updater
from protocol.keys import generate_keypair, public_text
from tests.edge.test_updater import FakeRunner, wheelhouse
from tests.sync.conftest import board_for

pytestmark = pytest.mark.integration


def hub_cli(hub, *args):
    result = subprocess.run([sys.executable, "-m", "classboard", "hub", "release", *args, "--data", str(hub.data)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_offered_version_is_verified_downloaded_installed_and_switched(tmp_path, hub_server):
    board = board_for(tmp_path, hub_server)
    assert SyncService(board).cycle()["enrolled"]  # enrolls and reports its version in health
    client = SyncService(board).client()
    assert fetch_offer(board, client) is None  # nothing offered yet

    archive = wheelhouse(tmp_path)
    hub_cli(hub_server, "add", str(archive), "--version", "9.9.0")
    hub_cli(hub_server, "assign", board.id, "--group", "pilot")
    hub_cli(hub_server, "offer", "--group", "building-b", "--version", "9.9.0")
    assert fetch_offer(board, client) is None  # offered to another group only
    hub_cli(hub_server, "offer", "--group", "pilot", "--version", "9.9.0")
    manifest = fetch_offer(board, client)
    assert manifest.version == "9.9.0" and manifest.size == archive.stat().st_size
    assert f"group pilot → 9.9.0" in hub_cli(hub_server, "list")

    fetched = download(client, manifest, tmp_path / "updates")
    assert fetched.read_bytes() == archive.read_bytes()
    updater = Updater(tmp_path / "opt", FakeRunner())
    started = lambda: put_setting("board.running_version", "9.9.0")  # noqa: E731  what the new service does
    assert updater.apply(manifest, fetched, started, lambda: get_setting("board.running_version") == "9.9.0",
                         deadline_s=5, poll_s=0.05)
    assert updater.current() == "9.9.0"

    # only an enrolled board's signed request gets the archive
    assert requests.get(hub_server.url + manifest.url, timeout=10).status_code == 401
    board.stop()


def test_forged_or_tampered_offers_are_refused(tmp_path, hub_server):
    board = board_for(tmp_path, hub_server)
    SyncService(board).cycle()
    client = SyncService(board).client()
    archive = wheelhouse(tmp_path)
    hub_cli(hub_server, "add", str(archive), "--version", "9.9.1")
    hub_cli(hub_server, "offer", "--version", "9.9.1")  # to every board
    pinned = get_setting("enroll.hub_public_key")
    put_setting("enroll.hub_public_key", public_text(generate_keypair()))  # as if another hub answered
    with pytest.raises(UpdateError, match="does not verify with the pinned hub key"):
        fetch_offer(board, client)
    put_setting("enroll.hub_public_key", pinned)
    manifest = fetch_offer(board, client)
    from dataclasses import replace
    with pytest.raises(UpdateError, match="longer than the signed manifest"):
        download(client, replace(manifest, size=manifest.size - 10), tmp_path / "updates")
    assert not list((tmp_path / "updates").glob("*"))  # nothing half-downloaded left behind
    board.stop()
