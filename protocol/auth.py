"""Board request signatures: the hub knows a board by its pinned public key, not a password.

A board signs ``METHOD\\nPATH\\nTIMESTAMP\\nSHA256(BODY)`` and sends
``X-Classboard-Board``, ``X-Classboard-Timestamp`` (Unix seconds) and
``X-Classboard-Signature`` (base64url Ed25519). The hub refuses a skew over
five minutes, so a captured request cannot be replayed later.
"""
from __future__ import annotations

import hashlib
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .keys import sign, verify

HEADER_BOARD = "X-Classboard-Board"
HEADER_TIME = "X-Classboard-Timestamp"
HEADER_SIG = "X-Classboard-Signature"
MAX_SKEW_S = 300


class AuthError(Exception):
    """Why a board request is refused (the hub answers 401)."""


def _message(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()]).encode()


def sign_request(key: Ed25519PrivateKey, board_id: str, method: str, path: str, body: bytes = b"",
                 now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {HEADER_BOARD: board_id, HEADER_TIME: timestamp,
            HEADER_SIG: sign(key, _message(method, path, timestamp, body))}


def verify_request(headers: dict[str, str] | object, method: str, path: str, body: bytes,
                   key_for: "callable", now: float | None = None) -> str:
    """Return the board id of a correctly signed request, or raise AuthError saying why."""
    get = headers.get  # works for dicts and werkzeug Headers
    board, stamp, sig = get(HEADER_BOARD), get(HEADER_TIME), get(HEADER_SIG)
    if not board or not stamp or not sig:
        raise AuthError(f"missing {HEADER_BOARD}, {HEADER_TIME} or {HEADER_SIG}")
    try:
        skew = abs((time.time() if now is None else now) - int(stamp))
    except ValueError:
        raise AuthError(f"{HEADER_TIME} must be Unix seconds") from None
    if skew > MAX_SKEW_S:
        raise AuthError(f"request time is {int(skew)} s away from the hub's clock (limit {MAX_SKEW_S} s)")
    key: Ed25519PublicKey | None = key_for(board)
    if key is None:
        raise AuthError(f"board {board!r} is not enrolled")
    if not verify(key, _message(method, path, stamp, body), sig):
        raise AuthError("request signature does not verify with the board's enrolled key")
    return board
