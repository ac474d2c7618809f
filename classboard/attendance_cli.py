"""``classboard attendance`` and ``classboard cards``: marker-card tools for teachers and IT staff."""
from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import click

ROSTER_COLUMNS = ("student_id", "name", "class_id", "marker_id")


def read_roster(path: Path) -> list[dict[str, str]]:
    """ROSTER.csv with the columns student_id,name,class_id,marker_id (UTF-8, BOM allowed)."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise click.ClickException(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    rows, markers = [], {}
    for line, row in enumerate(reader, start=2):
        raw = (row.get("marker_id") or "").strip()
        if not raw.isdigit() or not 0 <= int(raw) <= 999:
            raise click.ClickException(f"{path}: line {line}: marker_id: {raw!r} is not a number from 0 to 999")
        if raw in markers:
            raise click.ClickException(f"{path}: line {line}: marker_id: {raw} is also used on line {markers[raw]}")
        markers[raw] = line
        rows.append({k: (row.get(k) or "").strip() for k in ROSTER_COLUMNS})
    return rows


@click.group()
def attendance() -> None:
    """Attendance tools (scan marker-card photos)."""


@attendance.command()
@click.argument("photos", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON document for all photos.")
def scan(photos: tuple[Path, ...], roster: Path, as_json: bool) -> None:
    """Who is present in each class photo of held-up marker cards."""
    import cv2

    from drivers.vision.markers import detect_markers
    from edge.checkin import match_markers

    students = read_roster(roster)
    by_marker = {int(s["marker_id"]): s["student_id"] for s in students}
    results = []
    for photo in photos:
        image = cv2.imread(str(photo))
        if image is None:
            raise click.ClickException(f"{photo}: not an image OpenCV can read")
        start = time.perf_counter()
        hits = detect_markers(image)
        elapsed_ms = (time.perf_counter() - start) * 1000
        match = match_markers((h.marker_id for h in hits), by_marker)
        results.append({"photo": str(photo), "present": match.present, "unknown_markers": match.unknown_markers,
                         "ms": round(elapsed_ms, 1)})
    if as_json:
        click.echo(json.dumps({"photos": results}, ensure_ascii=False, indent=2))
        return
    names = {s["student_id"]: s["name"] for s in students}
    for r in results:
        click.echo(f"{r['photo']}: {len(r['present'])}/{len(students)} present ({r['ms']} ms)")
        click.echo("  " + "、".join(names[sid] for sid in r["present"]))
        if r["unknown_markers"]:
            click.echo(f"  markers not on the roster: {r['unknown_markers']}")


@click.group()
def cards() -> None:
    """Print students' marker cards as an A4 PDF."""


@cards.command(name="print")
@click.option("--class", "class_id", required=True, help="The class whose cards to print.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="ROSTER.csv; without it, the board's own roster is used.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="PDF file (default: cards-CLASS.pdf)")
def print_cards(class_id: str, roster: Path | None, out: Path | None) -> None:
    """Write an A4 PDF of cut-out cards: marker, QR, name and class."""
    from edge.cards import CardStudent, render_cards_pdf

    if roster is not None:
        students = [CardStudent(s["student_id"], s["name"], s["class_id"], int(s["marker_id"]))
                    for s in read_roster(roster) if s["class_id"] == class_id]
        class_name = class_id
    else:
        from classboard.board_cli import open_board
        from edge.store import models as m

        board = open_board(None)
        group = m.ClassGroup.get_or_none(m.ClassGroup.id == class_id)
        if group is None:
            raise click.ClickException(f"class {class_id} is not in this board's roster")
        class_name = group.name
        students = [CardStudent(s.id, s.name, class_name, s.marker_id) for s in group.students
                    if s.marker_id is not None]
    if not students:
        raise click.ClickException(f"no students with a marker in class {class_id}")
    out = out or Path(f"cards-{class_id}.pdf")
    pages = render_cards_pdf(students, out, title=class_name)
    click.echo(f"wrote {len(students)} cards on {pages} page(s) to {out}")
