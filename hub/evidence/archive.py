"""Writing the evidence archive: every board's log, the checkpoints it signed, its key, and the report.

Layout of the zip (``classboard.evidence/2``)::

    manifest.json      school, period, hub key, boards (key, log size and root), sha256 of every other file
    manifest.sig       the hub's Ed25519 signature over the canonical bytes of manifest.json
    inputs.json        what the figures depend on besides records: rules, classes, calendar, period
    report.json        the figures the hub reported
    records/<board>.jsonl      each board's records in seq order, one per line: exactly the canonical bytes
                               of its Merkle leaf (protocol/records.py), so a line's hash is its leaf hash
    checkpoints/<board>.json   every checkpoint the board signed and the hub received, as signed text
    README.txt         how to check it

Whole logs are exported, not just the period's records: a checkpoint covers a
log from its first record.
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
from protocol.merkle import Frontier
from protocol.records import format_time, leaf_bytes

FORMAT = "classboard.evidence/2"
README = """classboard 常态化应用证据包 / normal-use evidence archive ({format})

校验方法 / To check it, without the hub:
    classboard verify-evidence {name}

    classboard verify-evidence {name} --witness <区见证服务 URL 或导出文件> [--spot-check 班牌二维码照片 ...]

校验内容：每块班牌的记录是否构成其签名检查点所指的 Merkle 日志（删除、篡改、插入、调序都会被发现），
检查点与见证服务、现场抽查是否一致，班牌公钥是否由见证服务登记，各文件的 SHA-256，
以及由记录重新计算的报告数字是否与 report.json 一致。
It checks that each board's records form exactly the Merkle log its signed
checkpoints name (a deleted, altered, inserted or reordered record is found),
that the log agrees with the checkpoints the witness and any on-site spot checks
hold, that the witness registered each board's key, each file's SHA-256, and
recomputes the report's figures from the records, naming every figure that
differs from report.json.
"""


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def export_evidence(path: Path, hub_key: Ed25519PrivateKey, inputs: dict[str, Any], report: dict[str, Any],
                    boards: list[dict[str, Any]], records_of: Callable[[str], Any],
                    checkpoints_of: Callable[[str], list[str]]) -> dict[str, Any]:
    """Write the archive; ``boards`` are ``{id, public_key, class_id, room_id}``, ``records_of(id)`` yields
    records in seq order, ``checkpoints_of(id)`` the board's signed checkpoint texts.

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
            name, digest, log = f"records/{board['id']}.jsonl", hashlib.sha256(), Frontier()
            with zf.open(name, "w", force_zip64=True) as out:
                for rec in records_of(board["id"]):
                    line = leaf_bytes(rec) + b"\n"
                    out.write(line)
                    digest.update(line)
                    log.append(bytes.fromhex(rec["hash"]))
            files[name] = digest.hexdigest()
            heads = _json(list(checkpoints_of(board["id"])))
            zf.writestr(f"checkpoints/{board['id']}.json", heads)
            files[f"checkpoints/{board['id']}.json"] = hashlib.sha256(heads).hexdigest()
            board_entries.append({"id": board["id"], "public_key": board["public_key"],
                                  "fingerprint": fingerprint(load_public(board["public_key"])),
                                  "class_id": board.get("class_id"), "room_id": board.get("room_id"),
                                  "records": log.size, "size": log.size, "root": log.root().hex()})
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
