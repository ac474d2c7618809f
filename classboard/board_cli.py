"""``classboard board``: run the board service (store, scheduler, sync, screens)."""
from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import click

log = logging.getLogger("classboard.board")


def _load(config_file: Path | None):
    from edge.config import ConfigError, load_config

    paths = None
    if config_file is not None:
        from edge.config import BOOT_CONFIG, SYSTEM_CONFIG
        paths = [SYSTEM_CONFIG, BOOT_CONFIG, config_file]
    try:
        return load_config(paths=paths)
    except ConfigError as exc:
        raise click.ClickException(f"invalid configuration: {exc}") from None


def open_board(config_file: Path | None):
    """Open the board, turning start-up problems into one clear message."""
    from edge.board import Board
    from edge.store import StoreError

    config = _load(config_file)
    try:
        board = Board(config)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in board.opening.problems:
        click.secho(f"WARNING: {problem}", fg="red", err=True)
    return board


def seed_sample(board, class_id: str) -> None:
    """Give a board with no bundle the sample school, for the demo without a hub."""
    from classboard.sample import board_bundle, sample_school

    if board.bundle_etag():
        return
    issued = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    board.install_bundle(board_bundle(sample_school(), board.id, class_id, issued), etag="sample")


def _start_sync(board, parts: dict) -> object | None:
    if not board.config.hub.url:
        return None
    from edge.sync.service import SyncService

    screen, air = parts["screen"], parts["air"]

    speaker = parts["speaker"]
    board.family().speaker = speaker  # 亲情留言 play on the same mixer as bells, quietly

    def faults() -> list[str]:
        found = [f"{name}: {why}" for name, why in air.faults().items()]
        card_taps = parts.get("card_taps")
        return found + [f for f in (screen.fault, speaker.mixer.fault, card_taps and card_taps.fault()) if f]

    commands = {"screen_on": lambda args: screen.command(True), "screen_off": lambda args: screen.command(False),
                "volume": lambda args: speaker.set_volume(int(args.get("level", 70)))}
    service = SyncService(board, faults=faults, commands=commands)
    player = _zone_player(board, speaker, service)
    service.commands.update(broadcast=player.broadcast, page=player.page)
    service.start()
    return service


def _zone_player(board, speaker, service):
    """Zone broadcasts and live pages on this board's speaker; media fetched from the hub when missing."""
    from edge.sync.media import fetch_media
    from edge.zone_audio import ZonePlayer

    def played(payload: dict, clip) -> None:
        board.usage.record("broadcast.played", initiator="staff", class_id=board.class_id, duration_s=int(clip.seconds),
                           data={"zone": payload.get("zone", ""), "broadcast": payload.get("id", "")})

    return ZonePlayer(speaker.mixer, speaker.media_dir, lambda sha, path: fetch_media(service.client(), sha, path),
                      played, voice=speaker.speech)


def _admin_hooks(parts: dict) -> dict:
    """The admin screen's test buttons, bound to this board's hardware."""
    screen = parts["screen"]

    def screen_test() -> str:
        screen.display.power_off()
        screen.display.power_on()
        return "屏幕已关闭并重新打开 / screen switched off and on again"

    def play_media(item: dict, teacher_id: str) -> bool:  # 互动点播 from the teacher's media page
        return parts["speaker"].on_demand(item, teacher_id)

    def speaker_test() -> str:
        from drivers.audio import Priority, tone
        parts["speaker"].mixer.play(tone(1000, 1.0, parts["speaker"].mixer.rate), Priority.MEDIA)
        parts["speaker"].say("这是班牌扬声器测试", Priority.MEDIA)
        return "已播放测试音和测试语句 / test tone and sentence played"

    camera = []

    def capture_frame():
        """The board's camera, opened on first use (OpenCV is heavy; most boards never need it)."""
        if not camera:
            from drivers.camera import open_camera
            camera.append(open_camera(resolved(parts["board"].config).camera))
        return camera[0].read()

    from edge.hardware import resolved

    hooks = {"screen_test": screen_test, "speaker_test": speaker_test, "play_media": play_media}
    if resolved(parts["board"].config).camera != "none":
        hooks["capture_frame"] = capture_frame
    return hooks


def _watchdog(board) -> None:
    """Tell systemd we are up, and keep petting its watchdog from the scheduler thread.

    The pet rides on the scheduler on purpose: if timed jobs stop running, the
    bells stop too, and systemd should restart the service.
    """
    from datetime import timedelta

    import sdnotify

    from edge.scheduler import every

    notifier = sdnotify.SystemdNotifier()
    board.scheduler.add("watchdog", every(timedelta(seconds=10)), lambda _at: notifier.notify("WATCHDOG=1"))
    notifier.notify("READY=1")


def _mark_running(board) -> None:
    """What `classboard board update` waits for: this version started its services."""
    from edge.bundle_store import put_setting
    from edge.sync.update import running_version

    put_setting("board.running_version", running_version())
    put_setting("board.started_at", datetime.now(timezone.utc).isoformat())


def _serve(board, host: str, port: int, stop: threading.Event, hooks: dict) -> None:
    from kiosk_ui.server import serve

    serve(board, host, port, stop, hooks)


@click.group()
def board() -> None:
    """Run or inspect the board service."""


