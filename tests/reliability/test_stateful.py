"""Hypothesis drives a board and a hub through any interleaving of record, upload, lost reply, replay, reorder,
reboot and re-enrollment; after every step each record is on the hub at most once, in the board's order, both
copies of the log verify, and everything the board stopped queueing is on the hub."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from requests.adapters import BaseAdapter

from tests.reliability.harness import GrowingLog, hub_checkpoints, report

pytestmark = pytest.mark.slow
HUB = "http://hub.invalid"  # never resolved: every request goes to the hub app in this process


class HubInProcess(BaseAdapter):
    """A requests transport into the hub's Flask test client; it can lose the next reply after the hub answered,
    and keeps the last upload it carried, signed as it was, for a replay."""

    def __init__(self, app) -> None:
        super().__init__()
        self.client, self.lose_next, self.last_upload = app.test_client(), False, None

    def send(self, request, **kwargs):
        path = request.path_url
        body = request.body or b""
        answer = self.client.open(path, method=request.method, data=body, headers=dict(request.headers))
        if request.method == "POST" and path.endswith("/records"):
            self.last_upload = (path, body, dict(request.headers))
        if self.lose_next:
            self.lose_next = False
            raise requests.ConnectionError("the reply was lost on the way back")
        response = requests.Response()
        response.status_code, response._content = answer.status_code, answer.get_data()
        response.headers.update(answer.headers)
        response.url, response.request = request.url, request
        return response

    def close(self) -> None:
        pass


class BoardAndHub(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        from classboard.sample import sample_school
        from hub.app import create_app
        from hub.config import HubConfig
        from hub.enrollment import create_token
        from hub.school import replace_school

        self.root = Path(tempfile.mkdtemp(prefix="classboard-stateful-"))
        self.app = create_app(HubConfig(data_dir=self.root / "hub"))
        replace_school(sample_school())
        self.token = create_token()
        self.transport = HubInProcess(self.app)
        self._real_session = requests.Session
        transport = self.transport

        def session():
            s = self._real_session()
            s.mount(HUB, transport)
            return s

        requests.Session = session  # the board's HubClient makes its session from here
        self.board = self._boot()
        self.made: list[str] = []  # ids in the order record() returned them: the independent account
        self.hub_log = GrowingLog(self.board.key.public_key())
        self.board_log = GrowingLog(self.board.key.public_key(), newest_covers_all=False)
        self.steps = {"record": 0, "upload": 0, "lost_reply": 0, "replay": 0, "reorder": 0, "reboot": 0,
                      "reenroll": 0}

    def _boot(self):
        from edge.board import Board
        from tests.conftest import make_config

        return Board(make_config(self.root / "board", hub__url=HUB, hub__enrollment_token=self.token,
                                 hub__room="R101", hub__batch_size="4"))

    def _sync(self, batches: int = 1) -> None:
        from edge.sync.client import HubRefused, HubUnavailable
        from edge.sync.service import SyncService

        try:
            SyncService(self.board).cycle(max_batches=batches)
        except (HubUnavailable, HubRefused):
            pass

    # -- the rules ------------------------------------------------------------------------------------------
    @rule(n=st.integers(1, 6))
    def record(self, n):
        for _ in range(n):
            self.made.append(self.board.usage.record("interaction", initiator="student", class_id="C101",
                                                     duration_s=30, data={"n": len(self.made)}).id)
        self.steps["record"] += 1

    @rule(batches=st.integers(1, 3))
    def upload(self, batches):
        self._sync(batches)
        self.steps["upload"] += 1

    @rule()
    def lost_reply(self):
        self.transport.lose_next = True  # the hub answers, the board never hears it (enrollment or upload)
        self._sync()
        self.transport.lose_next = False
        self.steps["lost_reply"] += 1

    @precondition(lambda self: self.transport.last_upload is not None)
    @rule()
    def replay(self):
        path, body, headers = self.transport.last_upload  # the network delivers an old upload again
        answer = self.transport.client.open(path, method="POST", data=body, headers=headers)
        assert answer.status_code in (200, 409), answer.get_data()[:300]
        self.steps["replay"] += 1

    @precondition(lambda self: self.board.usage.outbox_depth() >= 2)
    @rule(split=st.integers(1, 3))
    def reorder(self, split):
        """Two uploads overtake each other: the later stretch of the log arrives first."""
        from edge.sync.enroll import is_enrolled
        from edge.sync.upload import read_batch
        from protocol.auth import sign_request
        from protocol.records import encode_columns

        batch = read_batch(self.board, split + 3)
        if not is_enrolled() or len(batch.ids) < 2:
            return
        split = min(split, len(batch.ids) - 1)

        def payload(lo, hi):
            columns = {k: v[lo:hi] for k, v in batch.columns.items()}
            return encode_columns(self.board.id, batch.seqs[lo], columns, batch.data[lo:hi],
                                  self.board.log.checkpoint_at(batch.seqs[hi - 1]))

        path = f"/api/v1/boards/{self.board.id}/records"
        for body in (payload(split, len(batch.ids)), payload(0, split)):  # later first, then the earlier
            headers = {"Content-Type": "application/gzip"} | sign_request(self.board.key, self.board.id, "POST",
                                                                          path, body)
            answer = self.transport.client.open(path, method="POST", data=body, headers=headers)
            assert answer.status_code in (200, 409), answer.get_data()[:300]
        self.steps["reorder"] += 1

    @rule()
    def reboot(self):
        self.board.stop()
        self.board = self._boot()
        self.steps["reboot"] += 1

    @rule()
    def reenroll(self):
        """The board forgets its enrollment (a re-flashed config) and enrolls again with the same key."""
        from edge.bundle_store import put_setting

        put_setting("enroll.hub_public_key", "")
        self._sync()
        self.steps["reenroll"] += 1

    # -- what must hold after every step --------------------------------------------------------------------
    @invariant()
    def each_record_once_in_order_and_logs_consistent(self):
        from edge.services.usage import as_wire
        from edge.store import models as m
        from hub.report.source import wire_records

        held = list(wire_records(self.board.id))
        ids = [r["id"] for r in held]
        assert ids == self.made[:len(ids)], "the hub's copy is not the board's log in order, each record once"
        assert self.hub_log.problems(held, hub_checkpoints(self.board.id)) == []
        mine = [as_wire(r, self.board.id) for r in m.UsageRecord.select().order_by(m.UsageRecord.seq)]
        assert [r["id"] for r in mine] == self.made  # nothing acknowledged to a caller is missing
        checkpoints = [c.text for c in m.LogCheckpoint.select().order_by(m.LogCheckpoint.size)]
        assert self.board_log.problems(mine, checkpoints) == []
        queued = {o.record_id for o in m.Outbox.select(m.Outbox.record)}
        assert set(self.made) - queued <= set(ids), "the board dropped records the hub does not hold"

    def teardown(self):
        try:
            for _ in range(30):  # everything drains in the end, exactly once
                self._sync(50)
                if self.board.usage.outbox_depth() == 0:
                    break
            from hub.report.source import wire_records
            assert [r["id"] for r in wire_records(self.board.id)] == self.made
            totals = BoardAndHub.totals
            for k, v in self.steps.items():
                totals[k] = totals.get(k, 0) + v
            totals["records"] = totals.get("records", 0) + len(self.made)
        finally:
            requests.Session = self._real_session
            self.board.stop()
            from hub.models import database
            database.close()
            shutil.rmtree(self.root, ignore_errors=True)

    totals: dict[str, int] = {}


def test_any_interleaving_of_record_upload_loss_replay_reorder_reboot_and_reenrollment():
    BoardAndHub.totals = {}
    machine = BoardAndHub.TestCase
    machine.settings = settings(max_examples=12, stateful_step_count=20, deadline=None,
                                suppress_health_check=[HealthCheck.too_slow], derandomize=True)
    machine().runTest()
    totals = BoardAndHub.totals
    assert all(totals.get(k, 0) > 0 for k in ("lost_reply", "replay", "reorder", "reboot", "reenroll")), totals
    report("stateful", {"steps": totals})
