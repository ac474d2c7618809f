"""``classboard hub report``: the normal-use report as HTML, CSV, JSON or PDF."""
from __future__ import annotations

from datetime import date
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
@click.option("--as-of", "as_of", help="The day the report is made for (YYYY-MM-DD; default today): later weeks are 未到.")
def report(data_dir: Path, db_url: str, term: str | None, start: str | None, end: str | None, fmt: str,
           out: Path | None, as_of: str | None) -> None:
    """Which classes, teachers and subjects took part, per week, term and school year, for each observation point."""
    from .render import render
    from .service import make_report

    open_hub(data_dir, db_url)
    try:
        day = date.fromisoformat(as_of) if as_of else None
        figures = make_report(term, start, end, as_of=day)
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


@click.command()
@DATA
@DB_URL
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(data_dir: Path, db_url: str, fmt: str) -> None:
    """The rules in force: per point the quoted clause, units, what counts, and the school's policy (学校自定口径)."""
    import json

    from ..bundles import school_content
    from .rules import RulesError, load_rules, rules_document

    open_hub(data_dir, db_url)
    try:
        doc = rules_document(load_rules(school_content().get("settings", {}).get("report_rules")))
    except RulesError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(f"{doc['source']}  policy_sha256 {doc['policy_sha256']}")
    for p in doc["points"]:
        click.echo(f"\n{p['id']} {p['title']}\n  原文: {p['clause']}\n  适用: {'、'.join(p['applies'])}；"
                   f"单位: {'、'.join(p['units'])}")
        for c in p["counts"]:
            click.echo(f"  计入: {c['kind']} by {'/'.join(c['initiators'])}, ≥{c['min_duration_s']} s, "
                       f"roster ≥{c['min_roster']}, ≥{c['min_per_week']}/周")
    click.echo("\n学校自定口径 (school policy, not the indicator system's text):")
    for key, value in doc["policy"].items():
        click.echo(f"  {key} = {json.dumps(value, ensure_ascii=False)}  {doc['policy_text'].get(key, '')}")
