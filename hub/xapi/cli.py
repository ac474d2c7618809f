"""``classboard hub xapi-forward``: send substantive records to a Learning Record Store."""
from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub


@click.command("xapi-forward")
@DATA
@DB_URL
@click.option("--endpoint", required=True, envvar="CLASSBOARD_XAPI_ENDPOINT",
              help="The LRS's xAPI endpoint (statements go to ENDPOINT/statements).")
@click.option("--username", default="", envvar="CLASSBOARD_XAPI_USERNAME", help="Basic-auth key.")
@click.option("--password", default="", envvar="CLASSBOARD_XAPI_PASSWORD", help="Basic-auth secret.")
@click.option("--home-page", required=True, envvar="CLASSBOARD_XAPI_HOME_PAGE",
              help="The hub's public URL; names the statements' accounts and activities.")
@click.option("--every", type=int, default=0, help="Keep running, forwarding every N seconds (0: once).")
def xapi_forward(data_dir: Path, db_url: str, endpoint: str, username: str, password: str, home_page: str,
                 every: int) -> None:
    """Forward each substantive usage record as an xAPI 1.0.3 statement (statement id = record id)."""
    from .forwarder import Lrs, LrsError, forward

    open_hub(data_dir, db_url)
    lrs = Lrs(endpoint, username, password)
    stop = threading.Event()
    if every:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    while True:
        try:
            counts = forward(lrs, home_page)
            click.echo(f"sent {counts['sent']} statements ({counts['skipped']} records not substantive)")
        except LrsError as exc:
            if not every:
                raise click.ClickException(f"{exc}; nothing was lost, the next run resends from the last ack")
            click.echo(f"{exc}; retrying in {every} s", err=True)
        if not every or stop.wait(every):
            return
