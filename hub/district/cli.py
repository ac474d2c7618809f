"""``classboard hub schools``: the schools of this hub with their counts, for people and scripts."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub


@click.group(name="schools", invoke_without_command=True)
@DATA
@DB_URL
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def schools(ctx: click.Context, data_dir: Path, db_url: str, fmt: str) -> None:
    """List the schools (classes, boards, students); ``schools add`` adds one."""
    ctx.obj = {"data_dir": data_dir, "db_url": db_url}
    if ctx.invoked_subcommand is not None:
        return
    from .schools import school_rows

    open_hub(data_dir, db_url)
    rows = school_rows()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    click.echo(f"{'学校 school':<24}{'名称 name':<24}{'班级':>6}{'班牌':>6}{'学生':>7}")
    for r in rows:
        click.echo(f"{r['id'] or '(默认 default)':<24}{r['name']:<24}{r['classes']:>6}{r['boards']:>6}{r['students']:>7}")


@schools.command(name="add")
@click.argument("school_id")
@click.argument("name")
@click.option("--district", default="", help="The district's name or id.")
@click.pass_obj
def add(obj: dict, school_id: str, name: str, district: str) -> None:
    """Add a school (or rename it): SCHOOL_ID names its MQTT topics, so letters, digits, _ . - only."""
    from .schools import SchoolError, add_school

    open_hub(obj["data_dir"], obj["db_url"])
    try:
        add_school(school_id, name, district)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"school {school_id} ({name}) saved")


def run_district_import(source: Path, dry_run: bool, grade_names: Path | None) -> None:
    """``hub import oneroster`` on a district set: every school planned, shown, and stored together or not at all."""
    from ..importers.errors import ImportRejected
    from .oneroster import apply_district, format_district, read_district

    try:
        names = json.loads(grade_names.read_text(encoding="utf-8")) if grade_names else None
    except ValueError as exc:
        raise click.ClickException(f"{grade_names}: {exc}") from None
    if names is not None and not (isinstance(names, dict) and all(isinstance(v, str) for v in names.values())):
        raise click.ClickException(f"{grade_names}: a JSON object of grade code → name")
    try:
        district = read_district(source, names)
        click.echo(format_district(district))
        if not dry_run:
            apply_district(district)
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    click.echo("dry run: nothing was changed" if dry_run else f"imported {source.name}: "
               f"{len(district.schools)} schools")
