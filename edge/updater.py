"""Software updates: download, verify, install beside the running version, switch, roll back.

A board runs from ``ROOT/venv`` (a symlink to ``ROOT/versions/<version>``).
An update is an archive (a wheelhouse: classboard's wheel plus every wheel it
needs, since boards have no internet) described by a manifest that the hub
signs. The board installs it into a new venv, flips the symlink atomically and
restarts; if the new version does not report healthy within the deadline, the
symlink goes back and the old version runs again. Nothing is deleted until the
new version has proved itself.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

log = logging.getLogger(__name__)
Runner = Callable[[Sequence[str]], int]


class UpdateError(Exception):
    """An update was refused or failed; the running version is untouched."""


@dataclass(frozen=True)
class UpdateManifest:
    version: str
    sha256: str
    size: int
    url: str

    @classmethod
    def parse(cls, document: bytes, signature: bytes, hub_key: Ed25519PublicKey) -> "UpdateManifest":
        """Accept a manifest only with a valid signature by the pinned hub key."""
        try:
            hub_key.verify(signature, document)
        except InvalidSignature:
            raise UpdateError("update manifest signature does not verify with the pinned hub key") from None
        try:
            data = json.loads(document)
            manifest = cls(str(data["version"]), str(data["sha256"]), int(data["size"]), str(data["url"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise UpdateError(f"update manifest is malformed: {exc}") from None
        if not manifest.version.replace(".", "").replace("-", "").isalnum():
            raise UpdateError(f"update version {manifest.version!r} is not a plain version string")
        return manifest


def _extract_plain_files(tar: tarfile.TarFile, into: Path) -> None:
    """Only regular files, only inside ``into`` (Debian 12's Python predates extraction filters)."""
    for member in tar.getmembers():
        name = Path(member.name)
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise UpdateError(f"refusing archive member {member.name!r}")
    for member in tar.getmembers():
        target = into / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)


class Updater:
    """``system_site_packages``: the Debian image's way: the venv sees Debian's compiled packages and an
    update carries classboard alone (``--no-deps``); its dependencies come with the image."""

    def __init__(self, root: Path, runner: Runner, python: str = "/usr/bin/python3",
                 system_site_packages: bool = False) -> None:
        self.root, self.runner, self.python = Path(root), runner, python
        self.system_site_packages = system_site_packages
        self.versions = self.root / "versions"
        self.current_link = self.root / "venv"

    def current(self) -> str | None:
        return self.current_link.resolve().parent.name if self.current_link.is_symlink() else None

    def install(self, manifest: UpdateManifest, archive: Path) -> Path:
        """Verify the archive and install it into its own venv; the running one is not touched."""
        digest = hashlib.sha256()
        with open(archive, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != manifest.sha256 or archive.stat().st_size != manifest.size:
            raise UpdateError(f"update {manifest.version}: archive does not match the signed manifest")
        target = self.versions / manifest.version
        staging = self.versions / f".{manifest.version}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        wheels = staging / "wheels"
        wheels.mkdir(parents=True)
        try:
            with tarfile.open(archive) as tar:
                _extract_plain_files(tar, wheels)
        except (tarfile.TarError, OSError, UpdateError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise UpdateError(f"update {manifest.version}: archive cannot be unpacked: {exc}") from None
        if self.system_site_packages:
            steps = [[self.python, "-m", "venv", "--system-site-packages", str(staging / "venv")],
                     [str(staging / "venv" / "bin" / "pip"), "install", "--no-index", "--find-links", str(wheels),
                      "--no-deps", "classboard"]]
        else:
            steps = [[self.python, "-m", "venv", str(staging / "venv")],
                     [str(staging / "venv" / "bin" / "pip"), "install", "--no-index", "--find-links", str(wheels),
                      "classboard[hardware]"]]
        for argv in steps:
            if self.runner(argv) != 0:
                shutil.rmtree(staging, ignore_errors=True)
                raise UpdateError(f"update {manifest.version}: {' '.join(argv[:3])} failed")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        return target

    def switch(self, version: str) -> str | None:
        """Point ``venv`` at ``version`` atomically; returns the version it pointed at before."""
        previous = self.current()
        link_tmp = self.root / ".venv-link"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        link_tmp.symlink_to(self.versions / version / "venv")
        os.replace(link_tmp, self.current_link)
        return previous

    def apply(self, manifest: UpdateManifest, archive: Path, restart: Callable[[], None],
              healthy: Callable[[], bool], deadline_s: float = 120.0, poll_s: float = 2.0) -> bool:
        """Install, switch, restart, and roll back by itself if the new version is not healthy in time."""
        self.install(manifest, archive)
        previous = self.switch(manifest.version)
        restart()
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if healthy():
                log.info("update to %s is healthy", manifest.version)
                return True
            time.sleep(poll_s)
        log.error("update to %s did not report healthy in %.0f s; rolling back to %s",
                  manifest.version, deadline_s, previous)
        if previous:
            self.switch(previous)
        else:  # the first update on this root: back to the version the image (or the package) brought
            self.current_link.unlink(missing_ok=True)
        restart()
        return False
