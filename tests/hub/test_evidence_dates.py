"""Record dates against the board's daily checkpoints: a record added later with an old date, or written in
advance, is named by verify-evidence; an honest board that was offline for days verifies clean.

A real board (edge.board.Board on a fake clock, its daily checkpoint job from edge/jobs.py) lives ten
school days without the hub, then uploads through its real sync path into a real hub (the Flask app), which
exports the archive. The forgeries are made the way a school holding its own board could make them: through
the board, with a date of its choosing (``at=``) — the board signs whatever its log holds.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from protocol.records import format_time
from tests.hub.conftest import FakeBoard, hub_args
from tests.hub.test_evidence import verify
from tests.hub.usage import END, SHANGHAI, START, school_with_classes

pytestmark = pytest.mark.parametrize("hub_app", ["sqlite"], indirect=True)
FIRST_DAY = datetime(2026, 10, 12, tzinfo=SHANGHAI).date()  # a Monday of the term (tests/hub/usage.py)
DAYS = 10


class Hub:
    """The board's HubClient, talking to the Flask test client with the board's own signed requests."""

    def __init__(self, signer: FakeBoard) -> None:
        self.signer = signer

    def request(self, method: str, path: str, *, body: bytes = b"", headers=None, **_):
        from edge.sync.client import HubRefused

        answer = self.signer.call(method, path, body, headers)
        if answer.status_code >= 400:
            raise HubRefused(answer.status_code, answer.get_data(as_text=True)[:300])
        return SimpleNamespace(status_code=answer.status_code, json=answer.get_json)


def _at(day, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI)


class OfflineBoard:
    """A board enrolled with the hub, then cut off for ``DAYS`` days of lessons."""

    def __init__(self, hub_app, client, token, tmp_path) -> None:
        from edge.board import Board
        from edge.clock import FakeClock
        from edge.jobs import install_log_checkpoint
        from hub.school import replace_school
        from tests.conftest import make_config

        replace_school(school_with_classes())
        self.app, self.tmp = hub_app, tmp_path
        self.clock = FakeClock(_at(FIRST_DAY, 7))
        self.board = Board(make_config(tmp_path / "board"), self.clock)
        signer = FakeBoard(client, self.board.id)
        signer.key = self.board.key
        assert signer.enroll(enrollment_token=token, room="R101").get_json()["status"] == "enrolled"
        self.hub = Hub(signer)
        install_log_checkpoint(self.board)

    def live(self, day_index: int) -> None:
        """One school day: card taps at the door, a roll call, a teacher's 40-minute lesson at the board."""
        day = FIRST_DAY + timedelta(days=day_index)
        self.board.scheduler.run_until(_at(day, 7, 40))
        for n in range(3):
            self.clock.advance(20)
            self.board.usage.record("checkin", initiator="student", class_id="C101",
                                    data={"kind": "arrival", "method": "card", "n": n})
        self.board.scheduler.run_until(_at(day, 10, 40))
        self.board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=2400,
                                data={"teacher": "T1", "method": "card"}, at=_at(day, 10))
        self.board.scheduler.run_until(_at(day, 23, 59))

    def upload(self) -> int:
        from edge.sync.upload import upload_once

        for _ in range(100):
            acked, left = upload_once(self.board, self.hub, 6)  # small batches, none ending at a daily size
            if not left and not acked:
                return left
        raise AssertionError("the outbox did not drain in 100 rounds")

    def verify(self, *args: str):
        from hub.cli import hub

        out = self.tmp / "evidence.zip"
        result = CliRunner().invoke(hub, ["export-evidence", *hub_args(self.app), "--from", START.isoformat(),
                                          "--to", END.isoformat(), "--out", str(out)])
        assert result.exit_code == 0, result.output
        return verify(out, *(args or ("--allow-unattested",)))

    def stop(self) -> None:
        self.board.stop()


