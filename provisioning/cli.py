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


HUB = click.option("--hub", "hub_url", required=True, envvar="CLASSBOARD_HUB_URL", help="The hub's URL.")
FINGERPRINT = click.option("--fingerprint", default="", envvar="CLASSBOARD_HUB_FINGERPRINT",
                           help="The hub certificate's SHA-256 (classboard hub fingerprint): trust that one only.")
TOKEN = click.option("--token", required=True, envvar="CLASSBOARD_HUB_TOKEN",
                     help="An admin's API token (classboard hub create-user prints it).")


@provision.command()
@HUB
@TOKEN
@FINGERPRINT
@click.argument("code")
@click.option("--room", required=True, help="Room id, as in the school's content.")
@click.option("--class", "class_id", default=None, help="Class id (default: the class whose home room it is).")
@click.option("--name", default="", help="A name for the board, e.g. 高一(1)班门口.")
def claim(hub_url: str, token: str, fingerprint: str, code: str, room: str, class_id: str | None, name: str) -> None:
    """Claim the board showing CODE on its screen for a room; it enrolls at its next try."""
    from .claims import ClaimError, HubAdmin

    try:
        HubAdmin(hub_url, token, fingerprint=fingerprint).claim(code.upper(), room, class_id, name)
    except ClaimError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"claimed {code.upper()} for room {room}; the board enrolls within a minute")


@provision.command()
@HUB
@TOKEN
@FINGERPRINT
@click.argument("devices", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def bulk(hub_url: str, token: str, fingerprint: str, devices: Path) -> None:
    """Claim every board in DEVICES.csv that has a claim_code column value."""
    from rich.console import Console
    from rich.progress import Progress

    from .claims import HubAdmin, claim_all
    from .devices import DevicesError, read_devices

    try:
        rows = read_devices(devices)
    except DevicesError as exc:
        raise click.ClickException(str(exc)) from None
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("claiming boards / 正在认领", total=len(rows))
        result = claim_all(HubAdmin(hub_url, token, fingerprint=fingerprint), rows, lambda row: bar.advance(task))
    click.echo(f"{len(result.claimed)} claimed, {len(result.skipped)} skipped, {len(result.failed)} failed")
    for row, reason in result.skipped:
        click.echo(f"  skipped {devices.name}:{row.line} {row.name}: {reason}")
    for row, reason in result.failed:
        click.echo(f"  FAILED  {devices.name}:{row.line} {row.name} ({row.claim_code}): {reason}", err=True)
    if result.failed:
        raise SystemExit(1)