@board.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="An extra TOML file, applied after the system and boot-partition files.")
@click.option("--seed-sample", "seed_class", metavar="CLASS_ID", help="Load the sample school for this class if the board has no bundle.")
def run(config_file: Path | None, seed_class: str | None) -> None:
    """Run the board: store, scheduler, sync and the kiosk screens on localhost."""
    board_ = open_board(config_file)
    if seed_class:
        seed_sample(board_, seed_class)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    from edge.jobs import install_jobs, install_sound

    parts = install_jobs(board_)
    parts["speaker"] = install_sound(board_)
    parts["board"] = board_
    _watchdog(board_)
    board_.start()
    from edge.card_reader import start_card_taps

    card_taps = parts["card_taps"] = start_card_taps(board_)  # taps on the board's reader: check-in, teacher, corner
    sync = _start_sync(board_, parts)
    _mark_running(board_)
    host, port = board_.config.ui.host, board_.config.ui.port
    click.echo(f"board {board_.id} serving its screen on http://{host}:{port}/", err=True)
    try:
        _serve(board_, host, port, stop, _admin_hooks(parts))
    finally:
        if card_taps is not None:
            card_taps.stop()
        if sync is not None:
            sync.stop()
        board_.stop()
    sys.exit(0)


@board.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
def status(config_file: Path | None) -> None:
    """Print the board id, bundle version and outbox depth."""
    b = open_board(config_file)
    click.echo(f"board:  {b.id}\nbundle: {b.bundle_etag() or '(none)'}\noutbox: {b.usage.outbox_depth()}")


@board.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--qr", "qr_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the checkpoint as a QR code (PNG) to this file.")
def checkpoint(config_file: Path | None, qr_file: Path | None) -> None:
    """Print the board id, key fingerprint and latest signed checkpoint of its usage log (what a reviewer checks)."""
    b = open_board(config_file)
    try:
        point = b.log.latest()
        click.echo(f"board:       {b.id}\nfingerprint: {b.log.fingerprint()}\nrecords:     {point.size}\n")
        click.echo(point.text, nl=False)
        if qr_file is not None:
            from drivers.vision.cards import qr_png

            qr_file.write_bytes(qr_png(point.text, px=600))
            click.echo(f"\nQR code written to {qr_file}", err=True)
    finally:
        b.stop()


@board.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
def firstboot(config_file: Path | None) -> None:
    """Apply the boot-partition config once and enroll with the hub (run by systemd)."""
    from provisioning.firstboot import first_boot

    b = open_board(config_file)
    enroll = None
    try:
        from edge.sync.enroll import first_boot_enroll
        enroll = lambda: first_boot_enroll(b)  # noqa: E731
    except ImportError:
        log.warning("enrollment is not available in this build")
    result = first_boot(b.config, enroll=enroll)
    click.echo(f"applied: {', '.join(result.applied) or '-'}; failed: {', '.join(result.failed) or '-'}; "
               f"enrolled: {'yes' if result.enrolled else 'no'}"
               + (f"; claim code {result.claim_code}" if result.claim_code else ""))
    b.stop()
    raise SystemExit(1 if result.failed else 0)


@board.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=Path("/opt/classboard"),
              show_default=True, help="Where the versions and the venv symlink live.")
@click.option("--check", is_flag=True, help="Only say whether the hub offers another version.")
@click.option("--deadline", default=180.0, show_default=True, help="Seconds the new version has to start.")
@click.option("--system-site-packages", is_flag=True,
              help="The venv uses the system's packages and the update carries classboard alone (Debian image).")
def update(config_file: Path | None, root: Path, check: bool, deadline: float, system_site_packages: bool) -> None:
    """Install the version the hub offers this board's group; roll back if it does not start (run by a timer)."""
    import subprocess

    from edge.bundle_store import get_setting
    from edge.sync.client import HubRefused, HubUnavailable
    from edge.sync.enroll import hub_client
    from edge.sync.update import download, fetch_offer
    from edge.updater import UpdateError, Updater

    b = open_board(config_file)
    client = hub_client(b)
    try:
        manifest = fetch_offer(b, client)
        if manifest is None:
            click.echo("up to date: the hub offers nothing newer for this board's group")
            return
        click.echo(f"the hub offers {manifest.version} ({manifest.size} bytes)")
        if check:
            return
        archive = download(client, manifest, Path(b.config.board.data_dir) / "updates")
    except (HubUnavailable, HubRefused, UpdateError) as exc:
        raise click.ClickException(str(exc)) from None

    def restart() -> None:
        subprocess.run(["systemctl", "restart", "classboard-board.service"], check=False, timeout=60)

    def healthy() -> bool:
        return get_setting("board.running_version") == manifest.version

    runner = lambda argv: subprocess.run(list(argv), check=False, timeout=1200).returncode  # noqa: E731
    try:
        ok = Updater(root, runner, system_site_packages=system_site_packages).apply(
            manifest, archive, restart, healthy, deadline_s=deadline)
    except UpdateError as exc:
        raise click.ClickException(f"{exc}; the running version is untouched") from None
    finally:
        archive.unlink(missing_ok=True)
    if not ok:
        raise click.ClickException(f"{manifest.version} did not start within {deadline:.0f} s; rolled back")
    click.echo(f"now running {manifest.version}")
