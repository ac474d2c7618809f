"""``classboard hub release``: add software versions and offer them to groups of boards."""
from __future__ import annotations

from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub


@click.group()
def release() -> None:
    """Software versions for the boards: add, offer to a group, assign boards to groups."""


@release.command()
@DATA
@DB_URL
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", required=True, help="The version the archive installs, e.g. 0.3.0.")
def add(data_dir: Path, db_url: str, archive: Path, version: str) -> None:
    """Keep ARCHIVE (a wheelhouse .tar.gz: classboard's wheel and every wheel it needs) as VERSION."""
    from .store import ReleaseError, add_release

    open_hub(data_dir, db_url)
    try:
        row = add_release(data_dir, archive, version)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"release {row.version}: {row.size} bytes, sha256 {row.sha256}")


@release.command(name="offer")
@DATA
@DB_URL
@click.option("--group", default="*", show_default=True, help="Board group; * offers it to every board.")
@click.option("--version", "version", help="Release to offer.")
@click.option("--withdraw", is_flag=True, help="Withdraw the group's offer (boards keep what they run).")
def offer_cmd(data_dir: Path, db_url: str, group: str, version: str | None, withdraw: bool) -> None:
    """Offer a release to a group of boards; they install it at their next update check."""
    from .store import ReleaseError, offer

    if not withdraw and not version:
        raise click.ClickException("give --version, or --withdraw")
    open_hub(data_dir, db_url)
    try:
        offer(group, None if withdraw else version)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"group {group}: " + ("offer withdrawn" if withdraw else f"offered {version}"))


@release.command()
@DATA
@DB_URL
@click.argument("board_ids", nargs=-1, required=True)
@click.option("--group", required=True, help="Group name, e.g. pilot or building-A.")
def assign(data_dir: Path, db_url: str, board_ids: tuple[str, ...], group: str) -> None:
    """Put boards into a group (a board is in group 'default' until assigned)."""
    from .store import ReleaseError, assign as put

    open_hub(data_dir, db_url)
    try:
        count = put(list(board_ids), group)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{count} board(s) now in group {group}")


@release.command(name="list")
@DATA
@DB_URL
def list_cmd(data_dir: Path, db_url: str) -> None:
    """Releases, offers, and which version each group's boards report."""
    from peewee import fn

    from ..models import Board, GroupOffer, Release

    open_hub(data_dir, db_url)
    for row in Release.select().order_by(Release.created_at):
        click.echo(f"release {row.version}  {row.size} bytes  {row.created_at:%Y-%m-%d %H:%M}")
    for row in GroupOffer.select().order_by(GroupOffer.group):
        click.echo(f"offer   group {row.group} → {row.version}")
    for group, version, count in (Board.select(Board.group, Board.version, fn.COUNT(Board.id))
                                  .group_by(Board.group, Board.version).tuples()):
        click.echo(f"boards  group {group}: {count} running {version or 'unknown'}")
