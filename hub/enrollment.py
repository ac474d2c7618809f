"""Enrollment: a board proves a claim code or a school token, the hub learns its key.

The claim code shown on the board's screen proves someone stood in front of
it; the token in a boot config proves IT staff prepared the card. Nothing
else (an mDNS record, a guessed board id) can enroll a board, and a known
board id can never be re-enrolled under a different key without IT staff.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timezone
from typing import Any

from protocol.keys import load_public, public_text

from .models import Board, Claim, ConsoleUser, EnrollmentToken
from .tenancy import DEFAULT, acting_for, current

CLAIM_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
BOARD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class EnrollmentError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def create_token() -> str:
    """A token enrolling boards into the current school (hub/tenancy.py)."""
    token = "cbt_" + secrets.token_urlsafe(24)
    EnrollmentToken.create(token=hashlib.sha256(token.encode()).hexdigest(), created_at=_now(), school=current())
    return token


def _token_school(token: str) -> str | None:
    """The school a valid token enrolls into; None for an unknown or revoked token."""
    row = EnrollmentToken.get_or_none(EnrollmentToken.token == hashlib.sha256(token.encode()).hexdigest())
    return row.school if row is not None and not row.revoked else None


def claim_board(code: str, room_id: str, class_id: str | None, name: str = "") -> None:
    from .bundles import school_content

    code = (code or "").strip().upper()
    if not CLAIM_CODE.match(code):
        raise EnrollmentError("claim code must look like ABCD-2345 (as shown on the board)")
    school = school_content()
    if room_id not in {r["id"] for r in school["rooms"]}:
        raise EnrollmentError(f"room {room_id!r} does not exist", 404)
    if class_id and class_id not in {c["id"] for c in school["classes"]}:
        raise EnrollmentError(f"class {class_id!r} does not exist", 404)
    held = Claim.get_or_none(Claim.code == code)
    if held is not None and held.school != current():
        raise EnrollmentError("this claim code is held by another school", 409)
    Claim.insert(code=code, room_id=room_id, class_id=class_id or None, name=name, created_at=_now(),
                 school=current()).on_conflict(
        conflict_target=[Claim.code], update={Claim.room_id: room_id, Claim.class_id: class_id or None,
                                              Claim.school: current()}).execute()


def _class_for_room(room_id: str | None) -> str | None:
    from .bundles import school_content

    for c in school_content()["classes"]:
        if c.get("home_room_id") == room_id:
            return c["id"]
    return None


def enroll(body: dict[str, Any], config) -> dict[str, Any]:
    """Enroll into the school of the token or claim used (a board never changes school without IT staff)."""
    board_id, key_text = body.get("board_id"), body.get("public_key")
    if not isinstance(board_id, str) or not BOARD_ID.match(board_id):
        raise EnrollmentError("board_id is missing or not a plain identifier")
    try:
        load_public(key_text)
    except (ValueError, TypeError):
        raise EnrollmentError("public_key must be base64url of a 32-byte Ed25519 key") from None
    existing = Board.get_or_none(Board.id == board_id)
    school = _school_of(body, existing)
    if existing is not None and school is not None and existing.school != school:
        raise EnrollmentError("this board is enrolled in another school; revoke it there first", 403)
    with acting_for(existing.school if school is None and existing is not None else school or DEFAULT):
        return _enroll(body, config, board_id, key_text, existing)


def _school_of(body: dict[str, Any], existing: Board | None) -> str | None:
    """The school named by the token or claim code in ``body`` (None: neither names one)."""
    token, code = body.get("enrollment_token"), body.get("claim_code")
    if token and isinstance(token, str):
        return _token_school(token)
    if code:
        claim = Claim.get_or_none(Claim.code == str(code).upper())
        if claim is not None and claim.used_by in (None, body.get("board_id")):
            return claim.school
    return None


def _enroll(body: dict[str, Any], config, board_id: str, key_text: str, existing: Board | None) -> dict[str, Any]:
    from .bundles import school_id

    if existing is not None and existing.public_key != key_text:
        raise EnrollmentError("this board id is enrolled with a different key; revoke it on the hub first", 403)
    if existing is not None and existing.state == "revoked":
        raise EnrollmentError("this board was revoked on the hub", 403)
    room_id = class_id = None
    name = str(body.get("name", ""))[:100]
    token, code = body.get("enrollment_token"), body.get("claim_code")
    if token:
        if not isinstance(token, str) or _token_school(token) is None:
            raise EnrollmentError("enrollment token is not valid", 403)
        room_id = str(body.get("room") or "") or None
        class_id = _class_for_room(room_id)
    elif code:
        claim = Claim.get_or_none(Claim.code == str(code).upper())
        if claim is None or (claim.used_by not in (None, board_id)):
            if existing is None:
                return {"status": "pending", "board_id": board_id, "school_id": school_id(),
                        "hub_public_key": config.hub_public_key}
            raise EnrollmentError("claim code is not valid", 403)
        room_id, class_id, name = claim.room_id, claim.class_id or _class_for_room(claim.room_id), claim.name or name
        Claim.update(used_by=board_id).where(Claim.code == claim.code).execute()
    elif existing is None:
        raise EnrollmentError("a claim code or an enrollment token is needed", 403)
    else:
        room_id, class_id = existing.room_id, existing.class_id
    Board.insert(id=board_id, public_key=key_text, name=name, room_id=room_id, class_id=class_id,
                 state="enrolled", enrolled_at=_now(), version=str(body.get("version", ""))[:40],
                 school=current()).on_conflict(
        conflict_target=[Board.id],
        update={Board.room_id: room_id, Board.class_id: class_id, Board.name: name}).execute()
    mqtt = {"host": config.mqtt_host, "port": config.mqtt_port} if config.mqtt_host else None
    return {"status": "enrolled", "board_id": board_id, "school_id": school_id(),
            "hub_public_key": config.hub_public_key, "room_id": room_id, "class_id": class_id, "mqtt": mqtt}


def hub_public_key_text(key) -> str:
    return public_text(key)


def console_user_for_token(header: str) -> ConsoleUser | None:
    if not header.startswith("Bearer "):
        return None
    digest = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    return ConsoleUser.get_or_none(ConsoleUser.api_token_hash == digest)
