"""The witness flags boards that went quiet: registered, but no checkpoint taken for more than N hours.

Time is the registry's clock, moved by the test (no sleeps).
"""
import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from protocol.keys import generate_keypair, public_text
from protocol.memlog import MemoryLog
from tests.hub.test_witness import grown

# three days before the real time, so the command line (which reads the real clock) finds the board silent
START = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def enrolled(registry, board_id: str) -> MemoryLog:
    key = generate_keypair()
    registry.register(board_id, public_text(key), "school-1", "2026-09-01T00:00:00Z")
    return MemoryLog(board_id, key)


def test_a_board_is_silent_once_no_checkpoint_came_for_more_than_the_hours(tmp_path):
    from hub.witness.registry import Refused, Registry

    clock = Clock(START)
    registry = Registry(tmp_path / "w.sqlite3", clock)
    daily, quiet, never = enrolled(registry, "cb-daily"), enrolled(registry, "cb-quiet"), enrolled(registry, "cb-never")
    for log in (daily, quiet):
        registry.add_checkpoint(log.board_id, grown(log, 3).checkpoint(), 0, [])
    assert registry.silent(48) == []
    clock.move(hours=30)  # the daily board sends again (same size: a day without records), the quiet one does not
    assert registry.add_checkpoint("cb-daily", daily.checkpoint(at=clock()), 3, []) is True
    clock.move(hours=18, seconds=1)  # 48 h and a second after the quiet board's last checkpoint
    silent = registry.silent(48)
    assert [b["board_id"] for b in silent] == ["cb-never", "cb-quiet"]  # quietest first: counted from registration
    assert silent[0]["last_checkpoint_at"] is None and silent[0]["quiet_since"] == stamp(START)
    assert silent[1]["last_checkpoint_at"] == stamp(START)
    assert [b["board_id"] for b in registry.silent(12)] == ["cb-never", "cb-quiet", "cb-daily"]
    assert registry.entry("cb-daily")["last_checkpoint_at"] == stamp(START + timedelta(hours=30))
    assert registry.export()["boards"]["cb-never"]["last_checkpoint_at"] is None
    for bad in (0, -1, 10 ** 6, float("nan"), "48", True):
        with pytest.raises(Refused, match="hours must be"):
            registry.silent(bad)
    registry.close()


def test_silent_boards_over_http_and_from_the_command_line(tmp_path):
    from hub.witness.cli import witness
    from hub.witness.registry import Registry
    from hub.witness.web import create_witness_app

    clock = Clock(START)
    app = create_witness_app(tmp_path, clock)
    registry: Registry = app.config["REGISTRY"]
    log = enrolled(registry, "cb-1")
    client = app.test_client()
    answer = client.post("/v1/boards/cb-1/checkpoints", json={"checkpoint": grown(log, 2).checkpoint()})
    assert answer.status_code == 201
    assert client.get("/v1/silent?hours=48").get_json()["count"] == 0
    clock.move(hours=49)
    body = client.get("/v1/silent?hours=48").get_json()
    assert body["count"] == 1 and body["boards"][0]["board_id"] == "cb-1"
    assert body["as_of"] == stamp(START + timedelta(hours=49))
    for bad in ("soon", "0", "nan"):
        refused = client.get(f"/v1/silent?hours={bad}")
        assert refused.status_code == 400 and "hours must be" in refused.get_json()["detail"]
    registry.close()

    # the command line reads the same registry at the real clock, about 3 days after the checkpoint
    reach = 3 * 24 + 2
    runner = CliRunner()
    result = runner.invoke(witness, ["silent", "--data", str(tmp_path), "--hours", "48", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [b["board_id"] for b in json.loads(result.stdout)["boards"]] == ["cb-1"]
    result = runner.invoke(witness, ["silent", "--data", str(tmp_path), "--hours", f"{reach:.1f}", "--format", "json"])
    assert json.loads(result.stdout)["count"] == 0
    text = runner.invoke(witness, ["silent", "--data", str(tmp_path)])
    assert text.exit_code == 0 and text.stdout.startswith("cb-1\tschool-1\t") and stamp(START) in text.stdout
    bad = runner.invoke(witness, ["silent", "--data", str(tmp_path), "--hours", "0"])
    assert bad.exit_code == 2 and "hours must be" in bad.output


def test_an_idle_boards_daily_checkpoint_reaches_the_witness_through_the_hub(hub_app, client, token, witness):
    """A day without records re-signs the same size; the hub must still forward it, or idle boards look silent."""
    import requests

    from tests.hub.conftest import FakeBoard
    from tests.hub.test_bundle_and_records import upload

    hub_app.config["HUB"].witness_url = witness.url
    board = FakeBoard(client, "cb-idle")
    board.enroll(enrollment_token=token, room="R101")
    log = grown(MemoryLog(board.id, board.key), 3)
    assert upload(board, log.records, log.checkpoint(at=START)).status_code == 200
    daily = log.checkpoint(at=START + timedelta(days=1))
    answer = board.call("POST", f"/api/v1/boards/{board.id}/checkpoints", daily.encode(),
                        {"Content-Type": "text/plain; charset=utf-8"})
    assert answer.status_code == 200
    entry = requests.get(f"{witness.url}/v1/boards/cb-idle", timeout=5).json()
    assert entry["checkpoints"][-1] == daily and len(entry["checkpoints"]) == 2
    assert entry["last_checkpoint_at"] is not None
