"""The board side of 亲情留言 on the hub's signed board API: a child's voice reply, uploaded by the board."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from ..api import board_request, problem
from .accounts import FamilyError
from .messages import receive_reply
from .notify import reply_arrived

family_board_api = Blueprint("family_board_api", __name__, url_prefix="/api/v1")


@family_board_api.post("/boards/<board_id>/family/replies")
def reply(board_id: str):
    board = board_request(board_id)
    if isinstance(board, Response):
        return board
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "bad request", "body must be a JSON object")
    try:
        message = receive_reply(board.id, board.class_id, body, Path(current_app.config["HUB"].data_dir))
    except FamilyError as exc:
        return problem(exc.status, "reply refused", str(exc))
    reply_arrived(message)
    return jsonify(id=message.id, status="stored"), 201
