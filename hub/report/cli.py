"""``classboard hub report``: the normal-use report as HTML, CSV, JSON or PDF."""
from __future__ import annotations

from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub


@click.command()
@DATA
@DB_URL
@click.option("--term", help="A term id from the school calendar.")
@click.option("--from", "start", help="First day (YYYY-MM-DD), with --to.")
@click.option("--to", "end", help="Last day (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json", "pdf"]), default="html", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: standard output).")
def report(data_dir: Path, db_url: str, term: str | None, start: str | None, end: str | None, fmt: str,
           out: Path | None) -> None:
    """Which classes took part, per week and per term, for each observation point."""
    from .render import render
    from .service import make_report

    open_hub(data_dir, db_url)
    try:
        figures = make_report(term, start, end)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    data = render(figures, fmt)
    if out:
        out.write_bytes(data)
        click.echo(f"wrote {out} ({len(data)} bytes)", err=True)
    elif fmt == "pdf":
        raise click.ClickException("a PDF needs --out FILE")
    else:
        click.echo(data.decode("utf-8"), nl=False)
