import copy
from datetime import datetime, timedelta, timezone

import pytest

from protocol.auth import AuthError, sign_request, verify_request
from protocol.bundle import BundleError, open_bundle, sign_bundle
from protocol.keys import generate_keypair
from protocol.mqtt import MessageError, open_message, seal_message

HUB = generate_keypair()


@pytest.fixture
def content():
    from classboard.sample import board_bundle, sample_school
    return board_bundle(sample_school(), "cb-1", "C101", "2026-11-24T00:00:00Z")


def test_signed_bundle_opens(content):
    envelope = sign_bundle(content, HUB)
    assert open_bundle(envelope, HUB.public_key(), expect_board="cb-1") == content


def test_forged_or_tampered_bundle_is_refused(content):
    envelope = sign_bundle(content, HUB)
    with pytest.raises(BundleError, match="signature"):
        open_bundle(envelope, generate_keypair().public_key())
    tampered = copy.deepcopy(envelope)
    tampered["content"]["notices"][0]["title"] = "假通知"
    with pytest.raises(BundleError, match="etag"):
        open_bundle(tampered, HUB.public_key())
    with pytest.raises(BundleError, match="another|not this one"):
        open_bundle(envelope, HUB.public_key(), expect_board="cb-2")


@pytest.mark.parametrize("mutate,path", [
    (lambda c: c["lessons"].append(dict(c["lessons"][0], id="x", class_id="NOPE")), "$.lessons["),
    (lambda c: c["lessons"].append(dict(c["lessons"][0], id="y", period=3 + 20)), ".period"),
    (lambda c: c["students"][0].update(marker_id=5000), "$.students[0].marker_id"),
    (lambda c: c["notices"][0].update(format="flash"), "$.notices[0].format"),
    (lambda c: c["classes"].append(dict(c["classes"][0])), "duplicate id"),
    (lambda c: c.pop("school"), "school"),
])
def test_invalid_content_names_the_path(content, mutate, path):
    mutate(content)
    with pytest.raises(BundleError) as err:
        sign_bundle(content, HUB)
    assert path in str(err.value)


def test_request_signatures_and_skew():
    board = generate_keypair()
    headers = sign_request(board, "cb-1", "POST", "/api/v1/boards/cb-1/records", b"body", now=1_000_000)
    keys = {"cb-1": board.public_key()}
    assert verify_request(headers, "POST", "/api/v1/boards/cb-1/records", b"body", keys.get, now=1_000_010) == "cb-1"
    with pytest.raises(AuthError, match="does not verify"):
        verify_request(headers, "POST", "/api/v1/boards/cb-1/records", b"other", keys.get, now=1_000_010)
    with pytest.raises(AuthError, match="away from the hub's clock"):
        verify_request(headers, "POST", "/api/v1/boards/cb-1/records", b"body", keys.get, now=1_000_900)
    with pytest.raises(AuthError, match="not enrolled"):
        verify_request(headers, "POST", "/api/v1/boards/cb-1/records", b"body", {}.get, now=1_000_010)


def test_push_messages_forged_expired_replayed_refused():
    now = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
    raw = seal_message(HUB, "SCH", "command", board_id="cb-1", command="reboot", now=now)
    seen: set[str] = set()
    assert open_message(raw, HUB.public_key(), now=now, seen=seen, board_id="cb-1")["command"] == "reboot"
    with pytest.raises(MessageError, match="replay"):
        open_message(raw, HUB.public_key(), now=now, seen=seen)
    with pytest.raises(MessageError, match="expired"):
        open_message(raw, HUB.public_key(), now=now + timedelta(hours=1))
    forged = seal_message(generate_keypair(), "SCH", "command", command="reboot", now=now)
    with pytest.raises(MessageError, match="signature"):
        open_message(forged, HUB.public_key(), now=now)
    with pytest.raises(MessageError, match="another board"):
        open_message(seal_message(HUB, "SCH", "poke", board_id="cb-2", now=now), HUB.public_key(), now=now,
                     board_id="cb-1")
    with pytest.raises(MessageError):
        open_message(b"\xff garbage", HUB.public_key(), now=now)
