"""Mosquitto's configuration, password file and ACL file, written by the hub from its boards.

Anonymous access is off. The hub has one user that may publish anything
under ``classboard/``; each enrolled board has its own user (issued at
enrollment) that may read only its own school's alert, its own poke and
command topics and its zones' broadcasts, and write only its own status.
A revoked board loses its user and its ACL lines, and the broker is told to
reload (SIGHUP) at once, so it cannot connect again.

Passwords are stored in Mosquitto 2's own ``$7$`` form (PBKDF2-SHA512), the
one ``mosquitto_passwd`` writes; Debian's mosquitto (2.0) reads it from a
plain ``password_file``, no plugin needed.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
import signal
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from protocol.mqtt import PREFIX, alert_topic, board_topic, page_topic, zone_name, zone_topic

from ..models import Board, BrokerCredential

log = logging.getLogger(__name__)
HUB_USER = "classboard-hub"
ITERATIONS = 101  # mosquitto_passwd's own default; the passwords are 256-bit random, not guessable words
SAFE_USER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def password_hash(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """``$7$iterations$salt$hash`` as Mosquitto 2 expects it."""
    salt = salt or secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def username_for(board_id: str) -> str:
    """The board id when it is safe in a password file (no ``:``), else a digest of it."""
    return board_id if SAFE_USER.match(board_id) and board_id != HUB_USER else \
        "board-" + hashlib.sha256(board_id.encode()).hexdigest()[:24]


def status_topic(school_id: str, board_id: str) -> str:
    return f"{PREFIX}/{school_id}/board/{board_id}/status"


def board_zones(board: Board, school: dict[str, Any]) -> list[str]:
    """The zones a board listens to: the same rule as edge/zones.py, from the hub's rows."""
    zones = [zone_name("school"), zone_name("board", board.id)]
    room = next((r for r in school["rooms"] if r["id"] == board.room_id), None)
    if room and room.get("building"):
        zones.append(zone_name("building", room["building"]))
        if room.get("floor") is not None:
            zones.append(zone_name("floor", room["building"], room["floor"]))
    group = next((c for c in school["classes"] if c["id"] == board.class_id), None)
    if group and group.get("grade"):
        zones.append(zone_name("grade", group["grade"]))
    return zones


def acl_lines(school_id: str, school: dict[str, Any], boards: list[tuple[Board, str]],
              header: bool = True) -> list[str]:
    """The ACL of ``boards`` (all of the school ``school_id``); ``header``: with the hub's own user first."""
    lines = ["# written by classboard hub: regenerated on every enrollment and revocation", "",
             f"user {HUB_USER}", f"topic readwrite {PREFIX}/#", ""] if header else []
    for board, username in boards:
        lines += [f"user {username}",
                  f"topic read {board_topic(school_id, board.id, 'poke')}",
                  f"topic read {board_topic(school_id, board.id, 'command')}",
                  f"topic read {alert_topic(school_id)}"]
        for zone in board_zones(board, school):
            lines += [f"topic read {zone_topic(school_id, zone)}", f"topic read {page_topic(school_id, zone)}"]
        lines += [f"topic write {status_topic(school_id, board.id)}", ""]
    return lines


