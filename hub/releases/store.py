"""Software versions offered to boards, per board group, as manifests signed with the hub's key.

A school tries a new version on one group (say, the boards of one building)
before offering it to all: a board takes its own group's offer, else the
school-wide ``*`` offer. The manifest names the archive's SHA-256 and size, so
a board checks the archive it downloads against what the hub signed, with the
hub key it pinned at enrollment.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.keys import sign

from ..models import Board, GroupOffer, Release

VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.-]{0,39}$")
ALL_GROUPS = "*"


class ReleaseError(ValueError):
    """A release or offer was refused; nothing changed."""


def releases_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "releases"


def add_release(data_dir: Path, archive: Path, version: str) -> Release:
    """Keep a copy of the archive under the hub's data directory and record its hash."""
    if not VERSION.match(version):
        raise ReleaseError(f"version {version!r} must be letters, digits, dots and dashes")
    if not archive.is_file():
        raise ReleaseError(f"{archive} is not a file")
    folder = releases_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{version}.tar.gz"
    part = target.with_suffix(".part")
    digest = hashlib.sha256()
    with archive.open("rb") as src, part.open("wb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
            dst.write(chunk)
    part.replace(target)
    Release.upsert(version=version, sha256=digest.hexdigest(), size=target.stat().st_size, filename=target.name,
                   created_at=datetime.now(timezone.utc).replace(tzinfo=None))
    return Release.get_by_id(version)


def offer(group: str, version: str | None) -> None:
    """Offer ``version`` to ``group`` (``*`` for the whole school); ``None`` withdraws the offer."""
    if version is None:
        GroupOffer.delete().where(GroupOffer.group == group).execute()
        return
    if Release.get_or_none(Release.version == version) is None:
        raise ReleaseError(f"no release {version!r}; add it first with `classboard hub release add`")
    GroupOffer.upsert(group=group, version=version)


def assign(board_ids: list[str], group: str) -> int:
    unknown = sorted(set(board_ids) - {b.id for b in Board.select(Board.id).where(Board.id.in_(board_ids))})
    if unknown:
        raise ReleaseError(f"no such board: {', '.join(unknown)}")
    return Board.update(group=group).where(Board.id.in_(board_ids)).execute()


def offer_for(board: Board) -> Release | None:
    """The release this board should run, if it is not already running it."""
    chosen = GroupOffer.get_or_none(GroupOffer.group == board.group) or \
        GroupOffer.get_or_none(GroupOffer.group == ALL_GROUPS)
    if chosen is None or chosen.version == board.version:
        return None
    return Release.get_or_none(Release.version == chosen.version)


def signed_manifest(release: Release, board_id: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    document = json.dumps({"version": release.version, "sha256": release.sha256, "size": release.size,
                           "url": f"/api/v1/boards/{board_id}/releases/{release.version}"},
                          separators=(",", ":"), sort_keys=True)
    return {"manifest": document, "signature": sign(key, document.encode("utf-8"))}

