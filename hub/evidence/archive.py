"""Writing the evidence archive: every board's signed records, its key, and the report made from them.

Layout of the zip (``classboard.evidence/1``)::

    manifest.json      school, period, hub key, boards (key, last seq and hash), sha256 of every other file
    manifest.sig       the hub's Ed25519 signature over the canonical bytes of manifest.json
    inputs.json        what the figures depend on besides records: rules, classes, calendar, period
    report.json        the figures the hub reported
    records/<board>.jsonl  each board's records in seq order, one signed wire-form record per line
    README.txt         how to check it

Whole chains are exported, not just the period's records: a chain can only
be checked from its first record.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.canonical import canonical_bytes
from protocol.keys import fingerprint, load_public, public_text, sign
from protocol.records import format_time

FORMAT = "classboard.evidence/1"
README = """classboard 常态化应用证据包 / normal-use evidence archive ({format})

校验方法 / To check it, without the hub:
    classboard verify-evidence {name}

校验内容：每条记录的签名与哈希链（删除、篡改、插入都会被发现），各文件的 SHA-256，
以及由记录重新计算的报告数字是否与 report.json 一致。
It checks every record's signature and hash chain (a deleted, altered or inserted
record is found), each file's SHA-256, and recomputes the report's figures from
the records, naming every figure that differs from report.json.
"""


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def export_evidence(path: Path, hub_key: Ed25519PrivateKey, inputs: dict[str, Any], report: dict[str, Any],
                    boards: list[dict[str, Any]], records_of: Callable[[str], Any]) -> dict[str, Any]:
    """Write the archive; ``boards`` are ``{id, public_key, class_id, room_id}``, ``records_of(id)`` yields records.

    Returns the manifest. Written to a temporary name and renamed, so a failed
    export never leaves a half archive under the final name.
    """
    tmp = path.with_name(path.name + ".part")
    files: dict[str, str] = {}
    board_entries = []
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, body in (("inputs.json", _json(inputs)), ("report.json", _json(report))):
            zf.writestr(name, body)
            files[name] = hashlib.sha256(body).hexdigest()
        for board in sorted(boards, key=lambda b: b["id"]):
            name, digest, count, last_seq, last_hash = f"records/{board['id']}.jsonl", hashlib.sha256(), 0, 0, None
            with zf.open(name, "w", force_zip64=True) as out:
                for rec in records_of(board["id"]):
                    line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
                    out.write(line)
                    digest.update(line)
                    count, last_seq, last_hash = count + 1, rec["seq"], rec["hash"]
            files[name] = digest.hexdigest()
            board_entries.append({"id": board["id"], "public_key": board["public_key"],
                                  "fingerprint": fingerprint(load_public(board["public_key"])),
                                  "class_id": board.get("class_id"), "room_id": board.get("room_id"),
                                  "records": count, "last_seq": last_seq, "last_hash": last_hash})
        manifest = {"format": FORMAT, "created_at": format_time(datetime.now(timezone.utc)),
                    "hub_public_key": public_text(hub_key), "hub_fingerprint": fingerprint(hub_key),
                    "school": inputs["school"], "period": {"from": inputs["from"], "to": inputs["to"],
                                                           "name": inputs["period"]},
                    "boards": board_entries, "files": files}
        body = canonical_bytes(manifest)
        zf.writestr("manifest.json", body)
        zf.writestr("manifest.sig", sign(hub_key, body))
        zf.writestr("README.txt", README.format(format=FORMAT, name=path.name))
    tmp.replace(path)
    return manifest
