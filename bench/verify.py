"""Verifying an evidence archive offline: 40 boards × 50,000 records, and what a spot check costs.

Builds the archive as the hub writes it (hub/evidence/archive.py): each board's
log sealed by protocol/records.py, a signed checkpoint every 2,000 records as
the board sends with each upload batch, the report computed from the same
records; then times ``verify_archive`` with a witness holding every board's
latest checkpoint and one spot check (every leaf re-hashed, every root
recomputed, every figure recounted). Also the sizes a reviewer deals with: a
checkpoint (what the board's QR code holds), an RFC 9162 inclusion proof of
one record and a consistency proof between two heads of a 50,000-record log.
Ends with one line of JSON; --quick builds 4 boards × 2,000 records (CI: seconds).

Run: .venv/bin/python bench/verify.py [--boards 40] [--records 50000] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHECKPOINT_EVERY = 2000


KINDS = (("checkin", "student", 0), ("attendance.session", "teacher", 2700), ("interaction", "student", 90),
         ("teacher.session", "teacher", 600))
START = datetime(2026, 9, 7, 0, 30, tzinfo=timezone.utc)


class BoardHistory:
    """One board's records, generated on demand (the same every time), with the checkpoints it signed."""

    def __init__(self, board_id: str, class_id: str, n: int) -> None:
        from protocol.keys import generate_keypair

        self.id, self.class_id, self.n, self.key = board_id, class_id, n, generate_keypair()
        self.checkpoints: list[str] = []
        self.leaves: list[bytes] = []

    def fields(self, seq: int) -> dict:
        from protocol.records import format_time

        kind, initiator, duration = KINDS[seq % 4]
        return {"board_id": self.id, "seq": seq, "kind": kind, "at": format_time(START + timedelta(seconds=seq * 137)),
                "class_id": self.class_id, "initiator": initiator, "duration_s": duration, "data": {"n": seq % 45}}

    def records(self):
        """Sealed records in order, signing a checkpoint every CHECKPOINT_EVERY as the board does per batch."""
        from protocol.checkpoint import sign_checkpoint
        from protocol.merkle import Frontier
        from protocol.records import seal, uuid7

        frontier = Frontier()
        for seq in range(1, self.n + 1):
            rec = seal(self.fields(seq) | {"id": uuid7()})
            leaf = bytes.fromhex(rec["hash"])
            frontier.append(leaf)
            self.leaves.append(leaf)
            if seq % CHECKPOINT_EVERY == 0 or seq == self.n:
                self.checkpoints.append(sign_checkpoint(self.key, self.id, seq, frontier.root(),
                                                        START + timedelta(seconds=seq * 137)))
            yield rec


def build(workdir: Path, boards: int, per_board: int):
    """The archive as the hub writes it; the report is counted in a first, cheap pass over the same fields."""
    from classboard.sample import sample_school
    from hub.evidence.archive import export_evidence
    from hub.report.compute import Counts, build_report
    from hub.report.rules import load_rules
    from protocol.keys import generate_keypair, public_text

    school = sample_school(classes=boards, students_per_class=3)
    zone = ZoneInfo(school["school"].get("timezone", "Asia/Shanghai"))
    inputs = {"school": school["school"], "rules": load_rules(None),
              "classes": [{"id": c["id"], "name": c["name"]} for c in school["classes"]],
              "calendar": school["calendar"], "from": "2026-09-07", "to": "2027-01-17", "as_of": "2027-01-17",
              "period": "bench"}
    histories = {f"cb-bench{i:03d}": BoardHistory(f"cb-bench{i:03d}", c["id"], per_board)
                 for i, c in enumerate(school["classes"])}
    counts = Counts()
    for history in histories.values():
        counts.add((history.fields(seq) for seq in range(1, per_board + 1)), inputs["rules"], zone, inputs)
    report = build_report(counts, inputs, "bench")
    path = workdir / "evidence.zip"
    boards_meta = [{"id": h.id, "public_key": public_text(h.key), "class_id": h.class_id, "room_id": None}
                   for h in histories.values()]
    manifest = export_evidence(path, generate_keypair(), inputs, report, boards_meta,
                               lambda bid: histories[bid].records(), lambda bid: histories[bid].checkpoints)
    return path, manifest, histories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=40)
    parser.add_argument("--records", type=int, default=50_000, help="records per board")
    parser.add_argument("--quick", action="store_true", help="4 boards × 2,000 records (CI: seconds)")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.records = min(args.boards, 4), min(args.records, 2_000)

    from hub.evidence.verify import verify_archive
    from protocol.merkle import consistency_proof, inclusion_proof

    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="classboard-verify-"))
    try:
        t0 = time.perf_counter()
        path, manifest, histories = build(workdir, args.boards, args.records)
        build_s = time.perf_counter() - t0
        witness = {h.id: {"public_key": m["public_key"], "school": "bench", "enrolled_at": "2026-09-01T00:00:00Z",
                          "checkpoints": h.checkpoints[-1:]}
                   for h, m in zip(histories.values(), manifest["boards"])}
        first = next(iter(histories.values()))
        spot = {first.id: [first.checkpoints[-1]]}
        t0 = time.perf_counter()
        verdict = verify_archive(path, None, witness, spot)
        verify_s = time.perf_counter() - t0
        total = args.boards * args.records
        checkpoint_bytes = len(first.checkpoints[-1].encode("utf-8"))
        n = len(first.leaves)
        inclusion = inclusion_proof(first.leaves, n // 3)
        consistency = consistency_proof(first.leaves, n // 2, n)
        problems = verdict.problems
        print(f"machine                      {os.cpu_count()} cores, load average {load_before:.2f} before the run")
        print(f"archive                      {args.boards} boards × {args.records:,} records = {total:,}, "
              f"{path.stat().st_size / 1e6:.1f} MB, built in {build_s:.1f} s")
        print(f"verify_archive               {verify_s:10.1f} s   ({total / verify_s:,.0f} records/s; every leaf, "
              f"{verdict.checkpoints_checked} checkpoints, {verdict.figures_checked} figures)")
        print(f"  verdict                    {'OK' if not problems else 'PROBLEMS: ' + '; '.join(problems[:3])}")
        print(f"spot check (checkpoint text) {checkpoint_bytes:10d} bytes   (what the board's QR code holds)")
        print(f"inclusion proof, 1 record    {32 * len(inclusion):10d} bytes   ({len(inclusion)} hashes, log of {n:,})")
        print(f"consistency proof {n // 2:,}→{n:,} {32 * len(consistency):6d} bytes   ({len(consistency)} hashes)")
        print(json.dumps({"bench": "verify", "boards": args.boards, "records_per_board": args.records,
                          "records": total, "archive_mb": round(path.stat().st_size / 1e6, 1),
                          "build_s": round(build_s, 1), "verify_s": round(verify_s, 1),
                          "verify_records_per_s": round(total / verify_s), "ok": not problems,
                          "checkpoint_bytes": checkpoint_bytes, "inclusion_proof_bytes": 32 * len(inclusion),
                          "consistency_proof_bytes": 32 * len(consistency), "load_average": round(load_before, 2)}))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