@pytest.fixture
def offline(hub_app, client, token, tmp_path):
    board = OfflineBoard(hub_app, client, token, tmp_path)
    yield board
    board.stop()


def _date_problems(verdict) -> list[str]:
    return [p for p in verdict["problems"] if "dated" in p]


def test_an_honest_board_offline_for_ten_days_signs_daily_and_verifies_clean(offline, witness):
    import requests

    from edge.store import models as m
    from hub.models import BoardCheckpoint

    offline.app.config["HUB"].witness_url = witness.url  # the hub forwards what it takes (hub/witness/forward.py)

    for d in range(DAYS):
        offline.live(d)
    signed = list(m.LogCheckpoint.select().order_by(m.LogCheckpoint.size))
    assert len(signed) == DAYS and all(c.sent_at is None for c in signed)  # one a day, none could be sent
    # the first at 08:00 on day 0, after the morning's three taps; then each morning 24 h later
    assert [c.size for c in signed] == [4 * d + 3 for d in range(DAYS)]
    assert [c.signed_at for c in signed] == [_at(FIRST_DAY + timedelta(days=d), 8).astimezone(timezone.utc)
                                             .replace(tzinfo=None) for d in range(DAYS)]
    offline.upload()
    assert offline.board.log.unsent() == []
    with offline.app.app_context():
        held = {c.text for c in BoardCheckpoint.select().where(BoardCheckpoint.board_id == offline.board.id)}
    assert {c.text for c in signed} <= held  # every daily checkpoint reached the hub, and so the archive
    witnessed = requests.get(f"{witness.url}/v1/boards/{offline.board.id}", timeout=10).json()["checkpoints"]
    assert {c.text for c in signed} <= set(witnessed)  # and the witness, in size order with consistency proofs
    code, verdict = offline.verify("--witness", witness.url)
    assert code == 0 and verdict["ok"] and verdict["attested"], verdict["problems"]
    assert verdict["records"] == 4 * DAYS and verdict["checkpoints_checked"] >= 2 * DAYS


def test_a_record_backdated_into_a_day_it_was_not_written_in_is_named(offline):
    for d in range(DAYS):
        offline.live(d)
    # on the last day someone adds the roll call that day 2 lacks, dated day 2 at 08:05
    claimed = _at(FIRST_DAY + timedelta(days=2), 8, 5)
    forged = offline.board.usage.record("attendance.session", initiator="teacher", class_id="C101",
                                        duration_s=240, data={"period": 1, "method": "manual", "present": 40,
                                                              "absent": 0, "late": 0, "leave": 0}, at=claimed)
    offline.upload()
    code, verdict = offline.verify()
    found = _date_problems(verdict)
    assert code != 0 and len(found) == 1, verdict["problems"]
    assert f"board {offline.board.id}: seq {forged.seq}: backdated" in found[0]
    assert "2026-10-14T00:05:00.000Z" in found[0]  # the date it claims (08:05 in Shanghai)
    last_daily = format_time(_at(FIRST_DAY + timedelta(days=DAYS - 1), 8))
    assert f"signed {last_daily}" in found[0]  # the last daily checkpoint before it was written


def test_a_record_written_in_advance_is_named_forward_dated(offline):
    offline.live(0)
    # on day 1 someone pre-records a lesson for day 8 — the day-1 checkpoint already holds it
    ahead = offline.board.usage.record("teacher.session", initiator="teacher", class_id="C101", duration_s=2400,
                                       data={"teacher": "T1", "method": "card"},
                                       at=_at(FIRST_DAY + timedelta(days=8), 10))
    for d in range(1, DAYS):
        offline.live(d)
    offline.upload()
    code, verdict = offline.verify()
    found = _date_problems(verdict)
    assert code != 0 and found, verdict["problems"]
    assert f"board {offline.board.id}: seq {ahead.seq}: forward-dated" in found[0]
    assert "dated 2026-10-20T02:00:00.000Z" in found[0]
