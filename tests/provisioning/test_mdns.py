"""mDNS adverts and discovery on the loopback interface only."""
import json
import subprocess
import sys

from provisioning.mdns import Advertiser, BoardAdvert, discover

LOOPBACK = ["127.0.0.1"]


def advert(n: int, state: str = "unclaimed") -> BoardAdvert:
    return BoardAdvert(f"cb-test{n:04d}", state, f"R{100 + n}", f"ab:cd:{n:02x}", ("127.0.0.1",), 8080 + n)


def test_boards_are_discovered_with_state_room_and_fingerprint():
    adverts = [Advertiser(advert(n), interfaces=LOOPBACK) for n in range(3)]
    try:
        found = discover(10, interfaces=LOOPBACK, expect=3)
        assert {b.board_id for b in found} >= {"cb-test0000", "cb-test0001", "cb-test0002"}
        one = next(b for b in found if b.board_id == "cb-test0001")
        assert (one.state, one.room, one.fingerprint, one.port) == ("unclaimed", "R101", "ab:cd:01", 8081)
        adverts[1].update(advert(1, state="enrolled"))
        again = {b.board_id: b for b in discover(10, interfaces=LOOPBACK, expect=3)}
        assert again["cb-test0001"].state == "enrolled"
    finally:
        for a in adverts:
            a.close()


def test_discover_command_prints_json():
    ad = Advertiser(advert(7), interfaces=LOOPBACK)
    try:
        result = subprocess.run([sys.executable, "-m", "classboard", "provision", "discover", "--seconds", "4",
                                 "--interface", "127.0.0.1", "--json"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        ids = [b["board_id"] for b in json.loads(result.stdout)]
        assert "cb-test0007" in ids
    finally:
        ad.close()
