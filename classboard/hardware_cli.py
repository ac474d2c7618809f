"""``classboard sensors`` and ``classboard sound``: wiring and speaker checks for IT staff."""
from __future__ import annotations

import json
from pathlib import Path

import click


def _config(config_file: Path | None):
    from classboard.board_cli import _load

    return _load(config_file)


@click.group(invoke_without_command=True)
@click.pass_context
def sensors(ctx: click.Context) -> None:
    """Read the room's sensors once (wiring check)."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@sensors.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def read(config_file: Path | None, as_json: bool) -> None:
    """One reading of every configured sensor, with its unit and status (ok, faulty, absent)."""
    from edge.hardware import open_sensors

    config = _config(config_file)
    rows = []
    for entry, sensor in open_sensors(config):
        try:
            reading = sensor.read()
            rows.append({"sensor": sensor.name, "kind": entry.kind, "backend": entry.backend,
                         "status": reading.status, "error": reading.error or "",
                         "values": dict(reading.quantities)})
        except Exception as exc:  # the wiring check must list every sensor, even a broken driver
            rows.append({"sensor": sensor.name, "kind": entry.kind, "backend": entry.backend,
                         "status": "faulty", "error": str(exc), "values": {}})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        if not rows:
            click.echo("no sensors configured ([[sensors]] in the board config)")
        for r in rows:
            values = "  ".join(f"{k}={v:g}" for k, v in r["values"].items())
            click.echo(f"{r['sensor']:<12} {r['kind']:<8} {r['backend']:<10} {r['status']:<7} {values or r['error']}")
    raise SystemExit(0 if all(r["status"] == "ok" for r in rows) else 1)


@click.group(invoke_without_command=True)
@click.pass_context
def sound(ctx: click.Context) -> None:
    """Test the speaker: a tone, then a spoken sentence."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@sound.command()
@click.option("--backend", type=click.Choice(["pyaudio", "simulated"]), default=None,
              help="Default: the board config's drivers.audio (auto: the sound card found).")
@click.option("--device", default=None, help="PortAudio device name (substring) or index.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--sentence", default="这是班牌扬声器测试。This is a speaker test.", show_default=True)
def test(backend: str | None, device: str | None, config_file: Path | None, sentence: str) -> None:
    """Play a one-second 1 kHz tone, then speak a test sentence."""
    from edge.hardware import resolved
    from edge.sound_check import speaker_test

    drivers = resolved(_config(config_file))
    result = speaker_test(backend or drivers.audio, device or drivers.audio_device or None, sentence)
    click.echo(result.summary())
    raise SystemExit(0 if result.ok else 1)
