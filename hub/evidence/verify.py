"""Checking an evidence archive without the hub: logs, checkpoints, keys, files and figures.

Every problem is named: which board, which sequence number, which file, which
figure. Each board's log is checked against every checkpoint the archive, the
witness and the reviewer's spot checks hold (logcheck.py); keys count only
when the witness registered them. The figures are recomputed with the same
counting code the hub uses (``hub.report.compute``, plain Python, no
database), from the records alone.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from protocol.canonical import canonical_bytes
from protocol.keys import fingerprint, load_public, verify

from ..report.compute import Counts, build_report
from .archive import FORMAT
from .logcheck import Heads, board_key, check_log

MAX_MEMBER_BYTES = 4 << 30  # a term of one board is tens of MB; refuse absurd members before reading them


@dataclass
class Verdict:
    boards: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)
    hub_fingerprint: str = ""
    figures_checked: int = 0
    checkpoints_checked: int = 0
    attested: bool = False  # every board's key was checked against a witness

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "attested": self.attested, "boards": self.boards, "records": self.records,
                "checkpoints_checked": self.checkpoints_checked, "figures_checked": self.figures_checked,
                "hub_fingerprint": self.hub_fingerprint, "problems": self.problems}


class EvidenceError(ValueError):
    """The archive cannot be read at all (not a zip, no manifest, wrong format)."""


def _lines(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    # a large buffer: ZipExtFile's own readline is Python and was a sixth of the verifier's time
    with zf.open(name) as member, io.BufferedReader(member, 1 << 20) as buffered:
        yield from buffered


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise EvidenceError(f"{name} claims {info.file_size} bytes; refusing to read it")
    return zf.read(name)


def _compare(path: str, claimed: Any, recomputed: Any, problems: list[str], counter: list[int]) -> None:
    """Walk both figure trees; every leaf that differs is one named mismatch."""
    if isinstance(claimed, dict) and isinstance(recomputed, dict):
        for key in sorted(set(claimed) | set(recomputed), key=str):
            _compare(f"{path}.{key}" if path else str(key), claimed.get(key), recomputed.get(key), problems, counter)
    elif isinstance(claimed, list) and isinstance(recomputed, list) and len(claimed) == len(recomputed):
        for i, (a, b) in enumerate(zip(claimed, recomputed)):
            label = a.get("week") or a.get("class_id") if isinstance(a, dict) else None
            _compare(f"{path}[{label or i}]", a, b, problems, counter)
    else:
        counter[0] += 1
        if claimed != recomputed:
            problems.append(f"report.json {path}: the report says {claimed!r}, the records give {recomputed!r}")


def verify_archive(path: Path, hub_key: str | None = None, witness: dict[str, dict[str, Any]] | None = None,
                   spot_checks: dict[str, list[str]] | None = None) -> Verdict:
    """Check everything; raises EvidenceError only when there is nothing to check.

    ``witness``: the witness's entries by board id (None: no witness consulted);
    ``spot_checks``: checkpoint texts by board id.
    """
    verdict = Verdict(attested=witness is not None)
    spot_checks = dict(spot_checks or {})
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise EvidenceError(f"{path}: not a readable zip archive ({exc})") from None
    with zf:
        names = set(zf.namelist())
        if "manifest.json" not in names:
            raise EvidenceError(f"{path}: no manifest.json; is this a classboard evidence archive?")
        body = _read(zf, "manifest.json")
        try:
            manifest = json.loads(body)
        except ValueError:
            raise EvidenceError("manifest.json is not JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise EvidenceError(f"manifest.json: format is not {FORMAT}")
        problems = verdict.problems
        hub_public = manifest.get("hub_public_key", "")
        try:
            verdict.hub_fingerprint = fingerprint(load_public(hub_public))
            signed = "manifest.sig" in names and verify(load_public(hub_public), canonical_bytes(manifest),
                                                       _read(zf, "manifest.sig").decode("ascii", "replace"))
        except (ValueError, TypeError):
            signed = False
        if not signed:
            problems.append("manifest.json: the hub's signature is missing or does not verify")
        if hub_key and hub_public != hub_key.strip():
            problems.append("manifest.json: signed by a different hub key than the one given with --hub-key")
        files: dict[str, str] = manifest.get("files", {})
        for name in sorted(names - set(files) - {"manifest.json", "manifest.sig", "README.txt"}):
            problems.append(f"{name}: inserted — not listed in the manifest")
        for name, want in sorted(files.items()):
            if name not in names:
                problems.append(f"{name}: deleted — listed in the manifest but missing")
                continue
            digest = hashlib.sha256()
            for chunk in _lines(zf, name):
                digest.update(chunk)
            if digest.hexdigest() != want:
                problems.append(f"{name}: altered — its SHA-256 differs from the manifest")
        try:
            inputs = json.loads(_read(zf, "inputs.json"))
            claimed = json.loads(_read(zf, "report.json"))
        except (KeyError, ValueError) as exc:
            problems.append(f"inputs.json/report.json unreadable ({exc}); figures not recomputed")
            inputs = claimed = None
        zone = ZoneInfo((inputs or {}).get("school", {}).get("timezone", "Asia/Shanghai"))
        counts = Counts()
        boards = [b for b in manifest.get("boards", []) if isinstance(b, dict)]
        for board in boards:
            verdict.boards += 1
            verdict.records += _check_board(zf, names, board, inputs, zone, counts, verdict, witness,
                                            spot_checks.pop(board.get("id"), []))
        for bid in sorted(spot_checks):
            problems.append(f"spot check of board {bid}: the archive has no such board — its records are missing")
        if inputs is not None and claimed is not None:
            recomputed = build_report(counts, inputs, claimed.get("title", ""))
            counter = [0]
            _compare("", claimed, recomputed, problems, counter)
            verdict.figures_checked = counter[0]
    return verdict


def _check_board(zf, names, board: dict[str, Any], inputs, zone, counts: Counts, verdict: Verdict,
                 witness: dict[str, dict[str, Any]] | None, spots: list[str]) -> int:
    """One board: its key (witnessed?), its log against every checkpoint, and the size the manifest claims."""
    problems = verdict.problems
    bid = str(board.get("id", "?"))
    name = f"records/{bid}.jsonl"
    if name not in names:
        return 0
    entry = (witness or {}).get(bid)
    key = board_key(bid, board.get("public_key", ""), entry, witness is not None, problems)
    if key is None:
        return 0
    heads = Heads(spot=spots, witness=list((entry or {}).get("checkpoints", [])))
    try:
        heads.archive = json.loads(_read(zf, f"checkpoints/{bid}.json"))
    except (KeyError, ValueError):
        problems.append(f"board {bid}: checkpoints/{bid}.json missing or unreadable")
    result = check_log(bid, _lines(zf, name), key, heads, name)
    problems += result.problems
    verdict.checkpoints_checked += result.checkpoints
    n = len(result.records)
    if isinstance(board.get("size"), int) and board["size"] > n:
        problems.append(f"board {bid}: seq {n + 1}..{board['size']}: deleted — the hub held records up to there")
    if inputs is not None:
        counts.add(result.records, inputs["rules"], zone, inputs)
    return n
