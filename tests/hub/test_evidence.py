"""Evidence a sceptic can check: export, then find every deleted, altered or inserted record and every
inflated figure, with nothing but the archive (attacks by the hub's own operator: tests/hub/test_evidence_attacks.py)."""
from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner

from protocol.canonical import canonical_bytes
from protocol.keys import generate_keypair, sign
from protocol.records import leaf_bytes, uuid7
from tests.hub.usage import END, START, school_with_classes, term_of_use
from tests.hub.conftest import hub_args


@pytest.fixture
def archive(hub_app, tmp_path):
    from hub.cli import hub
    from hub.school import replace_school

    replace_school(school_with_classes())
    term_of_use()
    out = tmp_path / "evidence.zip"
    result = CliRunner().invoke(hub, ["export-evidence", *hub_args(hub_app),
                                      "--from", START.isoformat(), "--to", END.isoformat(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 boards" in result.output
    return out


def verify(path, *args):
    from classboard.cli import cli as main

    result = CliRunner().invoke(main, ["verify-evidence", str(path), "--json", *args])
    return result.exit_code, json.loads(result.output)


def rewrite(src, dst, *, records=None, checkpoints=None, report=None, manifest=None, hub_key=None):
    """Copy the archive with changes; with ``hub_key`` the forger also fixes the manifest and re-signs it.

    ``records`` and ``checkpoints`` map a board id to an edit of its list of records or checkpoint texts.
    """
    with zipfile.ZipFile(src) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    for board_id, edit in (records or {}).items():
        name = f"records/{board_id}.jsonl"
        lines = [json.loads(x) for x in members[name].splitlines()]
        members[name] = b"".join(leaf_bytes(r) + b"\n" for r in edit(lines))  # canonical, as a careful forger writes
    for board_id, edit in (checkpoints or {}).items():
        name = f"checkpoints/{board_id}.json"
        members[name] = json.dumps(edit(json.loads(members[name]))).encode()
    if report:
        claimed = json.loads(members["report.json"])
        report(claimed)
        members["report.json"] = json.dumps(claimed, ensure_ascii=False).encode()
    if hub_key is not None:
        import hashlib
        m = json.loads(members["manifest.json"])
        m["files"] = {n: hashlib.sha256(members[n]).hexdigest() for n in m["files"]}
        if manifest:
            manifest(m)
        members["manifest.json"] = canonical_bytes(m)
        members["manifest.sig"] = sign(hub_key, members["manifest.json"]).encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for name, body in members.items():
            zout.writestr(name, body)
    return dst


def test_an_honest_archive_verifies_and_recomputes_every_figure(archive):
    code, verdict = verify(archive, "--allow-unattested")
    assert code == 0 and verdict["ok"] and verdict["problems"] == [] and not verdict["attested"]
    assert verdict["checkpoints_checked"] >= 4
    from hub.models import UsageRecord
    assert verdict["boards"] == 4 and verdict["records"] == UsageRecord.select().count()
    assert verdict["figures_checked"] > 300
    with zipfile.ZipFile(archive) as zf:
        assert {"manifest.json", "manifest.sig", "inputs.json", "report.json", "README.txt",
                "records/cb-c101.jsonl", "checkpoints/cb-c101.json"} <= set(zf.namelist())


def test_without_a_witness_the_keys_are_not_attested(archive):
    from classboard.cli import cli as main

    result = CliRunner().invoke(main, ["verify-evidence", str(archive)])
    assert result.exit_code == 2 and "keys not independently attested" in result.output


def hub_key_of(hub_app):
    return hub_app.config["HUB_KEY"]


@pytest.mark.parametrize("resign", [False, True], ids=["careless", "hub-operator-re-signs"])
def test_deleted_altered_and_inserted_records_are_each_named(archive, hub_app, tmp_path, resign):
    key = hub_key_of(hub_app) if resign else None

    def delete_fifth(lines):
        return lines[:4] + lines[5:]

    def alter_sixth(lines):
        lines[5]["class_id"] = "C103"  # move a session to another class
        return lines

    def insert_forged(lines):
        fake = dict(lines[2], id=uuid7())
        return lines[:2] + [fake] + lines[2:]

    changed = rewrite(archive, tmp_path / "changed.zip", hub_key=key,
                      records={"cb-c101": delete_fifth, "cb-c102": alter_sixth, "cb-c104": insert_forged})
    code, verdict = verify(changed, "--allow-unattested")
    problems = "\n".join(verdict["problems"])
    assert code == 1 and not verdict["ok"]
    assert "board cb-c101: line 5 holds seq 6: records are missing, inserted or reordered" in problems
    assert "board cb-c101: seq 12..12: deleted — the archive's checkpoint" in problems
    for board in ("cb-c102", "cb-c104"):
        assert f"board {board}: the records differ from the log the board signed" in problems
    assert "board cb-c103" not in problems
    assert "board cb-c104: line 4 holds seq 3" in problems
    assert ("records/cb-c101.jsonl: altered — its SHA-256 differs" in problems) is not resign
    assert ("hub's signature" in problems) is False


def test_records_cut_from_the_end_are_found(archive, hub_app, tmp_path):
    cut = rewrite(archive, tmp_path / "cut.zip", hub_key=hub_key_of(hub_app),
                  records={"cb-c104": lambda lines: lines[:2]})
    code, verdict = verify(cut, "--allow-unattested")
    assert code == 1 and any("board cb-c104: seq 3..4: deleted — the archive's checkpoint" in p
                             for p in verdict["problems"])


def test_an_inflated_figure_is_named(archive, hub_app, tmp_path):
    def inflate(report):
        week = next(w for w in report["points"]["2.1.10"]["units"]["class"]["weeks"] if w["week"] == "2026-W42")
        week.update(units=3, level="普及化")

    inflated = rewrite(archive, tmp_path / "inflated.zip", hub_key=hub_key_of(hub_app), report=inflate)
    code, verdict = verify(inflated, "--allow-unattested")
    assert code == 1
    assert ("report.json points.2.1.10.units.class.weeks[2026-W42].units: the report says 3, the records give 1"
            in verdict["problems"])
    assert any("weeks[2026-W42].level" in p for p in verdict["problems"])
    # a forger without the hub's key cannot even re-sign the manifest
    unsigned = rewrite(archive, tmp_path / "unsigned.zip", hub_key=generate_keypair(), report=inflate)
    code, verdict = verify(unsigned)
    assert any("hub's signature is missing or does not verify" in p for p in verdict["problems"])


def test_pinned_hub_key_and_unreadable_archives(archive, hub_app, tmp_path):
    from protocol.keys import public_text

    assert verify(archive, "--allow-unattested", "--hub-key", public_text(hub_key_of(hub_app)))[0] == 0
    code, verdict = verify(archive, "--hub-key", public_text(generate_keypair()))
    assert code == 1 and any("different hub key" in p for p in verdict["problems"])
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    from classboard.cli import cli as main
    result = CliRunner().invoke(main, ["verify-evidence", str(junk)])
    assert result.exit_code != 0 and "not a readable zip archive" in result.output
