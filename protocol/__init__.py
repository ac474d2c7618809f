"""The wire contract between boards and the hub: specs, schemas, canonical encoding, signing.

Board (``edge``), hub (``hub``) and the offline evidence verifier all import
this package, so a record is encoded, hashed and signed the same way
everywhere. A third party can implement the hub from ``openapi.yaml``,
``mqtt.md`` and ``schemas/`` alone.
"""
from importlib import resources
from pathlib import Path

PROTOCOL_VERSION = "1"


def spec_path(name: str) -> Path:
    """Path of a spec file shipped in this package (e.g. ``openapi.yaml``)."""
    return Path(str(resources.files("protocol").joinpath(name)))
