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
@click.option("--school", default="", help="On a district hub: the school whose evidence to write.")
def export_evidence(data_dir: Path, db_url: str, term: str | None, start: str | None, end: str | None,
                    out: Path, school: str) -> None:
    """Write the boards' logs and checkpoints, their keys and the report into one archive anyone can check."""
    from ..cli import _known_school
    from ..tenancy import acting_for

    app = open_hub(data_dir, db_url)
    _known_school(school)
    with acting_for(school):
        _export(app, term, start, end, out, school)


def _export(app, term: str | None, start: str | None, end: str | None, out: Path, school: str) -> None:
    from ..models import Board, BoardCheckpoint
    from ..report.service import make_report, report_inputs
    from ..report.source import wire_records
    from .archive import export_evidence as write

    try:
        inputs = report_inputs(term, start, end)
        report = make_report(inputs=inputs)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    boards = [{"id": b.id, "public_key": b.public_key, "class_id": b.class_id, "room_id": b.room_id}
              for b in Board.select().where(Board.school == school).order_by(Board.id)]
    def checkpoints_of(board_id: str) -> list[str]:
        return [row.text for row in BoardCheckpoint.select(BoardCheckpoint.text).where(
            BoardCheckpoint.board_id == board_id).order_by(BoardCheckpoint.size, BoardCheckpoint.id)]

    manifest = write(out, app.config["HUB_KEY"], inputs, report, boards, wire_records, checkpoints_of)
    total = sum(b["records"] for b in manifest["boards"])
    click.echo(f"wrote {out}: {len(boards)} boards, {total} records, hub key {manifest['hub_fingerprint']}")


UNATTESTED = ("keys not independently attested: no witness was consulted, so the boards' keys are only the "
              "hub's word (give --witness FILE|URL, or --allow-unattested to accept that)")


def verify_options(command):
    """The options of ``classboard verify-evidence`` (the console script adds the QR reader for photos)."""
    for option in reversed([
        click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--hub-key", help="The hub's public key you expect (from the school), to pin who issued it."),
        click.option("--witness", help="The witness's URL, or a file it exported: vouches for the boards' keys and "
                                       "holds the checkpoints it was sent."),
        click.option("--spot-check", "spot_checks", multiple=True, type=click.Path(exists=True, dir_okay=False,
                                                                                     path_type=Path),
                     help="A checkpoint taken at a board (text, or a PNG/JPEG photo of its QR code); repeatable."),
        click.option("--allow-unattested", is_flag=True, help="Accept boards' keys on the hub's word alone."),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable verdict."),
    ]):
        command = option(command)
    return command


def run_verify(archive: Path, hub_key: str | None, witness: str | None, spot_checks: tuple[Path, ...],
               allow_unattested: bool, as_json: bool, photo_reader=None) -> None:
    """Check an archive and report; exit 1 on any problem, 2 when keys are unattested and not allowed."""
    from .sources import SourceError, load_witness, spot_checks_by_board
    from .verify import EvidenceError, verify_archive

    try:
        spots = spot_checks_by_board(list(spot_checks), photo_reader)
        entries = None
        if witness:
            import zipfile
            with zipfile.ZipFile(archive) as zf:
                ids = [b.get("id") for b in json.loads(zf.read("manifest.json")).get("boards", [])]
            entries = load_witness(witness, [i for i in ids if isinstance(i, str)])
        verdict = verify_archive(archive, hub_key, entries, spots)
    except (EvidenceError, SourceError) as exc:
        raise click.ClickException(str(exc)) from None
    except (KeyError, ValueError, OSError) as exc:  # zipfile/manifest trouble before verify_archive names it
        raise click.ClickException(f"{archive}: {exc}") from None
    if as_json:
        click.echo(json.dumps(verdict.as_json(), ensure_ascii=False, indent=2))
    else:
        for problem in verdict.problems:
            click.echo(f"MISMATCH {problem}")
        state = "OK" if verdict.ok else f"FAILED: {len(verdict.problems)} problems"
        click.echo(f"{state} — {verdict.boards} boards, {verdict.records} records, {verdict.checkpoints_checked} "
                   f"checkpoints, {verdict.figures_checked} figures recomputed; issued by hub key "
                   f"{verdict.hub_fingerprint}; keys {'attested by the witness' if verdict.attested else 'NOT attested'}")
    if not verdict.ok:
        raise SystemExit(1)
    if not verdict.attested and not allow_unattested:
        if not as_json:  # the JSON verdict says "attested": false
            click.echo(UNATTESTED, err=True)
        raise SystemExit(2)


@click.command("verify-evidence")
@verify_options
def verify_evidence(archive: Path, hub_key: str | None, witness: str | None, spot_checks: tuple[Path, ...],
                    allow_unattested: bool, as_json: bool) -> None:
    """Check an evidence archive without the hub: every log and checkpoint, the keys, and the report's figures."""
    run_verify(archive, hub_key, witness, spot_checks, allow_unattested, as_json)
