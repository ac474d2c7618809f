"""Board and hub over HTTPS with the hub's self-made certificate: pinned at enrollment, impostors refused."""
from __future__ import annotations

import sqlite3

import pytest

from edge.bundle_store import get_setting, put_setting
from edge.sync.client import HubUnavailable
from edge.sync.service import SyncService
from tests.security.conftest import TlsHub
from tests.sync.conftest import board_for

pytestmark = pytest.mark.integration


def hub_records(hub: TlsHub) -> int:
    conn = sqlite3.connect(hub.data / "hub.sqlite3")
    try:
        return conn.execute("SELECT count(*) FROM usagerecord").fetchone()[0]
    finally:
        conn.close()


def test_board_and_hub_over_tls_with_the_fingerprint_from_the_boot_config(tmp_path, tls_hub):
    board = board_for(tmp_path, tls_hub, hub__tls_fingerprint=tls_hub.fingerprint)
    sync = SyncService(board)
    board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=600)
    outcome = sync.cycle()
    assert outcome["enrolled"] and outcome["bundle"] == "installed" and outcome["uploaded"] == 1
    assert get_setting("enroll.hub_tls_fingerprint") == tls_hub.fingerprint
    assert hub_records(tls_hub) == 1
    board.stop()


def test_without_a_configured_fingerprint_the_first_certificate_seen_is_pinned(tmp_path, tls_hub):
    board = board_for(tmp_path, tls_hub)
    assert SyncService(board).cycle()["enrolled"]
    assert get_setting("enroll.hub_tls_fingerprint") == tls_hub.fingerprint
    board.stop()


def test_an_impostor_with_another_certificate_is_refused(tmp_path, tls_hub, school):
    board = board_for(tmp_path, tls_hub)
    sync = SyncService(board)
    sync.cycle()
    impostor = TlsHub(tmp_path / "impostor", school)  # same software, same school, its own certificate
    try:
        assert impostor.fingerprint != tls_hub.fingerprint
        put_setting("enroll.hub_url", impostor.url)  # the LAN now sends the board to the impostor
        board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=600)
        with pytest.raises(HubUnavailable, match="pinned"):
            sync.cycle()
        assert board.usage.outbox_depth() == 1 and hub_records(impostor) == 0

        # a new board told the real hub's fingerprint never hands its token to the impostor
        fresh = board_for(tmp_path, impostor, name="fresh", hub__tls_fingerprint=tls_hub.fingerprint)
        with pytest.raises(HubUnavailable, match="pinned"):
            SyncService(fresh).cycle()
        assert [row for row in impostor.access_log() if row[0].startswith("enroll")] == []
        fresh.stop()
    finally:
        impostor.stop()
        board.stop()


def test_a_certificate_that_does_not_fit_is_a_clear_error(tmp_path):
    from click.testing import CliRunner

    from hub.cli import hub
    from hub.security.tls import ensure_certificate

    cert, _ = ensure_certificate(tmp_path / "a", ["127.0.0.1"])
    _, other_key = ensure_certificate(tmp_path / "b", ["127.0.0.1"])
    data = ["--data", str(tmp_path / "hub"), "--port", "1"]
    result = CliRunner().invoke(hub, ["serve", *data, "--cert", str(cert), "--key", str(other_key)])
    assert result.exit_code == 1 and "cannot use" in result.output
    result = CliRunner().invoke(hub, ["serve", *data, "--cert", str(cert)])
    assert result.exit_code == 2 and "--cert and --key go together" in result.output


def test_it_staff_claim_over_tls_with_the_fingerprint_and_not_without(tls_hub):
    from provisioning.claims import ClaimError, HubAdmin

    token = tls_hub.cli("create-user", "admin", "--password", "a-long-password").rsplit("API token: ", 1)[1].strip()
    with pytest.raises(ClaimError, match="fingerprint"):
        HubAdmin(tls_hub.url, token).claim("ABCD-2345", "R101")
    HubAdmin(tls_hub.url, token, fingerprint=tls_hub.fingerprint).claim("ABCD-2345", "R101")
    assert ("claim", "admin", 1) in tls_hub.access_log()
