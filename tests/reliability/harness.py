"""What the reliability tests share: the journal check, the hub's copy of a log, the runners, the summary file.

The exactly-once verdict never trusts the board's own tables: it compares
the writer's journal (what callers were told) with the hub's database,
matched by the ``life``/``i`` each record carries in its data.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "tests" / "artifacts" / "reliability.json"


# -- the journal and the exactly-once verdict ----------------------------------------------------------
@dataclass
class Journal:
    begun: set[tuple[int, int]] = field(default_factory=set)
    done: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "Journal":
        journal = cls()
        if not path.exists():
            return journal
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "begin":
                journal.begun.add((int(parts[1]), int(parts[2])))
            elif len(parts) == 4 and parts[0] == "done":  # a torn last line (killed mid-write) is neither
                journal.done[(int(parts[1]), int(parts[2]))] = parts[3]
        return journal

    def done_in(self, life: int) -> int:
        return sum(1 for (lf, _) in self.done if lf == life)


@dataclass
class Verdict:
    acknowledged: int
    held: int
    duplicates: int
    lost: int
    in_flight_kept: int  # begun, never acknowledged (the writer was killed), yet stored: each once
    strays: int  # held by the hub but never begun by the writer
    out_of_order: int

    def as_json(self) -> dict:
        return {"records_acknowledged": self.acknowledged, "records_held_by_hub": self.held,
                "duplicates": self.duplicates, "lost": self.lost, "in_flight_kept": self.in_flight_kept}


def exactly_once(journal: Journal, rows: list[dict]) -> Verdict:
    """``rows``: the hub's records of the board in log order, each with ``id`` and its ``data``."""
    keys = [(r["data"]["life"], r["data"]["i"]) for r in rows]
    by_key = dict(zip(keys, (r["id"] for r in rows)))
    duplicates = (len(keys) - len(set(keys))) + (len(rows) - len({r["id"] for r in rows}))
    lost = sum(1 for key, rid in journal.done.items() if by_key.get(key) != rid)
    extra = set(keys) - set(journal.done)
    return Verdict(acknowledged=len(journal.done), held=len(rows), duplicates=duplicates, lost=lost,
                   in_flight_kept=len(extra & journal.begun), strays=len(extra - journal.begun),
                   out_of_order=sum(1 for a, b in zip(keys, keys[1:]) if a >= b))


# -- the hub's copy of a board's log -------------------------------------------------------------------
def hub_log(db_url: str, board_id: str) -> tuple[list[dict], list[str]]:
    """The board's records as the hub holds them, in log order, and the checkpoints the hub holds for it
    (opens the hub's database in this process)."""
    from hub.db import open_database
    from hub.models import database
    from hub.report.source import wire_records

    open_database(db_url)
    try:
        return list(wire_records(board_id)), hub_checkpoints(board_id)
    finally:
        database.close()


def log_problems(records: list[dict], public_key, checkpoints: list[str]) -> list[str]:
    """Why this copy of a board's log does not verify (empty: it verifies): every record's leaf hash must
    recompute from its fields, seqs run 1..n, and every checkpoint the board signed (verified with its key)
    must name the Merkle root of exactly the first ``size`` stored leaves, the newest one all of them."""
    return GrowingLog(public_key).problems(records, checkpoints)


