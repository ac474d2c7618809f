"""``classboard hub import``: bring the school's roster and timetables into the hub from the shell."""
from __future__ import annotations

from pathlib import Path

import click

from hub.cli import DATA, DB_URL, open_hub


def _run(kind: str, source: Path, class_id: str | None, dry_run: bool, data_dir: Path, db_url: str) -> None:
    from . import read_any
    from .apply import format_plan, is_noop, run
    from .errors import ImportRejected

    open_hub(data_dir, db_url)
    try:
        result = read_any(kind, source, class_id)
        counts = run(result, dry_run)
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    click.echo(format_plan(counts, result.notes))
    if dry_run:
        click.echo("dry run: nothing was changed")
    elif is_noop(counts):
        click.echo("nothing to change: the hub already has this data")
    else:
        click.echo(f"imported {result.source}")


@click.group(name="import")
def import_group() -> None:
    """Import the school's roster (OneRoster 1.2) and timetables (CSV or CSES) into the hub."""


@import_group.command()
@DATA
@DB_URL
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--grade-names", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="District sets: a JSON object mapping grade codes to names (default CEDS 01…12 → 一年级…高三).")
def oneroster(data_dir: Path, db_url: str, source: Path, dry_run: bool, grade_names: Path | None) -> None:
    """Import school, terms, homeroom classes, teachers and students from a OneRoster 1.2 folder or .zip.

    A district's set (several schools in orgs.csv) creates or updates every school at once.
    """
    from hub.district.cli import run_district_import
    from hub.district.oneroster import is_district_set

    open_hub(data_dir, db_url)
    if is_district_set(source):
        run_district_import(source, dry_run, grade_names)
        return
    _run("oneroster", source, None, dry_run, data_dir, db_url)


@import_group.command()
@DATA
@DB_URL
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--class", "class_id", default=None, help="The class a CSES (.yaml) file is for.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def timetable(data_dir: Path, db_url: str, source: Path, class_id: str | None, dry_run: bool) -> None:
    """Import lessons from the timetable CSV (see docs/import.md) or one class's CSES .yaml file."""
    _run("timetable", source, class_id, dry_run, data_dir, db_url)
