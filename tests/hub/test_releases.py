"""Which version each board is offered: its group's offer, else the school-wide one, never what it runs."""
from __future__ import annotations

import pytest

from protocol.keys import load_public, unb64u


def test_group_offer_falls_back_to_school_wide_and_skips_the_running_version(hub_app, enrolled, tmp_path):
    from hub.models import Board
    from hub.releases.store import ReleaseError, add_release, assign, offer, offer_for, signed_manifest

    data = hub_app.config["HUB"].data_dir
    archive = tmp_path / "wheels.tar.gz"
    archive.write_bytes(b"\x1f\x8b" + b"w" * 1000)
    with pytest.raises(ReleaseError, match="must be letters"):
        add_release(data, archive, "1.0; rm -rf /")
    add_release(data, archive, "1.0.0")
    add_release(data, archive, "1.1.0")
    with pytest.raises(ReleaseError, match="no release '2.0.0'"):
        offer("*", "2.0.0")
    board = Board.get_by_id(enrolled.id)
    assert offer_for(board) is None
    offer("*", "1.0.0")
    offer("pilot", "1.1.0")
    assert offer_for(Board.get_by_id(enrolled.id)).version == "1.0.0"  # group 'default' takes the '*' offer
    assign([enrolled.id], "pilot")
    assert offer_for(Board.get_by_id(enrolled.id)).version == "1.1.0"
    Board.update(version="1.1.0").where(Board.id == enrolled.id).execute()
    assert offer_for(Board.get_by_id(enrolled.id)) is None  # already runs it
    with pytest.raises(ReleaseError, match="no such board: cb-nobody"):
        assign(["cb-nobody"], "pilot")
    offer("pilot", None)
    Board.update(version="1.0.0").where(Board.id == enrolled.id).execute()
    assert offer_for(Board.get_by_id(enrolled.id)) is None  # falls back to '*', which it runs

    from hub.models import Release
    release = Release.get_by_id("1.1.0")
    signed = signed_manifest(release, enrolled.id, hub_app.config["HUB_KEY"])
    load_public(hub_app.config["HUB"].hub_public_key).verify(unb64u(signed["signature"]), signed["manifest"].encode())
    assert release.size == 1002 and f'"url":"/api/v1/boards/{enrolled.id}/releases/1.1.0"' in signed["manifest"]


def test_update_endpoint_answers_204_or_a_signed_offer(client, enrolled, hub_app, tmp_path):
    from hub.releases.store import add_release, offer

    path = f"/api/v1/boards/{enrolled.id}/update"
    assert enrolled.call("GET", path).status_code == 204
    archive = tmp_path / "w.tar.gz"
    archive.write_bytes(b"wheels")
    add_release(hub_app.config["HUB"].data_dir, archive, "3.0.0")
    offer("*", "3.0.0")
    body = enrolled.call("GET", path).get_json()
    assert '"version":"3.0.0"' in body["manifest"]
    download = enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/releases/3.0.0")
    assert download.status_code == 200 and download.data == b"wheels"
    assert enrolled.call("GET", f"/api/v1/boards/{enrolled.id}/releases/9.0.0").status_code == 404
    assert client.get(path).status_code == 401
