"""Canonical JSON: the one byte form that board, hub and verifier all hash.

Sorted keys, no insignificant whitespace, UTF-8, integers only (no floats, so
no rounding differences between languages), no NaN. This is the subset of
RFC 8785 (JCS) that records and bundles need.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


class CanonicalError(ValueError):
    """The value cannot be encoded canonically; the message names the path."""


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise CanonicalError(f"{path}: integer {value} is outside the interoperable range ±(2^53-1)")
        return
    if isinstance(value, float):
        raise CanonicalError(f"{path}: floats are not allowed in signed documents (use integers or strings)")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: object keys must be strings, got {key!r}")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise CanonicalError(f"{path}: {type(value).__name__} cannot be encoded as JSON")


# one encoder for every call: json.dumps with options builds a new JSONEncoder each time (a third of the cost
# of canonicalising a small record)
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


_SCALARS = frozenset((str, bool, type(None)))
_MAX_INT = 2**53 - 1


def _plain(value: Any) -> bool:
    """True when ``value`` is encodable canonically; no path strings built (the common case of every record).

    Exact types only (a subclass takes the slow path, whose checks decide), so it never passes what _check refuses.
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return -_MAX_INT <= value <= _MAX_INT
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            item_kind = type(item)
            if item_kind in _SCALARS:
                continue
            if item_kind is int:
                if not -_MAX_INT <= item <= _MAX_INT:
                    return False
            elif not _plain(item):
                return False
        return True
    if kind is list:
        return all(_plain(item) for item in value)
    return False


def _c_encoder():
    """The C encoder JSONEncoder.encode builds on every call, built once (a third of canonicalising a record's
    data); None where the C accelerator is missing. Same options as _ENCODER; markers=None is safe because
    _check/_plain have walked the value first (a cycle never gets here)."""
    from json import encoder

    if encoder.c_make_encoder is None:
        return None
    return encoder.c_make_encoder(None, _ENCODER.default, encoder.encode_basestring, None, ":", ",", True, False,
                                  False)


_C_ENCODE = _c_encoder()


def canonical_bytes(value: Any) -> bytes:
    if not _plain(value):
        _check(value, "$")  # names the path that cannot be encoded (or passes what _plain was too strict for)
    if _C_ENCODE is not None and type(value) in (dict, list):
        return "".join(_C_ENCODE(value, 0)).encode("utf-8")
    return _ENCODER.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
