"""Checking an evidence archive with nothing but the archive: signatures, chains, files and figures.

Every problem is named: which board, which sequence number, which file, which
figure. The figures are recomputed with the same counting code the hub uses
(``hub.report.compute``, plain Python, no database), from the records alone.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from protocol.canonical import canonical_bytes
from protocol.keys import fingerprint, load_public, verify
from protocol.records import verify_chain

from ..report.compute import Counts, build_report
from .archive import FORMAT

MAX_MEMBER_BYTES = 4 << 30  # a term of one board is tens of MB; refuse absurd members before reading them


@dataclass
class Verdict:
    boards: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)
    hub_fingerprint: str = ""
    figures_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class EvidenceError(ValueError):
    """The archive cannot be read at all (not a zip, no manifest, wrong format)."""


def _lines(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with zf.open(name) as member:
        yield from member


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


def verify_archive(path: Path, hub_key: str | None = None) -> Verdict:
    """Check everything; raises EvidenceError only when there is nothing to check."""
    verdict = Verdict()
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
        for board in manifest.get("boards", []):
            verdict.boards += 1
            verdict.records += _check_board(zf, names, board, inputs, zone, counts, problems)
        if inputs is not None and claimed is not None:
            recomputed = build_report(counts, inputs, claimed.get("title", ""))
            counter = [0]
            _compare("", claimed, recomputed, problems, counter)
            verdict.figures_checked = counter[0]
    return verdict


def _check_board(zf, names, board: dict[str, Any], inputs, zone, counts: Counts, problems: list[str]) -> int:
    """One board's chain: every signature, every link, and the end the hub said it held."""
    bid = board.get("id", "?")
    name = f"records/{bid}.jsonl"
    if name not in names:
        return 0
    try:
        key = load_public(board["public_key"])
    except (KeyError, ValueError, TypeError):
        problems.append(f"board {bid}: public key missing or unreadable; its records cannot be checked")
        return 0
    records = []
    for lineno, line in enumerate(_lines(zf, name), 1):
        try:
            rec = json.loads(line)
        except ValueError:
            problems.append(f"{name}:{lineno}: not a JSON record")
            continue
        if isinstance(rec, dict) and rec.get("board_id") != bid:
            problems.append(f"{name}:{lineno}: record of board {rec.get('board_id')!r} in board {bid}'s file")
        records.append(rec)
    chain = verify_chain(records, key)
    problems += [f"board {bid}: {p}" for p in chain.problems]
    seqs = [r.get("seq", 0) for r in records if isinstance(r, dict)]
    if board.get("last_seq") and (not seqs or max(seqs) < board["last_seq"]):
        problems.append(f"board {bid}: seq {max(seqs, default=0) + 1}..{board['last_seq']}: deleted — the hub "
                        "held records up to there")
    if inputs is not None:
        counts.add((r for r in records if isinstance(r, dict) and "at" in r and "kind" in r), inputs["rules"], zone,
                   inputs)
    return len(records)
