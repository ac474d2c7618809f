"""``classboard hub``: run and manage the school hub."""
from __future__ import annotations

import importlib
import json
import threading
from pathlib import Path

import click

from .config import HubConfig

DATA = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                    default=Path("/var/lib/classboard-hub"), show_default=True, envvar="CLASSBOARD_HUB_DATA")
DB_URL = click.option("--db-url", default="", envvar="CLASSBOARD_HUB_DB_URL",
                      help="PostgreSQL URL, e.g. postgresql://hub:secret@127.0.0.1:5432/classboard (default: SQLite).")

SCHOOL = click.option("--school", default="", help="The school (on a district hub; see 'hub schools').")


def _known_school(school: str) -> None:
    from .district.access import school_exists

    if not school_exists(school):
        raise click.ClickException(f"no school {school!r}: see 'classboard hub schools'")


def open_hub(data_dir: Path, db_url: str, **extra):
    from .app import create_app

    return create_app(HubConfig(data_dir=data_dir, db_url=db_url, **extra))


class LazyHubGroup(click.Group):
    """Sub-commands of other parts of the hub (report, import, evidence) load only when used."""

    LAZY = {"report": "hub.report.cli:report", "rules": "hub.report.cli:rules", "import": "hub.importers.cli:import_group",
            "export-evidence": "hub.evidence.cli:export_evidence", "xapi-forward": "hub.xapi.cli:xapi_forward",
            "release": "hub.releases.cli:release", "broadcast": "hub.broadcast.cli:broadcast",
            "page": "hub.broadcast.cli:page", "family": "hub.family.cli:family_group",
            "schools": "hub.district.cli:schools"}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.LAZY))

    def get_command(self, ctx, name):
        if name in self.LAZY:
            module, attr = self.LAZY[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as exc:
                @click.command(name=name)
                def unavailable():
                    raise click.ClickException(f"'{name}' is not available in this build: {exc}")
                return unavailable
        return super().get_command(ctx, name)


@click.group(cls=LazyHubGroup)
def hub() -> None:
    """Run and manage the school hub (serve, report, import, evidence)."""


@hub.command()
@DATA
@DB_URL
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--mqtt-host", default="", help="MQTT broker for pushes (empty: boards poll).")
@click.option("--mqtt-port", default=1883, show_default=True)
@click.option("--mqtt-tls", is_flag=True, help="The broker listens with TLS and the hub's certificate (see --broker-dir).")
@click.option("--broker-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write Mosquitto's config, board users and ACLs here, and reload the broker on every change.")
@click.option("--threads", default=8, show_default=True)
@click.option("--cert", "cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The school's certificate (PEM, leaf first); default: one the hub makes in DATA/tls.")
@click.option("--key", "key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The private key of --cert (PEM).")
@click.option("--plain-http", is_flag=True, envvar="CLASSBOARD_HUB_PLAIN_HTTP",
              help="Serve plain HTTP: only for a demo on one machine, or behind --behind-proxy.")
@click.option("--behind-proxy", is_flag=True,
              help="A reverse proxy in front terminates TLS: trust its X-Forwarded-For/-Proto (one hop) and "
                   "serve plain HTTP to it; bind --host 127.0.0.1.")
@click.option("--witness", "witness_url", default="", envvar="CLASSBOARD_HUB_WITNESS_URL",
              help="The district witness's URL: board keys and checkpoints are forwarded there.")
@click.option("--silent-hours", default=48.0, show_default=True, envvar="CLASSBOARD_HUB_SILENT_HOURS",
              type=click.FloatRange(min=25.0),
              help="District policy: hours without a checkpoint at the witness before the district page calls a "
                   "board silent (boards sign one at least daily).")
def serve(data_dir: Path, db_url: str, host: str, port: int, mqtt_host: str, mqtt_port: int, mqtt_tls: bool,
          broker_dir: Path | None, threads: int, cert: Path | None, key: Path | None, plain_http: bool,
          behind_proxy: bool, witness_url: str, silent_hours: float) -> None:
    """Serve the board API and the web console (HTTPS unless --plain-http or --behind-proxy)."""
    from .security.tls import CertificateError, default_names, ensure_certificate, first_certificate, fingerprint
    from .server import run

    if (cert is None) != (key is None):
        raise click.UsageError("--cert and --key go together")
    tls = None
    if not (plain_http or behind_proxy):
        tls = (cert, key) if cert else ensure_certificate(data_dir, default_names(host))
    app = open_hub(data_dir, db_url, host=host, port=port, mqtt_host=mqtt_host, mqtt_port=mqtt_port,
                   tls=tls is not None or behind_proxy, broker_dir=broker_dir, mqtt_tls=mqtt_tls,
                   witness_url=witness_url, silent_hours=silent_hours)
    app.config["BROKER"].write()
    if tls:
        try:
            app.config["TLS_FINGERPRINT"] = fingerprint(first_certificate(tls[0]))
        except CertificateError as exc:
            raise click.ClickException(str(exc)) from None

    def announce() -> None:
        scheme = "https" if tls else "http"
        click.echo(f"hub serving on {scheme}://{host}:{port}/ (data in {data_dir})", err=True)
        if tls:
            click.echo(f"TLS certificate SHA-256 fingerprint: {app.config['TLS_FINGERPRINT']}", err=True)
        elif not behind_proxy:
            click.echo("WARNING: plain HTTP: passwords and enrollment tokens cross the network readable", err=True)

    from .retention import run_daily

    pruning = threading.Event()
    threading.Thread(target=run_daily, args=(pruning,), name="retention", daemon=True).start()
    from .family import start_notifier

    start_notifier()  # absences and replies to guardians' pages and the school's webhook
    try:
        run(app, host, port, threads, tls, announce, behind_proxy=behind_proxy)
    except CertificateError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        pruning.set()
        app.config["PUSH"].close()


@hub.command()
@DATA
@click.option("--cert", "cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def fingerprint(data_dir: Path, cert: Path | None) -> None:
    """Print the SHA-256 fingerprint of the hub's TLS certificate (IT staff compare it with a board's)."""
    from .security.tls import first_certificate, fingerprint as of

    path = cert or data_dir / "tls" / "hub.crt"
    if not path.exists():
        raise click.ClickException(f"{path} does not exist yet: 'classboard hub serve' makes it on its first start")
    click.echo(of(first_certificate(path)))


@hub.command()
@DATA
@DB_URL
@click.option("--from-json", "source", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="School content in the bundle shape (see protocol/schemas/bundle.schema.json).")
@SCHOOL
def seed(data_dir: Path, db_url: str, source: Path, school: str) -> None:
    """Load a school's content (calendar, classes, rooms, people, timetable) from JSON."""
    from .school import SchoolDataError, replace_school
    from .tenancy import acting_for

    open_hub(data_dir, db_url)
    _known_school(school)
    try:
        with acting_for(school):
            counts = replace_school(json.loads(source.read_text(encoding="utf-8")))
    except (SchoolDataError, ValueError) as exc:
        raise click.ClickException(f"{source}: {exc}") from None
    click.echo("loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@hub.group()
def token() -> None:
    """Enrollment tokens for unattended board enrollment."""


@token.command(name="create")
@DATA
@DB_URL
@SCHOOL
def token_create(data_dir: Path, db_url: str, school: str) -> None:
    """Print a new school enrollment token (put it into the boot-partition config)."""
    from .enrollment import create_token
    from .tenancy import acting_for

    open_hub(data_dir, db_url)
    _known_school(school)
    with acting_for(school):
        click.echo(create_token())


@hub.command(name="create-user")
@DATA
@DB_URL
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "teacher", "viewer", "district_admin", "district_reviewer"]),
              default="admin", show_default=True)
