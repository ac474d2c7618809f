"""A school's evidence archive, uploaded to the district and checked there against the district's witness.

The school exports its archive (``classboard hub export-evidence``) and uploads
it on the district page. The district does not take the school's word: the
archive is checked as ``classboard verify-evidence --witness`` would, with the
keys and checkpoints the district's own witness holds (``hub serve --witness``),
and also that the archive is this school's and that the witness took each board
for this school. The verdict (verified, or every problem) is kept per school and
shown on the district page.

The body is read from the request stream in chunks straight to a file (hashed
on the way), never held in memory; the page shows the upload's progress.
"""
from __future__ import annotations

import json
import logging
import threading
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from ..models import SchoolData, database
from ..uploads import UploadRefused, receive_zip
from ..tenancy import acting_for, data_key

log = logging.getLogger(__name__)
MAX_ARCHIVE_BYTES = 1 << 30  # a large school's whole logs for a year: ~40 boards × 50,000 records is ~50 MB
KEY = "evidence.check"
MAX_PROBLEMS_KEPT = 500  # the page lists these; the count says how many there were in all


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_dir(data_dir: Path, school: str) -> Path:
    return Path(data_dir) / "evidence" / (school or "_default")


def take_upload(data_dir: Path, school: str, stream: IO[bytes], length: int | None) -> dict[str, Any]:
    """Write the body to the school's folder as ``<sha256>.zip`` (hub/uploads.py)."""
    try:
        got = receive_zip(stream, length, archive_dir(data_dir, school), MAX_ARCHIVE_BYTES)
    except UploadRefused as exc:
        if "zip" in str(exc):
            raise UploadRefused(f"{exc} (export it with classboard hub export-evidence)") from None
        raise
    return {"file": got.path.name, "sha256": got.sha256, "bytes": got.bytes}


def verdict_of(school: str) -> dict[str, Any] | None:
    row = SchoolData.get_or_none(SchoolData.key == data_key(KEY, school))
    return json.loads(row.value) if row else None


def verdicts(schools: list[str]) -> dict[str, dict[str, Any]]:
    """Every listed school's last verdict, in one query (the district page's column)."""
    keys = {data_key(KEY, s): s for s in schools}
    rows = SchoolData.select(SchoolData.key, SchoolData.value).where(SchoolData.key.in_(list(keys)))
    return {keys[r.key]: json.loads(r.value) for r in rows}


def _keep(school: str, verdict: dict[str, Any]) -> None:
    SchoolData.upsert(key=data_key(KEY, school), value=json.dumps(verdict, ensure_ascii=False), version=1)


def check(path: Path, school: str, school_id: str, witness_url: str) -> dict[str, Any]:
    """Verify as ``verify-evidence --witness`` does, plus: the archive is this school's, and the witness holds
    every board as this school's. Without a witness the keys rest on the school hub's word: said, not passed."""
    from ..evidence.sources import SourceError, load_witness
    from ..evidence.verify import EvidenceError, verify_archive

    result: dict[str, Any] = {"checked_at": _now(), "attested": False, "problems": []}
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
        ids = [b.get("id") for b in manifest.get("boards", []) if isinstance(b.get("id"), str)]
        entries = load_witness(witness_url, ids) if witness_url else None
        verdict = verify_archive(path, None, entries, None)
    except (EvidenceError, SourceError, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        result.update(state="unreadable", ok=False, problems=[str(exc)[:1000]], problem_count=1)
        return result
    problems = list(verdict.problems)
    named = (manifest.get("school") or {}).get("id")
    if named != school_id:
        problems.insert(0, f"证据包属于学校 {named!r}，不是本校 {school_id!r} / the archive is school {named!r}'s")
    for board_id, entry in (entries or {}).items():
        if entry.get("school") != school_id:
            problems.append(f"见证服务登记班牌 {board_id} 属于 {entry.get('school')!r} / the witness holds board "
                            f"{board_id} for another school")
    period = manifest.get("period") or {}
    result.update(state="done", ok=not problems, attested=verdict.attested, boards=verdict.boards,
                  records=verdict.records, checkpoints_checked=verdict.checkpoints_checked,
                  figures_checked=verdict.figures_checked, hub_fingerprint=verdict.hub_fingerprint,
                  period=period.get("name") or f"{period.get('from', '')}–{period.get('to', '')}",
                  problems=problems[:MAX_PROBLEMS_KEPT], problem_count=len(problems))
    return result


def start_check(app, school: str, upload: dict[str, Any]) -> None:
    """Keep "verifying" at once, then verify in a thread (a big archive takes a while) and keep the verdict."""
    from ..bundles import school_id

    with acting_for(school):
        own_id = school_id()
    _keep(school, dict(upload, state="verifying", uploaded_at=_now()))
    config = app.config["HUB"]

    def run() -> None:
        with app.app_context(), acting_for(school):
            try:
                result = check(archive_dir(config.data_dir, school) / upload["file"], school, own_id,
                               config.witness_url)
            except Exception as exc:  # noqa: BLE001 - a bug must still end "verifying" with a reason
                log.exception("evidence check of %s failed", upload["file"])
                result = {"state": "unreadable", "ok": False, "problems": [f"核验出错 check failed: {exc}"],
                          "problem_count": 1, "checked_at": _now()}
            _keep(school, dict(upload, uploaded_at=verdict_of(school).get("uploaded_at"), **result))
            database.close()  # this thread's own connection

    threading.Thread(target=run, name=f"evidence-{school or 'default'}", daemon=True).start()


def label(verdict: dict[str, Any] | None) -> str:
    """The district page's cell: never "verified" for keys only the school's hub vouches for."""
    if not verdict:
        return ""
    if verdict.get("state") == "verifying":
        return "核验中 verifying"
    if not verdict.get("ok"):
        return f"{verdict.get('problem_count', 0)} 处问题 problems"
    if not verdict.get("attested"):
        return "数据一致，密钥未经见证 consistent, keys not attested"
    return f"已核验 verified ({verdict.get('period', '')})"
