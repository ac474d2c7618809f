"""``classboard hub export-evidence`` and ``classboard verify-evidence``."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub


@click.command("export-evidence")
@DATA
@DB_URL
@click.option("--term", help="A term id from the school calendar.")
@click.option("--from", "start", help="First day (YYYY-MM-DD), with --to.")
@click.option("--to", "end", help="Last day (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Archive to write (.zip).")
def export_evidence(data_dir: Path, db_url: str, term: str | None, start: str | None, end: str | None,
                    out: Path) -> None:
    """Write the signed records, the boards' keys and the report into one archive anyone can check."""
    from ..models import Board
    from ..report.service import make_report, report_inputs
    from ..report.source import wire_records
    from .archive import export_evidence as write

    app = open_hub(data_dir, db_url)
    try:
        inputs = report_inputs(term, start, end)
        report = make_report(inputs=inputs)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    boards = [{"id": b.id, "public_key": b.public_key, "class_id": b.class_id, "room_id": b.room_id}
              for b in Board.select().order_by(Board.id)]
    manifest = write(out, app.config["HUB_KEY"], inputs, report, boards, wire_records)
    total = sum(b["records"] for b in manifest["boards"])
    click.echo(f"wrote {out}: {len(boards)} boards, {total} records, hub key {manifest['hub_fingerprint']}")


@click.command("verify-evidence")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--hub-key", help="The hub's public key you expect (from the school), to pin who issued the archive.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable verdict.")
def verify_evidence(archive: Path, hub_key: str | None, as_json: bool) -> None:
    """Check an evidence archive without the hub: every signature and chain, and the report's figures."""
    from .verify import EvidenceError, verify_archive

    try:
        verdict = verify_archive(archive, hub_key)
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"ok": verdict.ok, "boards": verdict.boards, "records": verdict.records,
                               "figures_checked": verdict.figures_checked, "hub_fingerprint": verdict.hub_fingerprint,
                               "problems": verdict.problems}, ensure_ascii=False, indent=2))
    else:
        for problem in verdict.problems:
            click.echo(f"MISMATCH {problem}")
        state = "OK" if verdict.ok else f"FAILED: {len(verdict.problems)} problems"
        click.echo(f"{state} — {verdict.boards} boards, {verdict.records} records, {verdict.figures_checked} "
                   f"figures recomputed; issued by hub key {verdict.hub_fingerprint}")
    if not verdict.ok:
        raise SystemExit(1)
