"""``classboard provision``: find boards on the LAN and enroll them with the hub."""
from __future__ import annotations

from pathlib import Path

import click


@click.group()
def provision() -> None:
    """Discover, claim and bulk-enroll boards on the LAN."""


@provision.command()
@click.option("--seconds", default=5.0, show_default=True, help="How long to browse.")
@click.option("--interface", "interfaces", multiple=True, help="Address of an interface to browse on (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def discover(seconds: float, interfaces: tuple[str, ...], as_json: bool) -> None:
    """List boards advertising _classboard._tcp, with their state and room."""
    import json

    from rich.console import Console
    from rich.table import Table

    from .mdns import discover as browse

    console = Console(stderr=True)
    with console.status("正在查找班牌 / browsing for boards…") as status:
        boards = browse(seconds, interfaces=list(interfaces) or None,
                        on_found=lambda a: status.update(f"found {a.board_id} ({a.room or '—'})"))
    if as_json:
        click.echo(json.dumps([b.__dict__ for b in boards], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(boards)} board(s)")
    for column in ("board", "state", "room", "addresses", "key fingerprint"):
        table.add_column(column)
    for b in boards:
        table.add_row(b.board_id, b.state, b.room or "—", " ".join(b.addresses), b.fingerprint)
    Console().print(table)
