"""The school hub's side of witnessing: forward each board's enrollment and checkpoints to the witness.

The witness holds no records, so each checkpoint travels with an RFC 9162
consistency proof from the newest checkpoint the witness already holds for
that board; the hub builds it from the leaves it stores. Forwarding happens
after the hub has committed the batch, with a short timeout: a witness that is
away delays nothing, and what it missed is sent with the next batch (rows with
no ``witnessed_at`` yet). A refusal (another key for a known board, a
checkpoint inconsistent with one the witness holds) is logged loudly and in
the access log: it means someone is showing two histories.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import requests

from protocol.merkle import consistency_proof

from ..access_log import log_access
from ..models import Board, BoardCheckpoint
from ..ingest import stored_leaves

log = logging.getLogger(__name__)
TIMEOUT = (2, 5)
SILENT_HOURS = 48  # district policy (hub serve --silent-hours), not the indicator system's: boards sign at least daily


class WitnessRefused(Exception):
    """The witness said no: the message is its reason."""


def _post(url: str, path: str, body: dict) -> requests.Response:
    return requests.post(url.rstrip("/") + path, json=body, timeout=TIMEOUT)


def register_board(url: str, board: Board, school: str) -> None:
    """Tell the witness which key this board enrolled with; the same key again is a no-op there."""
    response = _post(url, "/v1/boards", {
        "board_id": board.id, "public_key": board.public_key, "school": school,
        "enrolled_at": board.enrolled_at.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    if response.status_code == 409:
        raise WitnessRefused(response.json().get("detail", "refused"))
    response.raise_for_status()


def send_checkpoint(url: str, board_id: str, row: BoardCheckpoint, witness_size: int) -> requests.Response:
    leaves = stored_leaves(board_id, row.size) if witness_size and witness_size < row.size else []
    proof = consistency_proof(leaves, witness_size, row.size) if leaves else []
    return _post(url, f"/v1/boards/{board_id}/checkpoints",
                 {"checkpoint": row.text, "old_size": witness_size, "proof": [p.hex() for p in proof]})


def forward_pending(url: str, board_id: str, school: str) -> int:
    """Send the board's registration and its not-yet-witnessed checkpoints; returns how many the witness took."""
    board = Board.get_by_id(board_id)
    register_board(url, board, school)
    pending = list(BoardCheckpoint.select().where((BoardCheckpoint.board_id == board_id) &
                                                  BoardCheckpoint.witnessed_at.is_null())
                   .order_by(BoardCheckpoint.size, BoardCheckpoint.id))
    taken = 0
    for row in pending:
        response = requests.get(url.rstrip("/") + f"/v1/boards/{board_id}/head", timeout=TIMEOUT)
        response.raise_for_status()
        witness_size = int(response.json().get("size", 0))
        if row.size < witness_size:  # older than the witness's head: it proves nothing new, keep it local
            BoardCheckpoint.update(witnessed_at=_now()).where(BoardCheckpoint.id == row.id).execute()
            continue
        answer = send_checkpoint(url, board_id, row, witness_size)
        if answer.status_code == 409:
            raise WitnessRefused(answer.json().get("detail", "refused"))
        answer.raise_for_status()
        BoardCheckpoint.update(witnessed_at=_now()).where(BoardCheckpoint.id == row.id).execute()
        taken += 1
    return taken


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def silent_at_witness(url: str, hours: float = SILENT_HOURS) -> set[str] | None:
    """The ids of boards the witness took no checkpoint from for more than ``hours``; None if it cannot say."""
    try:
        response = requests.get(url.rstrip("/") + "/v1/silent", params={"hours": hours}, timeout=TIMEOUT)
        response.raise_for_status()
        return {b["board_id"] for b in response.json()["boards"]}
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        log.warning("witness at %s could not say which boards are silent: %s", url, exc)
        return None


def forward_now(url: str, board_id: str, school: str) -> None:
    """Forward, never raising: the upload that triggered it has already succeeded."""
    try:
        forward_pending(url, board_id, school)
    except WitnessRefused as exc:
        log.error("witness refused board %s: %s", board_id, exc)
        log_access("witness.refused", actor=board_id, ok=False, detail=str(exc)[:500])
    except (requests.RequestException, ValueError) as exc:
        log.warning("witness unreachable for board %s (will retry with the next batch): %s", board_id, exc)


def forward_checkpoint_later(board_id: str) -> None:
    """Called by the API after a batch or checkpoint was stored; does nothing without a witness URL."""
    from flask import current_app

    from ..bundles import school_id
    from ..tenancy import acting_for

    url = current_app.config["HUB"].witness_url
    if url:
        with acting_for(Board.get_by_id(board_id).school):
            school = school_id()
        forward_now(url, board_id, school)
