import hashlib
import io
import json
import tarfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.updater import UpdateError, UpdateManifest, Updater


def wheelhouse(tmp_path, name="classboard-0.2.0-py3-none-any.whl", evil=False):
    archive = tmp_path / "update.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"not really a wheel"
        info = tarfile.TarInfo("../../escape" if evil else name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return archive


def signed(archive, version="0.2.0", key=None):
    key = key or Ed25519PrivateKey.generate()
    doc = json.dumps({"version": version, "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
                      "size": archive.stat().st_size, "url": "http://127.0.0.1/u.tar.gz"}).encode()
    return doc, key.sign(doc), key


class FakeRunner:
    """Creates the venv folder as `python -m venv` would; pip 'installs' unless told to fail."""

    def __init__(self, fail_pip=False):
        self.calls, self.fail_pip = [], fail_pip

    def __call__(self, argv):
        from pathlib import Path
        self.calls.append(list(argv))
        if argv[1:3] == ["-m", "venv"]:
            (Path(argv[-1]) / "bin").mkdir(parents=True)
            return 0
        return 1 if self.fail_pip else 0


def installed(tmp_path, version):
    updater = Updater(tmp_path / "opt", FakeRunner())
    archive = wheelhouse(tmp_path)
    doc, sig, key = signed(archive, version)
    updater.install(UpdateManifest.parse(doc, sig, key.public_key()), archive)
    updater.switch(version)
    return updater


def test_forged_manifest_is_refused(tmp_path):
    archive = wheelhouse(tmp_path)
    doc, sig, _ = signed(archive)
    with pytest.raises(UpdateError, match="signature"):
        UpdateManifest.parse(doc, sig, Ed25519PrivateKey.generate().public_key())


def test_tampered_archive_and_path_escape_are_refused(tmp_path):
    updater = installed(tmp_path, "0.1.0")
    archive = wheelhouse(tmp_path)
    doc, sig, key = signed(archive, "0.2.0")
    archive.write_bytes(archive.read_bytes() + b"x")
    with pytest.raises(UpdateError, match="does not match"):
        updater.install(UpdateManifest.parse(doc, sig, key.public_key()), archive)
    evil = wheelhouse(tmp_path, evil=True)
    doc, sig, key = signed(evil, "0.2.0")
    with pytest.raises(UpdateError, match="cannot be unpacked"):
        updater.install(UpdateManifest.parse(doc, sig, key.public_key()), evil)
    assert updater.current() == "0.1.0"
    assert not (tmp_path / "escape").exists()


def test_update_switches_when_healthy(tmp_path):
    updater = installed(tmp_path, "0.1.0")
    archive = wheelhouse(tmp_path)
    doc, sig, key = signed(archive, "0.2.0")
    restarts = []
    ok = updater.apply(UpdateManifest.parse(doc, sig, key.public_key()), archive,
                       restart=lambda: restarts.append(updater.current()), healthy=lambda: True, deadline_s=1)
    assert ok and updater.current() == "0.2.0" and restarts == ["0.2.0"]


def apply_unhealthy(tmp_path, updater) -> tuple[bool, list]:
    """Offer 0.2.0, which never reports healthy; returns (ok, the version current at each restart)."""
    archive = wheelhouse(tmp_path)
    doc, sig, key = signed(archive, "0.2.0")
    restarts = []
    ok = updater.apply(UpdateManifest.parse(doc, sig, key.public_key()), archive,
                       restart=lambda: restarts.append(updater.current()), healthy=lambda: False,
                       deadline_s=0.2, poll_s=0.05)
    return ok, restarts


def test_unhealthy_update_rolls_back_by_itself(tmp_path):
    updater = installed(tmp_path, "0.1.0")
    ok, restarts = apply_unhealthy(tmp_path, updater)
    assert not ok and updater.current() == "0.1.0" and restarts == ["0.2.0", "0.1.0"]


def test_failed_install_leaves_running_version(tmp_path):
    updater = installed(tmp_path, "0.1.0")
    updater.runner = FakeRunner(fail_pip=True)
    archive = wheelhouse(tmp_path)
    doc, sig, key = signed(archive, "0.2.0")
    with pytest.raises(UpdateError, match="failed"):
        updater.install(UpdateManifest.parse(doc, sig, key.public_key()), archive)
    assert updater.current() == "0.1.0" and not (tmp_path / "opt" / "versions" / "0.2.0").exists()


def test_first_update_that_fails_goes_back_to_the_image_version(tmp_path):
    """On a fresh data partition there is no earlier link: rolling back removes it, so the image's venv runs."""
    runner = FakeRunner()
    updater = Updater(tmp_path / "software", runner, system_site_packages=True)
    ok, restarts = apply_unhealthy(tmp_path, updater)
    assert not ok and restarts == ["0.2.0", None] and not updater.current_link.is_symlink()
    venv, pip = runner.calls
    assert "--system-site-packages" in venv and pip[-2:] == ["--no-deps", "classboard"]