class GrowingLog:
    """Verifies a log that only grows, each record once: what was verified must stay exactly as it was.
    Keeps the root at every size, so each check costs only the records added since the last one.
    ``newest_covers_all``: the hub signs nothing itself, so its newest checkpoint must cover every record it
    holds; a board may hold records newer than its last checkpoint (signed with the next upload)."""

    def __init__(self, public_key, newest_covers_all: bool = True) -> None:
        from protocol.merkle import Frontier

        self.key, self.seen, self.frontier, self.roots = public_key, [], Frontier(), [None]
        self.require_newest = newest_covers_all

    def problems(self, records: list[dict], checkpoints: list[str]) -> list[str]:
        from protocol.checkpoint import CheckpointError, verify_checkpoint
        from protocol.records import record_leaf

        found = []
        if [(r["id"], r["hash"]) for r in records[:len(self.seen)]] != self.seen:
            return ["records verified before have changed or gone"]
        for rec in records[len(self.seen):]:
            leaf = record_leaf(rec)
            if leaf.hex() != rec["hash"]:
                found.append(f"seq {rec['seq']}: its leaf hash does not recompute from its fields")
            if rec["seq"] != len(self.seen) + 1:
                found.append(f"seq {rec['seq']} stands at place {len(self.seen) + 1}")
            if found:
                return found
            self.seen.append((rec["id"], rec["hash"]))
            self.frontier.append(leaf)
            self.roots.append(self.frontier.root())
        newest = 0
        for text in checkpoints:
            try:
                point = verify_checkpoint(text, self.key)
            except CheckpointError as exc:
                found.append(f"checkpoint does not verify: {exc}")
                continue
            newest = max(newest, point.size)
            if point.size >= len(self.roots) or self.roots[point.size] != point.root:
                found.append(f"the checkpoint for {point.size} records does not match the records held")
        if records and newest != len(records) and self.require_newest:
            found.append(f"the newest checkpoint covers {newest} of {len(records)} records")
        return found


def hub_checkpoints(board_id: str) -> list[str]:
    from hub.models import BoardCheckpoint

    return [row.text for row in BoardCheckpoint.select(BoardCheckpoint.text).where(
        BoardCheckpoint.board_id == board_id).order_by(BoardCheckpoint.size)]


def board_key(data_dir: Path):
    from protocol.keys import load_private

    return load_private(Path(data_dir) / "board_key.pem")


def board_id_of(data_dir: Path) -> str:
    from edge.board import board_id_for
    from protocol.keys import public_raw

    return board_id_for(public_raw(board_key(data_dir)))


# -- the summary anyone can read -----------------------------------------------------------------------
def report(section: str, figures: dict) -> None:
    """Merge one test's figures into tests/artifacts/reliability.json (one section per test)."""
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = json.loads(ARTIFACT.read_text())
    except (OSError, ValueError):
        summary = {}
    summary[section] = figures | {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    ARTIFACT.write_text(json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


# -- processes -----------------------------------------------------------------------------------------
def seed_hub(data: Path, db_url: str, school: dict) -> str:
    """Seed the sample school into a hub's database with the real CLI; returns an enrollment token."""
    data.mkdir(parents=True, exist_ok=True)
    school_file = data.parent / "school.json"
    school_file.write_text(json.dumps(school, ensure_ascii=False), encoding="utf-8")
    cli = [sys.executable, "-m", "classboard", "hub"]
    where = ["--data", str(data), "--db-url", db_url]
    subprocess.run(cli + ["seed", *where, "--from-json", str(school_file)], check=True, capture_output=True, cwd=ROOT)
    return subprocess.run(cli + ["token", "create", *where], check=True, capture_output=True, text=True,
                          cwd=ROOT).stdout.strip()


def wait_listening(port: int, timeout: float = 20.0) -> bool:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.02)
    return False


class HubRunner:
    """A hub process on a fixed port, killed with SIGKILL and started again at will."""

    def __init__(self, data: Path, db_url: str, env: dict[str, str] | None = None) -> None:
        from tests.reliability.children import forkserver

        self.ctx, self.data, self.db_url, self.env = forkserver(), data, db_url, dict(env or {})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self, wait: bool = True) -> None:
        from tests.reliability.children import hub_server

        for _ in range(20):  # a port in TIME_WAIT or a slow exit of the killed one: try again shortly
            self.proc = self.ctx.Process(target=hub_server, args=(str(self.data), self.db_url, self.port, self.env),
                                         daemon=True)
            self.proc.start()
            if not wait or wait_listening(self.port, 20):
                if self.proc.is_alive():
                    return
            self.proc.join(1)
            time.sleep(0.2)
        raise RuntimeError(f"the hub did not start; see {self.data.parent / 'hub.log'}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.join(10)

    stop = kill


def write_trace(path: Path) -> Counter:
    """The hub hook's trace: per pid, how many write transactions it entered ("in") and committed."""
    counts: Counter = Counter()
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                counts[(parts[0], int(parts[1]))] += 1
    return counts


def killed_inside_transaction(trace: Counter, pid: int) -> bool:
    """True when the hub ``pid`` entered one more write transaction than it committed: it died inside it."""
    return trace[("in", pid)] > trace[("committed", pid)]
