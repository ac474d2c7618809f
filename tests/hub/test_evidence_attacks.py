"""Attacks by the one who runs the hub: each forged archive is built here and must be caught.

The school's hub operator holds the hub key, so they can rewrite any file of the
archive and re-sign its manifest. What they cannot do is sign as a board, or
rewrite what the witness (run by the district) and the boards' own screens
hold. Boards enroll and upload through the real API, so the witness (a real
``classboard witness serve`` process) hears exactly what the hub forwards.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, time, timedelta, timezone

import pytest
import requests
from click.testing import CliRunner

from protocol.keys import fingerprint, generate_keypair, public_text
from protocol.memlog import MemoryLog
from protocol.merkle import consistency_proof
from protocol.records import encode_batch, format_time, leaf_bytes
from tests.hub.conftest import FakeBoard, hub_args
from tests.hub.test_evidence import rewrite, verify
from tests.hub.usage import END, SHANGHAI, START, school_with_classes, weeks

pytestmark = pytest.mark.parametrize("hub_app", ["sqlite"], indirect=True)


class School:
    def __init__(self, hub_app, client, token, witness, tmp_path):
        from hub.school import replace_school

        replace_school(school_with_classes())
        hub_app.config["HUB"].witness_url = witness.url
        self.app, self.witness, self.tmp = hub_app, witness, tmp_path
        self.boards: dict[str, FakeBoard] = {}
        self.logs: dict[str, MemoryLog] = {}
        for n, bid in enumerate(("cb-a", "cb-b", "cb-c")):
            board = FakeBoard(client, bid)
            assert board.enroll(enrollment_token=token, room=f"R{101 + n}").get_json()["status"] == "enrolled"
            self.boards[bid], self.logs[bid] = board, MemoryLog(bid, board.key)
        for i, monday in enumerate(weeks()):
            for bid, log in self.logs.items():
                moment = datetime.combine(monday + timedelta(days=i % 5), time(9, 0), tzinfo=SHANGHAI)
                log.add("attendance.session", format_time(moment), class_id=f"C10{1 + list(self.logs).index(bid)}",
                        duration_s=300)
            if i % 4 == 3:
                self.upload_all()
        self.upload_all()

    def upload_all(self) -> None:
        from hub.models import Board
        with self.app.app_context():
            for bid, log in self.logs.items():
                held = Board.get_by_id(bid).last_seq
                if held < len(log.records):
                    self.upload(bid, log.records[held:], log.checkpoint())

    def upload(self, bid: str, records: list, checkpoint: str):
        answer = self.boards[bid].call("POST", f"/api/v1/boards/{bid}/records", encode_batch(records, checkpoint),
                                       {"Content-Type": "application/gzip"})
        return answer

    def export(self, name: str = "evidence.zip"):
        from hub.cli import hub
        out = self.tmp / name
        result = CliRunner().invoke(hub, ["export-evidence", *hub_args(self.app), "--from", START.isoformat(),
                                          "--to", END.isoformat(), "--out", str(out)])
        assert result.exit_code == 0, result.output
        return out

    def witness_file(self, drop_last_of: str | None = None):
        """What the witness holds, exported by the reviewer (optionally as if the hub never forwarded a board's
        newest checkpoint)."""
        out = self.tmp / "witness.json"
        subprocess.run([sys.executable, "-m", "classboard", "witness", "export", "--data", str(self.witness.data),
                        "--out", str(out)], check=True, capture_output=True, timeout=60)
        if drop_last_of:
            document = json.loads(out.read_text())
            document["boards"][drop_last_of]["checkpoints"].pop()
            out.write_text(json.dumps(document))
        return out


@pytest.fixture
def school(hub_app, client, token, witness, tmp_path):
    return School(hub_app, client, token, witness, tmp_path)


def problems_of(verdict) -> str:
    return "\n".join(verdict["problems"])


def log_problems(verdict, board_id: str) -> list[str]:
    """What the verifier says about one board's log and key (the report's recount is named separately)."""
    return [p for p in verdict["problems"] if p.startswith(f"board {board_id}:")]


def test_an_honest_archive_is_attested_by_the_witness_by_url_and_by_file(school):
    archive = school.export()
    code, verdict = verify(archive, "--witness", school.witness.url)
    assert code == 0 and verdict["ok"] and verdict["attested"], verdict["problems"]
    assert verdict["boards"] == 3 and verdict["records"] == 3 * len(weeks())
    assert verdict["checkpoints_checked"] >= 2 * 3 * 3  # each board's checkpoints, from archive and witness
    code, verdict = verify(archive, "--witness", str(school.witness_file()))
    assert code == 0 and verdict["attested"]


def test_a_rekeyed_board_with_a_resigned_manifest_is_refused_by_the_witness(school, tmp_path):
    archive = school.export()
    forger = generate_keypair()
    fake = MemoryLog("cb-b", forger)  # cb-b's history, re-made with every session three times as long
    for rec in school.logs["cb-b"].records:
        fake.add(rec["kind"], rec["at"], class_id=rec["class_id"], duration_s=900, record_id=rec["id"])

    def rekey(manifest):
        entry = next(b for b in manifest["boards"] if b["id"] == "cb-b")
        entry.update(public_key=public_text(forger), fingerprint=fingerprint(forger), root=fake.root().hex())

    forged = rewrite(archive, tmp_path / "rekeyed.zip", hub_key=school.app.config["HUB_KEY"],
                     records={"cb-b": lambda _: fake.records}, checkpoints={"cb-b": lambda _: [fake.checkpoint()]},
                     manifest=rekey)
    # without a witness the forgery is self-consistent: all the verifier can say is that nobody vouched for the key
    code, verdict = verify(forged)
    assert code == 2 and verdict["ok"] and not verdict["attested"]
    code, verdict = verify(forged, "--witness", school.witness.url)
    problems = problems_of(verdict)
    assert code == 1
    assert f"board cb-b: re-keyed — the archive gives key {fingerprint(forger)} but the witness registered " \
           f"{fingerprint(school.boards['cb-b'].key)}" in problems
    assert "board cb-b: the archive's checkpoint refused" in problems
    assert "board cb-b: the records differ from the log the board signed" in problems
    # and the forger cannot register the new key with the witness either
    answer = requests.post(f"{school.witness.url}/v1/boards", json={
        "board_id": "cb-b", "public_key": public_text(forger), "school": "x", "enrolled_at": "2026-12-01T00:00:00Z"},
        timeout=5)
    assert answer.status_code == 409


def test_records_dropped_from_the_end_are_caught_by_the_witnessed_head(school, tmp_path):
    archive = school.export()
    keep = len(weeks()) - 3
    cut = rewrite(archive, tmp_path / "cut.zip", hub_key=school.app.config["HUB_KEY"],
                  records={"cb-a": lambda lines: lines[:keep]},
                  checkpoints={"cb-a": lambda texts: [t for t in texts if int(t.split("\n")[1]) <= keep]},
                  manifest=lambda m: next(b for b in m["boards"] if b["id"] == "cb-a").update(size=keep))
    code, verdict = verify(cut, "--allow-unattested")
    assert log_problems(verdict, "cb-a") == []  # the archive alone is a self-consistent, shorter log
    code, verdict = verify(cut, "--witness", school.witness.url)
    assert code == 1
    assert f"board cb-a: seq {keep + 1}..{len(weeks())}: deleted — the witness's checkpoint" in problems_of(verdict)


def test_records_dropped_and_never_witnessed_are_caught_by_a_spot_check_text_or_photo(school, tmp_path):
    import cv2
    import numpy as np

    from drivers.vision.cards import qr_png

    last = school.logs["cb-a"]
    for _ in range(2):  # the board's newest records, which the hub keeps out of the archive and the witness
        last.add("attendance.session", format_time(datetime(2026, 11, 20, 1, tzinfo=timezone.utc)), class_id="C101",
                 duration_s=300)
    school.app.config["HUB"].witness_url = ""
    school.upload_all()
    archive = school.export()
    n = len(last.records)
    hidden = rewrite(archive, tmp_path / "hidden.zip", hub_key=school.app.config["HUB_KEY"],
                     records={"cb-a": lambda lines: lines[:n - 2]},
                     checkpoints={"cb-a": lambda texts: [t for t in texts if int(t.split("\n")[1]) <= n - 2]},
                     manifest=lambda m: next(b for b in m["boards"] if b["id"] == "cb-a").update(size=n - 2))
    code, verdict = verify(hidden, "--witness", school.witness.url)
    assert log_problems(verdict, "cb-a") == []  # the witness never heard of the last records: alone it cannot tell
    # the reviewer walks into the classroom: the board's screen shows its checkpoint as text and QR
    on_screen = last.checkpoint()
    text_file = tmp_path / "cb-a.txt"
    text_file.write_text(on_screen)
    photo = np.full((900, 1200, 3), 235, np.uint8)  # a photo of the screen: the QR with a margin, slightly blurred
    qr = cv2.imdecode(np.frombuffer(qr_png(on_screen, px=600), np.uint8), cv2.IMREAD_COLOR)
    qr = cv2.resize(qr, (560, 560), interpolation=cv2.INTER_AREA)
    photo[150:710, 300:860] = qr
    photo_file = tmp_path / "cb-a.jpg"
    cv2.imwrite(str(photo_file), cv2.GaussianBlur(photo, (3, 3), 0), [cv2.IMWRITE_JPEG_QUALITY, 85])
    for spot in (text_file, photo_file):
        code, verdict = verify(hidden, "--witness", school.witness.url, "--spot-check", str(spot))
        assert code == 1
        assert f"board cb-a: seq {n - 1}..{n}: deleted — a spot check's checkpoint" in problems_of(verdict)
    code, verdict = verify(archive, "--witness", school.witness.url, "--spot-check", str(photo_file))
    assert code == 0, verdict["problems"]  # the honest archive agrees with the board


@pytest.mark.parametrize("attack", ["altered", "inserted", "reordered"])
def test_a_record_altered_inserted_or_reordered_is_caught(school, tmp_path, attack):
    def altered(lines):
        lines[4]["duration_s"] = 3600
        return lines

    def inserted(lines):
        extra = dict(lines[3], id="0190f0c0-0000-7000-8000-000000000001")
        out = lines[:4] + [extra] + lines[4:]
        return [dict(r, seq=i) for i, r in enumerate(out, 1)]

    def reordered(lines):
        lines[2], lines[5] = dict(lines[5], seq=3), dict(lines[2], seq=6)
        return lines

    edit = {"altered": altered, "inserted": inserted, "reordered": reordered}[attack]
    forged = rewrite(school.export(), tmp_path / f"{attack}.zip", hub_key=school.app.config["HUB_KEY"],
                     records={"cb-c": edit})
    code, verdict = verify(forged, "--witness", school.witness.url)
    problems = problems_of(verdict)
    assert code == 1 and "board cb-c: the records differ from the log the board signed" in problems
    assert "board cb-a" not in problems and "board cb-b" not in problems


def test_a_forked_log_is_refused_by_hub_and_witness_and_caught_in_an_archive(school, tmp_path):
    real = school.logs["cb-c"]
    board = school.boards["cb-c"]
    fork = MemoryLog("cb-c", board.key)  # the board's key signing a second history (a stolen key, a cloned board)
    for rec in real.records:
        fork.add(rec["kind"], rec["at"], class_id=rec["class_id"], duration_s=1800)
    assert school.upload("cb-c", fork.records, fork.checkpoint()).status_code == 409
    head = requests.get(f"{school.witness.url}/v1/boards/cb-c/head", timeout=5).json()
    assert head["size"] == len(real.records)
    for text, old, proof in ((fork.checkpoint(), head["size"], []),
                             (fork.checkpoint(head["size"] - 2), head["size"], [])):
        answer = requests.post(f"{school.witness.url}/v1/boards/cb-c/checkpoints",
                               json={"checkpoint": text, "old_size": old, "proof": proof}, timeout=5)
        assert answer.status_code == 409
    fork.add("attendance.session", real.records[-1]["at"], class_id="C103", duration_s=1800)
    longer = requests.post(f"{school.witness.url}/v1/boards/cb-c/checkpoints", timeout=5, json={
        "checkpoint": fork.checkpoint(), "old_size": head["size"],
        "proof": [p.hex() for p in consistency_proof(fork.leaves, head["size"])]})
    assert longer.status_code == 409 and "forked" in longer.json()["detail"]
    # an archive of the forked history, every checkpoint validly signed with the board's key
    forged = rewrite(school.export(), tmp_path / "fork.zip", hub_key=school.app.config["HUB_KEY"],
                     records={"cb-c": lambda _: fork.records}, checkpoints={"cb-c": lambda _: [fork.checkpoint()]},
                     manifest=lambda m: next(b for b in m["boards"] if b["id"] == "cb-c").update(
                         size=len(fork.records), root=fork.root().hex()))
    code, verdict = verify(forged, "--allow-unattested")
    assert log_problems(verdict, "cb-c") == []  # on its own the fork is a perfectly good log
    code, verdict = verify(forged, "--witness", school.witness.url)
    assert code == 1 and "board cb-c: the records differ from the log the board signed at size " \
                         f"{len(real.records)} (the witness's checkpoint" in problems_of(verdict)


def test_a_checkpoint_replayed_from_another_board_is_caught(school, tmp_path):
    a, b = school.logs["cb-a"], school.logs["cb-b"]
    replay = a.checkpoint()
    b.add("attendance.session", b.records[-1]["at"], class_id="C102", duration_s=300)
    answer = school.upload("cb-b", b.records[-1:], replay)
    assert answer.status_code == 400 and "not 'cb-b'" in answer.json["detail"]
    b.records.pop(), b.leaves.pop()
    witness = requests.post(f"{school.witness.url}/v1/boards/cb-b/checkpoints",
                            json={"checkpoint": replay, "old_size": 0, "proof": []}, timeout=5)
    assert witness.status_code == 400
    forged = rewrite(school.export(), tmp_path / "replay.zip", hub_key=school.app.config["HUB_KEY"],
                     checkpoints={"cb-b": lambda texts: [replay]})
    code, verdict = verify(forged, "--witness", school.witness.url)
    problems = problems_of(verdict)
    assert "board cb-b: the archive's checkpoint refused: checkpoint is of board 'cb-a', not 'cb-b'" in problems
    assert code == 1
    # the canonical lines make each board's file self-describing: a line moved from another board is named
    with_foreign = rewrite(school.export("again.zip"), tmp_path / "foreign.zip", hub_key=school.app.config["HUB_KEY"],
                           records={"cb-b": lambda lines: lines[:-1] + [json.loads(leaf_bytes(a.records[-1]))]})
    code, verdict = verify(with_foreign, "--witness", school.witness.url)
    assert code == 1 and "record of board 'cb-a' in board cb-b's log" in problems_of(verdict)
