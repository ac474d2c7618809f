"""亲情留言 on the board's screen: a partial the student's corner includes after a card tap, and its buttons.

Thin: every answer comes from ``board.family()`` (edge/services/family_messages.py).
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

family = Blueprint("family", __name__, url_prefix="/family")


def _board():
    return current_app.config["BOARD"]


@family.get("/corner/<student_id>")
def corner(student_id: str):
    """The fragment for the student's own corner (screens' card-tap screen includes it)."""
    return render_template("family_partial.html", student_id=student_id,
                           messages=_board().family().for_student(student_id))


@family.post("/tap")
def tap():
    """A card tap that opens the messages (the demo's simulated reader posts the uid here)."""
    from edge.checkin import card_hash
    from edge.store import models as m

    board = _board()
    uid = (request.form.get("uid") or (request.get_json(silent=True) or {}).get("uid") or "").strip()
    student = m.Student.get_or_none(m.Student.card_hash == card_hash(board.card_key(), uid)) if uid else None
    if student is None:
        return jsonify(error=current_app.config["T"]("not_found")), 404
    return corner(student.id)


def _student() -> str:
    return str((request.get_json(silent=True) or {}).get("student_id") or request.form.get("student_id") or "")


@family.post("/open/<message_id>")
def open_message(message_id: str):
    try:
        item = _board().family().open(message_id, _student())
    except KeyError:
        return jsonify(error="no such message"), 404
    return jsonify(id=item["id"], text=item.get("text", ""), played=item["played"])


@family.post("/reply/<message_id>")
def reply(message_id: str):
    try:
        rid = _board().family().reply(message_id, _student(), float(request.form.get("seconds", 5)))
    except KeyError:
        return jsonify(error="no such message"), 404
    except ValueError:
        return jsonify(error="seconds must be a number"), 400
    return jsonify(id=rid), 201
