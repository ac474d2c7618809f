"""Where a console page may send the browser after sign-in: a path on this hub, nothing else.

A phishing link ``/login?next=//evil.example/`` must not turn a real sign-in
into a trip to another host. Browsers read ``//host``, ``/\\host``, ``\\\\host``,
tabs and newlines inside the scheme, and percent-encoded forms of all of these
as other hosts, so only a plain path that survives decoding unchanged in
meaning is kept.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

HOME = "/"


def local_path(target: str | None, fallback: str = HOME) -> str:
    """``target`` if it is a path on this hub, else ``fallback``."""
    if not target or len(target) > 2000:
        return fallback
    decoded = target
    for _ in range(3):  # a path encoded twice or thrice still names the same place to some proxy or browser
        if any(ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in decoded):
            return fallback
        if not decoded.startswith("/") or decoded.startswith("//"):
            return fallback
        parts = urlsplit(decoded)
        if parts.scheme or parts.netloc:
            return fallback
        step = unquote(decoded)
        if step == decoded:
            break
        decoded = step
    else:
        return fallback
    return target
