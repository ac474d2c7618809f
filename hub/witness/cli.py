"""``classboard witness serve``, ``export`` and ``silent``: a witness any district machine can run."""
from __future__ import annotations

import json
import signal
from pathlib import Path

import click

DATA = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                    help="Folder holding witness.sqlite3 (append-only).")


@click.group()
def witness() -> None:
    """The witness: an append-only registry of board keys and log checkpoints, outside the school's control."""


@witness.command()
@DATA
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True)
def serve(data_dir: Path, host: str, port: int) -> None:
    """Serve the witness API; school hubs forward enrollments and checkpoints here (hub serve --witness URL)."""
    from waitress.server import create_server

    from .web import create_witness_app

    app = create_witness_app(data_dir)
    server = create_server(app, host=host, port=port, threads=4, asyncore_use_poll=True)

    def on_term(*_):  # leave the serving loop even with keep-alive connections open; every write is committed
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    click.echo(f"witness serving on http://{host}:{port}/ (registry in {data_dir})", err=True)
    try:
        server.run()
    except (OSError, KeyboardInterrupt):
        pass
    finally:
        server.close()
        app.config["REGISTRY"].close()


@witness.command()
@DATA
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(data_dir: Path, out: Path) -> None:
    """Write everything the witness holds to a file, for verify-evidence --witness FILE."""
    from .registry import Registry

    registry = Registry(data_dir / "witness.sqlite3")
    try:
        document = registry.export()
    finally:
        registry.close()
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"wrote {out}: {len(document['boards'])} boards")


@witness.command()
@DATA
@click.option("--hours", default=48.0, show_default=True, help="Quiet for more than this many hours.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def silent(data_dir: Path, hours: float, fmt: str) -> None:
    """List registered boards that sent no checkpoint for more than HOURS (boards send one at least daily)."""
    from .registry import Refused, Registry

    registry = Registry(data_dir / "witness.sqlite3")
    try:
        boards = registry.silent(hours)
    except Refused as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        registry.close()
    if fmt == "json":
        document = {"hours": hours, "count": len(boards), "boards": boards}
        click.echo(json.dumps(document, ensure_ascii=False, indent=1))
        return
    for b in boards:
        last = b["last_checkpoint_at"] or "从未 never (registered " + b["registered_at"] + ")"
        click.echo(f"{b['board_id']}\t{b['school']}\t最后检查点 last checkpoint {last}")
    click.echo(f"{len(boards)} 块班牌超过 {hours:g} 小时无检查点 / boards silent for more than {hours:g} h",
               err=True)
