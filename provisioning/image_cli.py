"""``classboard image``: prepare SD-card images for a school without root."""
from __future__ import annotations

from pathlib import Path

import click

from .bootpart import BOOT_CONFIG_NAME, ImageError, read_boot_file, write_boot_file
from .devices import DevicesError, merge_config, read_devices


@click.group()
def image() -> None:
    """Prepare SD-card images (write config to the boot partition)."""


@image.command()
@click.argument("image_file", metavar="IMAGE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--config", "school_config", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The school's board config (hub URL, enrollment token, language …).")
@click.option("--devices", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="devices.csv: name,room,class_id[,hostname,wifi_ssid,wifi_psk]")
@click.option("--row", type=int, help="Which device of devices.csv (1 = first data row).")
def customize(image_file: Path, school_config: Path, devices: Path | None, row: int | None) -> None:
    """Write classboard.toml (school + one device) into IMAGE's boot partition."""
    from edge.config import ConfigError, load_config

    if (devices is None) != (row is None):
        raise click.UsageError("--devices and --row go together")
    try:
        device = None
        if devices is not None:
            rows = read_devices(devices)
            if not 1 <= row <= len(rows):
                raise click.BadParameter(f"{devices} has {len(rows)} devices; row {row} does not exist",
                                         param_hint="--row")
            device = rows[row - 1]
        text = merge_config(school_config.read_text(encoding="utf-8"), device)
    except (DevicesError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    staged = image_file.with_name(f".{image_file.name}.{BOOT_CONFIG_NAME}")
    staged.write_text(text, encoding="utf-8")
    try:
        load_config(paths=[staged], env={})  # the board would refuse it: refuse it now
    except ConfigError as exc:
        raise click.ClickException(f"the resulting config is invalid: {exc.key}: {exc.reason}") from None
    finally:
        staged.unlink(missing_ok=True)
    try:
        write_boot_file(image_file, BOOT_CONFIG_NAME, text.encode("utf-8"))
        written = read_boot_file(image_file, BOOT_CONFIG_NAME).decode("utf-8")
    except ImageError as exc:
        raise click.ClickException(str(exc)) from None
    if written != text:
        raise click.ClickException("read-back of the boot partition did not match what was written")
    who = f" for {device.name} ({device.room})" if device else ""
    click.echo(f"wrote {BOOT_CONFIG_NAME}{who} into {image_file}")


@image.command()
@click.argument("image_file", metavar="IMAGE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def show(image_file: Path) -> None:
    """Print the classboard.toml on IMAGE's boot partition."""
    try:
        click.echo(read_boot_file(image_file, BOOT_CONFIG_NAME).decode("utf-8"), nl=False)
    except ImageError as exc:
        raise click.ClickException(str(exc)) from None


@image.command(name="imager-json")
@click.argument("image_file", metavar="IMAGE_XZ", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="Where the school's web server serves IMAGE_XZ.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("imager-repo.json"),
              show_default=True)
def imager_json(image_file: Path, url: str, out: Path) -> None:
    """Write a Raspberry Pi Imager repository JSON that lists the classboard image."""
    import datetime
    import hashlib
    import json
    import lzma

    download = hashlib.sha256()
    extract = hashlib.sha256()
    extract_size = 0
    with open(image_file, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            download.update(chunk)
    try:
        with lzma.open(image_file) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                extract.update(chunk)
                extract_size += len(chunk)
    except lzma.LZMAError:
        raise click.ClickException(f"{image_file} is not an .xz-compressed image") from None
    entry = {
        "name": "classboard 班牌系统",
        "description": "School class board (电子班牌) — Raspberry Pi OS Lite (arm64) with classboard",
        "url": url,
        "icon": "",
        "extract_size": extract_size,
        "extract_sha256": extract.hexdigest(),
        "image_download_size": image_file.stat().st_size,
        "image_download_sha256": download.hexdigest(),
        "release_date": datetime.date.today().isoformat(),
        "devices": ["pi5-64bit", "pi4-64bit"],
        "init_format": "systemd",
    }
    out.write_text(json.dumps({"os_list": [entry]}, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"wrote {out}")