@dataclass
class BrokerFiles:
    """The files in ``folder``; ``write()`` after any change to the boards, which also reloads the broker."""

    folder: Path
    port: int
    cert: Path | None = None
    key: Path | None = None
    bind: str = ""
    run_as: str = ""  # Mosquitto's ``user`` option (it drops root to ``mosquitto`` unless told otherwise)

    @classmethod
    def for_hub(cls, config) -> "BrokerFiles | NoBroker":
        if not config.broker_dir:
            return NoBroker()
        cert = key = None
        if config.mqtt_tls:
            from ..security.tls import default_names, ensure_certificate
            cert, key = ensure_certificate(config.data_dir, default_names(config.mqtt_host))
        return cls(Path(config.broker_dir), config.mqtt_port, cert, key,
                   run_as=os.environ.get("CLASSBOARD_BROKER_USER", ""))

    @property
    def conf(self) -> Path:
        return self.folder / "mosquitto.conf"

    @property
    def pid_file(self) -> Path:
        return self.folder / "mosquitto.pid"

    def hub_password(self) -> str:
        path = self.folder / "hub_password"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text().strip()

    def issue(self, board_id: str) -> dict[str, str]:
        """A new password for this board (any older one stops working at the next reload)."""
        password = secrets.token_urlsafe(32)
        username = username_for(board_id)
        BrokerCredential.upsert(board_id=board_id, username=username, password_hash=password_hash(password),
                                issued_at=datetime.now(timezone.utc).replace(tzinfo=None))
        return {"username": username, "password": password}

    def config_text(self) -> str:
        listener = f"listener {self.port}" + (f" {self.bind}" if self.bind else "")
        lines = ["# written by classboard hub (classboard hub serve --broker-dir); do not edit by hand",
                 "per_listener_settings false", "allow_anonymous false",
                 f"password_file {self.folder / 'passwd'}", f"acl_file {self.folder / 'acl'}",
                 f"pid_file {self.pid_file}", "persistence true", f"persistence_location {self.folder}/",
                 "", listener]
        if self.cert and self.key:
            lines += [f"certfile {self.cert}", f"keyfile {self.key}", "tls_version tlsv1.2"]
        if self.run_as:
            lines.insert(1, f"user {self.run_as}")
        return "\n".join(lines) + "\n"

    def write(self) -> None:
        """Rewrite the three files from the enrolled boards (atomically each) and reload the broker."""
        self.folder.mkdir(parents=True, exist_ok=True)
        rows = (Board.select(Board, BrokerCredential).join(BrokerCredential, on=(BrokerCredential.board_id == Board.id))
                .where(Board.state == "enrolled").order_by(Board.id))
        boards = [(b, b.brokercredential.username) for b in rows]
        passwd = [f"{HUB_USER}:{password_hash(self.hub_password())}"]
        passwd += [f"{b.brokercredential.username}:{b.brokercredential.password_hash}" for b in rows]
        _replace(self.folder / "passwd", "\n".join(passwd) + "\n")
        _replace(self.folder / "acl", "\n".join(district_acl(boards)) + "\n")
        _replace(self.conf, self.config_text())
        self.reload()

    def boards_changed(self) -> None:
        self.write()

    def reload(self) -> bool:
        """SIGHUP the broker named in the pid file: it rereads users and ACLs (no restart, no lost retained alert)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, signal.SIGHUP)
            return True
        except (OSError, ValueError) as exc:
            log.warning("broker not reloaded (%s): reload it yourself (systemctl reload mosquitto)", exc)
            return False

    def board_login(self, board_id: str, mqtt: dict[str, Any] | None) -> dict[str, Any] | None:
        """The ``mqtt`` part of an enrollment answer, with this board's new credential and the pinned certificate."""
        if not mqtt:
            return mqtt
        answer = dict(mqtt, **self.issue(board_id))
        if self.cert:
            from ..security.tls import first_certificate
            answer.update(tls=True, cert_pem=first_certificate(self.cert))
        return answer


def district_acl(boards: list[tuple[Board, str]]) -> list[str]:
    """Each board's lines name only its own school's topics (a district hub serves many schools)."""
    from ..bundles import school_content, school_id
    from ..tenancy import acting_for

    lines = acl_lines("", {}, [], header=True)
    for tenant in sorted({b.school for b, _ in boards}):
        with acting_for(tenant):
            lines += acl_lines(school_id(), school_content(), [x for x in boards if x[0].school == tenant],
                               header=False)
    return lines


class NoBroker:
    """The hub does not manage the broker (a demo's anonymous broker, or none at all)."""

    def write(self) -> None:
        pass

    boards_changed = write

    def board_login(self, board_id: str, mqtt: dict[str, Any] | None) -> dict[str, Any] | None:
        return mqtt

    def hub_password(self) -> str:
        return ""


def _replace(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.touch(mode=0o600)
    part.write_text(text, encoding="utf-8")
    part.replace(path)


def hub_mqtt_login(config) -> dict[str, Any]:
    """How the hub's own publisher logs in to a broker it manages: its user, and TLS pinned to its certificate."""
    broker = BrokerFiles.for_hub(config)
    if isinstance(broker, NoBroker):
        return {}
    return {"username": HUB_USER, "password": broker.hub_password(), "tls_cert": broker.cert}