@SCHOOL
@click.password_option()
def create_user_cmd(data_dir: Path, db_url: str, username: str, role: str, school: str, password: str) -> None:
    """Create or reset a console user (of --school, or of the whole district); prints their API token once."""
    from .console import create_user

    open_hub(data_dir, db_url)
    _known_school(school)
    try:
        token_ = create_user(username, password, role, school)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {username} ({role}) saved; API token: {token_}")


@hub.command()
@DATA
@DB_URL
@click.argument("username", required=False)
@click.option("--guardian", is_flag=True, help="USERNAME is a guardian's sign-in name on the family page.")
@click.option("--address", default="", help="Also forget the failures counted against this source address.")
def unlock(data_dir: Path, db_url: str, username: str | None, guardian: bool, address: str) -> None:
    """End a sign-in lockout now instead of after 15 minutes (console user, or --guardian)."""
    from .access_log import log_access
    from .security import throttle

    if not username and not address:
        raise click.UsageError("give a USERNAME, an --address, or both")
    open_hub(data_dir, db_url)
    gone = 0
    if username:
        gone += throttle.unlock(username, "family.login" if guardian else "login")
    if address:
        gone += throttle.unlock_address(address)
    log_access("unlock", actor="cli", address=address, detail=f"{'guardian ' if guardian else ''}{username or ''}")
    click.echo(f"unlocked: {gone} counter(s) cleared" if gone else "nothing to unlock: no failures are counted")


@hub.command()
@DATA
@DB_URL
@click.argument("code")
@click.option("--room", required=True)
@click.option("--class", "class_id", default=None)
def claim(data_dir: Path, db_url: str, code: str, room: str, class_id: str | None) -> None:
    """Claim a board by the code on its screen, for a room (and class)."""
    from .enrollment import EnrollmentError, claim_board

    open_hub(data_dir, db_url)
    try:
        claim_board(code, room, class_id)
    except EnrollmentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"claimed {code.upper()} for room {room}")
