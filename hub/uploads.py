"""Large uploads from the console: the request body streamed to a file in chunks, hashed on the way.

Used where a file can be far larger than the hub's limit for record batches (a
district's evidence archives, a district's OneRoster set). The browser sends
the file as the body with a progress bar (hub/static/upload.js); the route
raises Flask's per-request limit for itself only.
"""
from __future__ import annotations

import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK = 1 << 20


class UploadRefused(ValueError):
    """Not taken (empty, too big, not the kind of file asked for); no file is left behind."""


@dataclass(frozen=True)
class Received:
    path: Path
    sha256: str
    bytes: int


def receive_zip(stream: IO[bytes], length: int | None, folder: Path, limit: int) -> Received:
    """Write the body to ``folder/<sha256>.zip``; refuse what is declared or turns out larger than ``limit``,
    empty, or not a zip (a half-written file is removed whatever happens)."""
    if length is not None and length > limit:
        raise UploadRefused(f"文件过大 too large: {length} bytes > {limit}")
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"upload-{uuid.uuid4().hex}.part"
    digest, size = hashlib.sha256(), 0
    try:
        with part.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(f"文件过大 too large: more than {limit} bytes")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("空文件 empty upload")
        if not zipfile.is_zipfile(part):
            raise UploadRefused("不是 zip 文件 not a zip file")
        path = folder / f"{digest.hexdigest()}.zip"
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return Received(path, digest.hexdigest(), size)
