"""``classboard hub broadcast`` and ``classboard hub page``: sound to a zone from the command line."""
from __future__ import annotations

import time
import wave
from pathlib import Path

import click

from ..cli import DATA, DB_URL, open_hub

MQTT_HOST = click.option("--mqtt-host", default="127.0.0.1", show_default=True, envvar="CLASSBOARD_HUB_MQTT_HOST")
MQTT_PORT = click.option("--mqtt-port", default=1883, show_default=True, envvar="CLASSBOARD_HUB_MQTT_PORT")
ZONE = click.option("--zone", default="school", show_default=True,
                    help="school, board:<id>, building:<name>, floor:<building>:<n> or grade:<grade>.")


def zone_target(command):
    """The options every sound-to-a-zone command shares: which hub, which broker, which zone."""
    for option in (ZONE, MQTT_PORT, MQTT_HOST, DB_URL, DATA):
        command = option(command)
    return command


def _hub(data_dir: Path, db_url: str, host: str, port: int):
    app = open_hub(data_dir, db_url, mqtt_host=host, mqtt_port=port)
    from ..bundles import school_id
    return app.config["PUSH"], school_id()


@click.command()
@zone_target
@click.option("--file", "sound", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="WAV/MP3/OGG.")
@click.option("--say", "text", help="A sentence for the boards to speak (offline TTS).")
@click.option("--in", "delay_s", default=3.0, show_default=True, help="Seconds until every board starts.")
@click.option("--user", default="cli", show_default=True, help="Who sends it (for the log).")
def broadcast(data_dir: Path, db_url: str, mqtt_host: str, mqtt_port: int, zone: str, sound: Path | None,
              text: str | None, delay_s: float, user: str) -> None:
    """Play a sound file or a spoken sentence in every room of a zone, starting together."""
    from .announce import BroadcastError, announce, store_media

    pusher, school = _hub(data_dir, db_url, mqtt_host, mqtt_port)
    try:
        media = store_media(data_dir, sound.read_bytes()) if sound else None
        item = announce(pusher, school, zone, user=user, media=media, text=text, name=sound.name if sound else "",
                        delay_s=delay_s)
    except BroadcastError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        time.sleep(0.2)  # let the MQTT client hand the message to the broker
        pusher.close()
    click.echo(f"zone {zone}: starts at {item['start_at']}")


@click.command()
@zone_target
@click.argument("sound", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chunk-ms", default=100, show_default=True, help="Audio per message.")
@click.option("--user", default="cli", show_default=True)
def page(data_dir: Path, db_url: str, mqtt_host: str, mqtt_port: int, zone: str, sound: Path, chunk_ms: int,
         user: str) -> None:
    """Page a zone live with a 16-bit mono WAV file, sent in real time as if spoken."""
    from .announce import BroadcastError, Page

    try:
        with wave.open(str(sound), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise click.ClickException("the WAV file must be 16-bit mono")
            rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise click.ClickException(f"{sound}: not a WAV file ({exc})") from None
    pusher, school = _hub(data_dir, db_url, mqtt_host, mqtt_port)
    step = rate * chunk_ms // 1000 * 2
    try:
        live = Page(pusher, school, zone, user, rate)
        started = time.monotonic()
        for i, offset in enumerate(range(0, len(pcm), step)):
            time.sleep(max(0.0, started + i * chunk_ms / 1000 - time.monotonic()))  # real time, like a voice
            live.chunk(pcm[offset:offset + step])
        live.end()
    except BroadcastError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        time.sleep(0.2)
        pusher.close()
    click.echo(f"paged zone {zone}: {len(pcm) / 2 / rate:.1f} s in {live.seq} messages")
